/**
 * How long Spack's spec grammar (generator/spack/spec-syntax.ts) takes.
 * Run: `npm run build --silent && node dist/bench/spec-syntax.js` (from the repository root).
 *
 * 1. Every spec of the fixtures: the roots of fixtures/spack/<env>/spack.lock and the build job
 *    names of their pipeline*.yml (Spack's `name@version /hash %compiler arch=...`).
 * 2. 10,000 specs of the forms users write (versions and ranges, variants, quoted flags,
 *    compilers, dependencies with edge attributes), a tenth of them wrong.
 *
 * Each figure is the best of five rounds, in this process, after a warm-up round.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { parseSpec } from '../generator/spack/spec-syntax.js';

const fixtures = path.join(import.meta.dirname, '../../fixtures/spack');

function fixtureSpecs(): string[] {
  const specs: string[] = [];
  for (const environment of readdirSync(fixtures, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
    const folder = path.join(fixtures, environment.name);
    for (const file of readdirSync(folder)) {
      if (file === 'spack.lock') {
        const lock = JSON.parse(readFileSync(path.join(folder, file), 'utf8')) as { roots: { spec: string }[] };
        specs.push(...lock.roots.map((root) => root.spec));
      } else if (/^pipeline.*\.yml$/.test(file)) {
        const pipeline = parse(readFileSync(path.join(folder, file), 'utf8')) as Record<string, unknown>;
        specs.push(...Object.keys(pipeline).filter((name) => name.includes(' /')));
      }
    }
  }
  return specs;
}

function writtenSpecs(count: number): string[] {
  const forms = [
    (i: number) => `py-package-${i}@1.${i % 30}.0 +mpi ~debug ^openmpi@4.1`,
    (i: number) => `hdf5@1.${i % 15}:1.14,2.0 +fortran cflags="-O3 -g" %gcc@12.2.0 ^[virtuals=mpi] mpich@4`,
    (i: number) => `builtin.lib-${i}@=2.${i % 9} build_system=cmake ++shared ^[deptypes=build,link] cmake@3.27: target=x86_64_v3`,
    (i: number) => `tool-${i}@git.main=1.${i % 7} os=debian12 ^zlib-ng@2 ^bzip2 ~~pic`,
    (i: number) => `broken-${i}+mpi@@1.${i % 5}`,
  ];
  return Array.from({ length: count }, (_, i) => (i % 10 === 9 ? forms[4]!(i) : forms[i % 4]!(i)));
}

function bestMilliseconds(specs: string[]): { ms: number; rejected: number } {
  let best = Infinity;
  let rejected = 0;
  for (let round = 0; round < 6; round++) {
    const start = process.hrtime.bigint();
    rejected = specs.filter((spec) => 'problem' in parseSpec(spec)).length;
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (round > 0) best = Math.min(best, ms);
  }
  return { ms: best, rejected };
}

for (const [what, specs] of [
  ['fixture specs', fixtureSpecs()],
  ['written specs', writtenSpecs(10_000)],
] as const) {
  const { ms, rejected } = bestMilliseconds(specs);
  console.log(`${specs.length} ${what} (${rejected} rejected): ${ms.toFixed(1)} ms, ${((ms * 1000) / specs.length).toFixed(1)} µs per spec`);
}
