/**
 * Benchmark of `gitlab durations` against the loopback GitLab, shaped like a large site: each of
 * the last `pipelines` default-branch pipelines triggers the Spack pipeline, which triggers
 * `children` build children of `jobs` build jobs each. Also times reading a durations file of
 * 40,000 jobs (a 1,000-container stack), which `process-spack-pipeline --durations` pays.
 *
 *   npm run build && node dist/bench/gitlab-durations.js [pipelines] [children] [jobs]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { collectDurations } from '../generator/app/durations.js';
import { durationsOf, formatDurations, parseDurations, type JobRun } from '../generator/spack/durations.js';
import { FakeGitlab } from '../test/support/gitlab-server.js';
import { PassThrough } from 'node:stream';

const [pipelines = 10, children = 43, jobs = 100] = process.argv.slice(2).map(Number);
const spec = (n: number) => `pkg${n % 997}@1.${n % 7} /${n.toString(32).padStart(7, 'a')} %gcc@12.2.0 arch=linux-debian12-x86_64_v3`;

const gitlab = new FakeGitlab();
let id = 100_000;
for (let p = 0; p < pipelines; p++) {
  const root = 10_000 + p * 1000;
  gitlab.pipelines.push({ id: root, ref: 'main', status: 'success' }, { id: root + 1, ref: 'main', status: 'success', source: 'parent_pipeline' });
  gitlab.bridges.set(root, [{ id: id++, name: 'spack-pipeline:amd64', status: 'success', downstream: { id: root + 1, status: 'success' } }]);
  const bridges = [];
  for (let c = 0; c < children; c++) {
    const child = root + 2 + c;
    gitlab.pipelines.push({ id: child, ref: 'main', status: 'success', source: 'parent_pipeline' });
    bridges.push({ id: id++, name: `spack-build-${c}`, status: 'success', downstream: { id: child, status: 'success' } });
    // A fifth of each pipeline's specs are new, the rest rebuilt from the one before.
    gitlab.jobs.set(
      child,
      Array.from({ length: jobs }, (_, j) => ({
        id: id++,
        name: spec(c * jobs + j + (j % 5 === 0 ? p * 100_000 : 0)),
        status: 'success',
        duration: 30 + ((j * 37) % 3600),
      })),
    );
  }
  gitlab.bridges.set(root + 1, bridges);
}

const folder = await mkdtemp(path.join(tmpdir(), 'spacktainers-bench-durations-'));
try {
  const env = gitlab.ciVariables(await gitlab.start());
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const file = path.join(folder, 'durations.json');
  const started = performance.now();
  await collectDurations(
    { settings: path.resolve(import.meta.dirname, '../../settings.yaml'), durations: file, pipelines, ref: undefined, keepOnFailure: false },
    env,
    {
      stdout,
      stderr,
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const written = parseDurations(file, await readFile(file, 'utf8'));
  console.log(
    `gitlab durations: ${pipelines} pipelines x ${children} children x ${jobs} jobs: ${seconds.toFixed(2)} s, ` +
      `${gitlab.requests.length} requests, ${written.jobs.size} jobs and ${written.packages.size} packages written`,
  );

  const runs: JobRun[] = Array.from({ length: 40_000 }, (_, n) => ({ id: n, name: spec(n * 13), seconds: 30 + ((n * 37) % 3600) }));
  const text = formatDurations(durationsOf(runs));
  const parseStarted = performance.now();
  const parsed = parseDurations('durations.json', text);
  console.log(
    `parse a durations file of ${parsed.jobs.size} jobs (${(text.length / 1e6).toFixed(1)} MB): ${((performance.now() - parseStarted) / 1000).toFixed(3)} s`,
  );
} finally {
  await gitlab.stop();
  await rm(folder, { recursive: true, force: true });
}
