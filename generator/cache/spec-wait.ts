import { setTimeout as sleep } from 'node:timers/promises';
import type { Bucket } from './bucket.js';
import { SpacktainersError } from '../errors.js';

/** What a wait job looks for, keys below the build cache's root. */
export interface SpecWaitTarget {
  /** The spec file's key, or a prefix of its keys (signed and unsigned). */
  specKey: string;
  /** The failure marker of the child building the spec. */
  failureKey: string;
  /** The build job that pushes the spec, for the messages. */
  job: string;
  producer: string;
}

export interface WaitTiming {
  pollMs: number;
  timeoutMs: number;
  now?: () => number;
}

/**
 * Wait until the spec is in the build cache; fail at once when its child has left a failure
 * marker without it, or after the timeout. The spec file is looked for first, so a spec pushed
 * before its child failed elsewhere still counts. Returns how long it waited.
 */
export async function waitForSpec(bucket: Bucket, root: string, target: SpecWaitTarget, timing: WaitTiming, log: (line: string) => void): Promise<number> {
  const now = timing.now ?? Date.now;
  const started = now();
  for (let polls = 0; ; polls++) {
    if ((await bucket.list(root + target.specKey)).length > 0) {
      const waited = now() - started;
      log(`${target.job}: in the build cache after ${Math.round(waited / 1000)} s`);
      return waited;
    }
    if ((await bucket.get(root + target.failureKey)) !== undefined) {
      throw new SpacktainersError('service', `${target.job}: ${target.producer} failed without building it (${root}${target.failureKey}); nothing to wait for`);
    }
    const waited = now() - started;
    if (waited >= timing.timeoutMs) {
      throw new SpacktainersError(
        'service',
        `${target.job}: not in the build cache (${root}${target.specKey}) after ${Math.round(waited / 60_000)} min; giving up`,
      );
    }
    // A line now and then, so the job log shows it is alive without a line per poll.
    if (polls % 15 === 0) log(`${target.job}: waiting for ${target.producer} to push ${target.specKey}`);
    await sleep(Math.min(timing.pollMs, timing.timeoutMs - waited));
  }
}
