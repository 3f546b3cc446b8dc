/**
 * Benchmark of the publishing pipeline's split: 2,000 Spack containers per architecture (the
 * same names on amd64 and arm64, so multi-arch-manifests waits for both), offline.
 * Run: `npm run build && node dist/bench/publish-split.js [containers]` (from the repository root).
 *
 * The project is the repository's settings, base images and spacktainer/ with synthetic
 * definitions `c0000`…: each a copy of numpy's, given the bundled amd64 numpy spack.lock as
 * its generate job's output. create-jobs and then container-jobs of each architecture run as
 * the CLI runs them (every step is emitted offline, the largest publishing pipelines there
 * are); every pipeline file written must be within GitLab's default limits at its depth, and
 * every trigger job must include a file that was written. Prints the time of each command and
 * the files written.
 */
import { Cli } from 'clipanion';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { Writable } from 'node:stream';
import { buildCli } from '../generator/cli/main.js';
import { DEFAULT_LIMITS, limitViolations, readPipelineFile } from '../generator/pipeline/limits.js';

const repo = path.join(import.meta.dirname, '../..');
const containers = Number(process.argv[2] ?? 2000);
const arches = ['amd64', 'arm64'] as const;

/** Run a command as the CLI does, without its line per container; returns the seconds it took. */
async function cli(argv: string[]): Promise<number> {
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  const started = performance.now();
  const code = await buildCli().run(argv, { ...Cli.defaultContext, stdout: quiet });
  if (code !== 0) throw new Error(`spacktainers ${argv.join(' ')} failed (exit ${code})`);
  return (performance.now() - started) / 1000;
}

const project = await mkdtemp(path.join(os.tmpdir(), 'spacktainers-publish-split-'));
try {
  for (const item of ['settings.yaml', 'base-images', 'spacktainer']) await cp(path.join(repo, item), path.join(project, item), { recursive: true });
  const definition = await readFile(path.join(repo, 'container_definitions/amd64/numpy.yaml'), 'utf8');
  const lock = await readFile(path.join(repo, 'examples/spack-outputs/amd64/numpy/spack.lock'), 'utf8');
  const names = Array.from({ length: containers }, (_, index) => `c${String(index).padStart(4, '0')}`);
  for (const arch of arches) {
    await mkdir(path.join(project, 'container_definitions', arch), { recursive: true });
    for (const name of names) {
      await writeFile(path.join(project, 'container_definitions', arch, `${name}.yaml`), definition);
      // Where the root's generate jobs put each lock, which process-spack-pipeline passes on.
      const outputs = path.join(project, 'generated-locks', arch, 'spack-outputs', name);
      await mkdir(outputs, { recursive: true });
      await writeFile(path.join(outputs, 'spack.lock'), lock);
    }
  }
  process.chdir(project);
  const timings: string[] = [];
  timings.push(`create-jobs ${(await cli(['create-jobs', '--offline'])).toFixed(1)} s`);
  for (const arch of arches) {
    await cp(path.join(project, 'generated-locks', arch), path.join(project, 'generated', arch), { recursive: true });
    timings.push(`container-jobs --arch ${arch} ${(await cli(['container-jobs', '--arch', arch, '--offline'])).toFixed(1)} s`);
  }

  const main_ = 'generated/spacktainers.yml';
  const files = new Map<string, number>([[main_, 1]]);
  for (const arch of arches) {
    for (const file of (await readdir(`generated/${arch}/containers`)).filter((f) => f.endsWith('.yml')).sort())
      files.set(`generated/${arch}/containers/${file}`, 2);
  }
  const violations: string[] = [];
  let publishingBytes = 0;
  let largest = 0;
  for (const [file, depth] of files) {
    const text = await readFile(file, 'utf8');
    violations.push(...limitViolations(readPipelineFile(file, depth, text)));
    if (depth === 2) {
      publishingBytes += Buffer.byteLength(text);
      largest = Math.max(largest, Buffer.byteLength(text));
    }
  }
  const triggers = Object.entries(parse(await readFile(main_, 'utf8')) as Record<string, { trigger?: { include: { artifact: string }[] }; needs?: unknown[] }>)
    .filter(([, job]) => job.trigger)
    .map(([name, job]) => [name, job.trigger!.include[0]!.artifact] as const);
  for (const [name, artifact] of triggers)
    if (!files.has(artifact)) violations.push(`${main_}: trigger job "${name}" includes ${artifact}, which was not written`);
  if (triggers.length !== files.size - 1) violations.push(`${files.size - 1} publishing pipelines written, ${triggers.length} triggered`);
  if (violations.length > 0) throw new Error(`over GitLab's limits:\n${violations.join('\n')}`);

  console.log(`${containers} Spack containers per architecture (${arches.join(', ')}), offline: every step of every container emitted`);
  console.log(timings.join('; '));
  console.log(
    `${files.size} pipeline files (${main_} and ${files.size - 1} publishing pipelines), all within GitLab's limits; ` +
      `publishing pipelines ${publishingBytes} bytes in all, the largest ${largest} of the ${DEFAULT_LIMITS.maxYamlBytes}-byte budget`,
  );
} finally {
  process.chdir(repo);
  await rm(project, { recursive: true, force: true });
}
