import { execFileSync } from 'node:child_process';

/** Debian packages needed for one reason, said next to them before anything is installed. */
export interface DebianNeed {
  packages: readonly string[];
  why: string;
}

const installed = (name: string): boolean => {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8', stdio: 'pipe' }).includes('install ok installed');
  } catch {
    return false; // dpkg-query fails for a package it has never heard of
  }
};

export function missingDebianPackages(names: readonly string[]): string[] {
  return [...new Set(names)].filter((name) => !installed(name));
}

/**
 * The one place the project installs Debian packages (`npm run setup:test`, the end-to-end
 * run's global setup): it first says every package of `needs` and why, then installs what is
 * missing. Installing needs root; without it, it throws with the command to run instead.
 */
export function ensureDebianPackages(title: string, needs: readonly DebianNeed[], log = (line: string) => process.stderr.write(`${line}\n`)): void {
  log(`${title}: the Debian packages the tests drive for real`);
  for (const need of needs) log(`  ${need.packages.join(', ')}: ${need.why}`);
  const missing = missingDebianPackages(needs.flatMap((need) => need.packages));
  if (missing.length === 0) {
    log(`${title}: all installed, nothing to do`);
    return;
  }
  const install = ['install', '-y', '-qq', '--no-install-recommends', ...missing];
  if (process.getuid?.() !== 0) {
    throw new Error(`${title}: missing Debian packages ${missing.join(' ')}; as root, run: apt-get update && apt-get ${install.join(' ')}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log(`${title}: installing ${missing.join(' ')} (apt-get update, then apt-get install)`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'pipe', env });
  execFileSync('apt-get', install, { stdio: 'pipe', env });
}

/** For suites that run after the set-up step: fail with what to run rather than install anything. */
export function requireDebianPackages(names: readonly string[], setUpWith: string): void {
  const missing = missingDebianPackages(names);
  if (missing.length > 0) throw new Error(`Debian packages ${missing.join(' ')} are not installed: run \`${setUpWith}\` (as root) first`);
}
