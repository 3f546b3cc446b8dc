import type { ProgressSink } from '../../generator/io/retry.js';

/** The progress sink of an adapter whose retry lines a test does not check: they would only clutter the test run's output. */
export const ignoreProgress: ProgressSink = () => undefined;

/** A progress sink that keeps its lines, for a test that checks them. */
export function collectedProgress(): { lines: string[]; log: ProgressSink } {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(line) };
}

/** The progress sink of a bench: its retries are shown, since each one adds to the requests it counts. */
export const progressOnStderr: ProgressSink = (line) => {
  process.stderr.write(`${line}\n`);
};
