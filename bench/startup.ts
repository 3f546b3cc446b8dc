/**
 * How long the CLI takes to start: `--help`, `--version` and `validate` on the bundled project
 * (the repository root), each the whole process, several runs.
 * Run: `npm run build && node dist/bench/startup.js [runs]` (from the repository root); `npm run bench` runs it.
 *
 * Prints the median and the slowest wall time of each command. Start-up is what a command pays
 * before it does anything, so every module a command does not need is loaded only when it runs
 * (docs/architecture.md, "Start-up"). Figures: docs/architecture.md.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const repo = path.join(import.meta.dirname, '../..');
const cli = path.join(repo, 'bin', 'spacktainers.js');
const runs = Number(process.argv[2] ?? 15);

const COMMANDS = [['--help'], ['--version'], ['validate']];

/** One run's wall time in seconds; a failed run stops the bench, since its time would mean nothing. */
function wallSeconds(args: string[]): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, [cli, ...args], { cwd: repo, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME } });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (run.status !== 0) throw new Error(`spacktainers ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

console.log(`start-up of ${path.relative(process.cwd(), cli) || cli}, ${runs} runs each (wall time)`);
for (const args of COMMANDS) {
  wallSeconds(args); // the file system's cache warmed
  const times = Array.from({ length: runs }, () => wallSeconds(args));
  console.log(`  ${`spacktainers ${args.join(' ')}`.padEnd(24)} median ${median(times).toFixed(3)} s   max ${Math.max(...times).toFixed(3)} s`);
}
