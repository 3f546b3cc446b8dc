import type { ProgressSink } from './retry.js';

/** A line at least this often during a transfer, whatever its progress: a slow upload still shows it is alive. */
const PROGRESS_INTERVAL_MS = 10_000;

/** Progress lines in steps of this share of the whole, so a log holds about ten lines per file. */
const PROGRESS_STEP_PERCENT = 10;

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/**
 * What reports a transfer's progress (bytes and percent) to `log`, as plain lines a CI log keeps:
 * one each time the transfer passes a step of 10 %, or after 10 s without a line. `now` is the
 * clock, in milliseconds.
 */
export function transferProgress(what: string, total: number, log: ProgressSink, now: () => number = Date.now): (done: number) => void {
  let reportedStep = 0;
  let reportedAt = now();
  return (done) => {
    const percent = total > 0 ? Math.min(100, Math.floor((100 * done) / total)) : 100;
    const step = Math.floor(percent / PROGRESS_STEP_PERCENT);
    if (step <= reportedStep && now() - reportedAt < PROGRESS_INTERVAL_MS) return;
    reportedStep = Math.max(reportedStep, step);
    reportedAt = now();
    log(`${what}: ${mebibytes(done)} of ${mebibytes(total)} (${percent}%)`);
  };
}
