/**
 * How long `spacktainers validate` takes on large definition trees.
 * Run: `npm run build && node dist/bench/parse-definitions.js` (from the repository root).
 *
 * 1. A tree of 2,000 definitions (1,000 per architecture) of about 5 KB each, 10 MB in all:
 *    each a Spack environment of 25 specs and 50 package preferences, the shape of a large
 *    real stack.
 * 2. One definition at the size limit (1 MiB): a `packages:` map of about 58,000 keys, the
 *    case the YAML library's uniqueKeys made quadratic. Figures: README, "Adding a container".
 *
 * Each figure is the whole CLI process (start-up included), best of three: wall time, and CPU
 * time (user + system, from bash's `time`), which other work on the machine does not inflate.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repo = path.join(import.meta.dirname, '../..');
const cli = path.join(repo, 'bin', 'spacktainers.js');

function project(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'spacktainers-bench-'));
  for (const item of ['settings.yaml', 'spacktainer']) cpSync(path.join(repo, item), path.join(root, item), { recursive: true });
  return root;
}

function definition(index: number): string {
  const specs = Array.from({ length: 25 }, (_, i) => `  - py-package-${index}-${i}@1.${i}.0 +mpi ^openmpi@4.1\n`).join('');
  const packages = Array.from({ length: 50 }, (_, i) => `    dependency-${i}:\n      require: "@2.${i} +shared"\n      variants: +pic ~debug\n`).join('');
  return `# Stack ${index}\nspack:\n  specs:\n${specs}  packages:\n${packages}  concretizer:\n    unify: true\n`;
}

function writeTree(root: string): number {
  let bytes = 0;
  for (const arch of ['amd64', 'arm64']) {
    const dir = path.join(root, 'container_definitions', arch);
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 1000; i++) {
      const text = definition(i);
      writeFileSync(path.join(dir, `stack-${String(i).padStart(4, '0')}.yaml`), text);
      bytes += Buffer.byteLength(text);
    }
  }
  return bytes;
}

function writeOneBigMap(root: string): number {
  const dir = path.join(root, 'container_definitions', 'amd64');
  mkdirSync(dir, { recursive: true });
  let text = 'spack:\n  specs: [zlib]\n  packages:\n';
  for (let i = 0; text.length < 1024 * 1024 - 32; i++) text += `    pkg-${i}: {}\n`;
  writeFileSync(path.join(dir, 'big.yaml'), text);
  return text.length;
}

function validateSeconds(root: string): { wall: number; cpu: number } {
  let best = { wall: Infinity, cpu: Infinity };
  for (let run = 0; run < 3; run++) {
    const script = 'TIMEFORMAT="%R %U %S"; time "$0" "$1" validate >/dev/null 2>&1 || echo failed';
    const result = spawnSync('bash', ['-c', script, process.execPath, cli], { cwd: root, encoding: 'utf8' });
    const [wall = NaN, user = NaN, system = NaN] = result.stderr.trim().split(/\s+/).map(Number);
    if (result.stdout.includes('failed') || Number.isNaN(wall)) throw new Error(`validate failed in ${root}`);
    if (wall < best.wall) best = { wall, cpu: user + system };
  }
  return best;
}

for (const [what, write] of [
  ['2,000 definitions', writeTree],
  ['1 definition, one map', writeOneBigMap],
] as const) {
  const root = project();
  try {
    const bytes = write(root);
    const { wall, cpu } = validateSeconds(root);
    console.log(`${what}: ${(bytes / 1e6).toFixed(1)} MB validated in ${wall.toFixed(2)} s (CPU ${cpu.toFixed(2)} s)`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
