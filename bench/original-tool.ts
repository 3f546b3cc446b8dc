/**
 * Benchmark of process-spack-pipeline against the original tool it replaces, side by side in the
 * same run: BlueBrain's Python `jc process-spack-pipeline` (merge the `spack ci generate` outputs,
 * one child pipeline per stage), on the same 120-container intertwined stack as
 * bench/spack-pipeline.ts. Each tool runs 3 times in a fresh process, the two alternating.
 * Run: `npm run build && node dist/bench/original-tool.js` (from the repository root).
 *
 * Needs the original's source, which this repository does not ship (bench/original/PROVENANCE.md
 * says which files, from where), at bench/original/spacktainers or at SPACKTAINERS_ORIGINAL, and a
 * Python 3 with ruamel.yaml, natsort, click and requests, ORIGINAL_PYTHON (default python3).
 * Without them it says what is missing and skips.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { intertwinedStack, measureCommand } from './spack-pipeline.js';

const repo = path.join(import.meta.dirname, '../..');
const CONTAINERS = 120;
const RUNS = 3;
const driver = path.join(repo, 'bench/original/run_original.py');
const source = path.join(process.env.SPACKTAINERS_ORIGINAL ?? path.join(repo, 'bench/original/spacktainers'), 'job_creator/src');
const python = process.env.ORIGINAL_PYTHON ?? 'python3';
/** The driver's exit status when the original cannot be imported; its output says why. */
const MISSING = 3;

type Run = ReturnType<typeof measureCommand>;

/**
 * A container's generate output as the original reads it. It takes every job's `image` to be a
 * mapping (it sets `image.pull_policy`), as its own spack.yaml had `spack ci generate` write them,
 * so each job gets `image: {name, entrypoint: ['']}`; `rebuild-index`, which has no image in the
 * fixtures, gets the build jobs' one. Nothing else changes.
 */
function asOriginalInput(text: string): string {
  const doc = parse(text) as Record<string, Record<string, unknown>>;
  const jobs = Object.values(doc).filter((value) => typeof value === 'object' && value !== null && 'script' in value);
  const image = jobs.map((job) => job.image).find((name) => typeof name === 'string');
  for (const job of jobs) job.image = { name: job.image ?? image, entrypoint: [''] };
  return stringify(doc, { lineWidth: 0 });
}

/** One run of the original in a fresh process and working folder; the reason when it cannot run. */
function runOriginal(input: string): Run | string {
  const work = mkdtempSync(path.join(os.tmpdir(), 'original-bench-'));
  const started = process.hrtime.bigint();
  // The original names the job it needs after CI_PIPELINE_ID, which GitLab sets.
  const child = spawnSync(python, [driver, source, input, 'artifacts.amd64'], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, CI_PIPELINE_ID: '1' },
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  rmSync(work, { recursive: true, force: true });
  if (child.error) return `${python} cannot be run (${child.error.message}); set ORIGINAL_PYTHON`;
  if (child.status === MISSING) return child.stdout.trim();
  if (child.status !== 0) throw new Error(`the original tool failed:\n${child.stderr}`);
  const measured = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Omit<Run, 'wallMs'>;
  return { wallMs, ...measured };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function row(tool: string, runs: Run[]): string {
  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  const wall = runs.map((run) => run.wallMs);
  const rss = runs.map((run) => run.maxRssMB);
  return `| ${tool} | ${seconds(median(wall))} | ${wall.map(seconds).join(', ')} | ${seconds(median(runs.map((run) => run.commandMs)))} | ${median(rss).toFixed(0)} | ${rss.map((mb) => mb.toFixed(0)).join(', ')} |`;
}

// The machine may be shared: the load says how far the figures can be trusted.
const loadBefore = os.loadavg()[0]!.toFixed(1);
const files = intertwinedStack(CONTAINERS);
const work = mkdtempSync(path.join(os.tmpdir(), 'original-bench-in-'));
const ours = path.join(work, 'ours');
const original = path.join(work, 'original');
mkdirSync(ours);
for (const [file, text] of Object.entries(files)) {
  writeFileSync(path.join(ours, file), text);
  // The original reads DIR/*/*.yml: one folder per container, as its generate jobs left them.
  const folder = path.join(original, path.basename(file, '.yml'));
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, file), asOriginalInput(text));
}
const inputMB = Object.values(files).reduce((sum, text) => sum + Buffer.byteLength(text), 0) / 1e6;
const runs = { ours: [] as Run[], original: [] as Run[] };
let skipped: string | undefined;
for (let run = 0; run < RUNS && skipped === undefined; run++) {
  const result = runOriginal(original);
  if (typeof result === 'string') skipped = result;
  else {
    runs.original.push(result);
    runs.ours.push(measureCommand(ours));
  }
}
rmSync(work, { recursive: true, force: true });
if (skipped !== undefined) {
  console.log(`Original tool: skipped: ${skipped}`);
} else {
  console.log(
    `Original tool side by side: intertwined stack of ${CONTAINERS} containers, ${inputMB.toFixed(0)} MB of input, ${RUNS} runs each, alternating; load average ${loadBefore} before, ${os.loadavg()[0]!.toFixed(1)} after:`,
  );
  console.log('| tool | wall s, median | wall s, each run | command s, median | peak RSS MB, median | peak RSS MB, each run |\n|---|---|---|---|---|---|');
  console.log(row('spacktainers process-spack-pipeline', runs.ours));
  console.log(row('original jc process-spack-pipeline', runs.original));
  const ratio = (of: (run: Run) => number) => median(runs.original.map(of)) / median(runs.ours.map(of));
  console.log(
    `ours is x${ratio((run) => run.wallMs).toFixed(1)} faster (median wall time), x${ratio((run) => run.commandMs).toFixed(1)} on the command alone, and uses x${(1 / ratio((run) => run.maxRssMB)).toFixed(1)} the memory`,
  );
}
