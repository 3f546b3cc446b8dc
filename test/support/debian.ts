import { execFileSync } from 'node:child_process';

/**
 * Install Debian packages a test needs when they are missing (tests and CI run as root on
 * Debian; the project installs what it tests against rather than assuming it).
 */
/** `purpose`, when given, is said on stderr before anything is installed: nothing is installed silently. */
export function ensureDebianPackages(packages: string[], purpose?: string): void {
  const missing = packages.filter((p) => {
    try {
      return !execFileSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8', stdio: 'pipe' }).includes('install ok installed');
    } catch {
      return true; // dpkg-query fails for a package it has never heard of
    }
  });
  if (missing.length === 0) return;
  if (purpose) process.stderr.write(`installing Debian packages for ${purpose}: ${missing.join(' ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'pipe', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'pipe', env });
}
