import { describe, expect, it } from 'vitest';
import { transferProgress } from '../../generator/io/transfer-progress.js';
import { collectedProgress } from '../support/progress.js';

describe('transfer progress', () => {
  const MiB = 1024 ** 2;

  it('says bytes and percent each time a tenth more is done, not at every chunk', () => {
    const { lines, log } = collectedProgress();
    let clock = 0;
    const progress = transferProgress('upload a.sif', 100 * MiB, log, () => clock);
    for (let done = 0; done <= 100 * MiB; done += MiB) {
      clock += 10;
      progress(done);
    }
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('upload a.sif: 10.0 MiB of 100.0 MiB (10%)');
    expect(lines[9]).toBe('upload a.sif: 100.0 MiB of 100.0 MiB (100%)');
  });

  it('says it at least every 10 seconds of a slow transfer', () => {
    const { lines, log } = collectedProgress();
    let clock = 0;
    const progress = transferProgress('upload a.sif', 1000 * MiB, log, () => clock);
    for (const [at, done] of [
      [5_000, MiB],
      [10_000, 2 * MiB],
      [15_000, 3 * MiB],
      [20_500, 4 * MiB],
    ] as const) {
      clock = at;
      progress(done);
    }
    expect(lines).toEqual(['upload a.sif: 2.0 MiB of 1000.0 MiB (0%)', 'upload a.sif: 4.0 MiB of 1000.0 MiB (0%)']);
  });
});
