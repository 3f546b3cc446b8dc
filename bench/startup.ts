/**
 * How long the CLI takes to start: `--help`, `--version` and `validate` on the bundled project
 * (the repository root), each the whole process, several runs.
 * Run: `npm run build && node dist/bench/startup.js [runs]` (from the repository root); `npm run bench` runs it.
 *
 * Prints the median and the slowest wall time of each command, and its median CPU time. Start-up is what a command pays
 * before it does anything, so every module a command does not need is loaded only when it runs
 * (docs/architecture.md, "Start-up"). Figures: docs/architecture.md.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const repo = path.join(import.meta.dirname, '../..');
const cli = path.join(repo, 'bin', 'spacktainers.js');
const runs = Number(process.argv[2] ?? 15);

const COMMANDS = [['--help'], ['--version'], ['validate']];

/** One run's wall and CPU time (user + system, from bash's `time`, which other work on the machine inflates less), in seconds. */
function times(args: string[]): { wall: number; cpu: number } {
  const script = 'TIMEFORMAT="%R %U %S"; time "$0" "$@" >/dev/null 2>&1 || echo failed';
  const run = spawnSync('bash', ['-c', script, process.execPath, cli, ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  const [wall = NaN, user = NaN, system = NaN] = run.stderr.trim().split(/\s+/).map(Number);
  // A failed run stops the bench: its time would mean nothing.
  if (run.stdout.includes('failed') || Number.isNaN(wall)) throw new Error(`spacktainers ${args.join(' ')} failed`);
  return { wall, cpu: user + system };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

console.log(`start-up of ${path.relative(process.cwd(), cli) || cli}, ${runs} runs each`);
for (const args of COMMANDS) {
  times(args); // the file system's cache warmed
  const measured = Array.from({ length: runs }, () => times(args));
  const walls = measured.map((run) => run.wall);
  const shown = `spacktainers ${args.join(' ')}`.padEnd(24);
  console.log(
    `  ${shown} wall: median ${median(walls).toFixed(3)} s, max ${Math.max(...walls).toFixed(3)} s   CPU: median ${median(measured.map((run) => run.cpu)).toFixed(3)} s`,
  );
}
