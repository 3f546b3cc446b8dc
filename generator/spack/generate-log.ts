/**
 * Why Spack schedules each spec, from the staging summary of `spack ci generate` (its stdout):
 * `[x]  sqlite@3.43.2%gcc@=12.2.0/jtbhnry (Scheduled, not found anywhere)`. Keyed by the
 * 7-character hash, which every build job name carries as `/jtbhnry`. A log may hold several
 * runs; the last one wins.
 */
export function parseRebuildReasons(log: string): Map<string, string> {
  const reasons = new Map<string, string>();
  for (const match of log.matchAll(/\[x\]\s+\S+?\/([a-z0-9]{7})\s+\(([^)]*)\)/g)) reasons.set(match[1]!, match[2]!);
  return reasons;
}

/** The reason for rebuilding a job, or the one every rebuild shares when Spack gave none. */
export function rebuildReason(reasons: Map<string, string>, dagHash: string): string {
  return reasons.get(dagHash.slice(0, 7)) ?? 'not in build cache';
}
