import type { Bucket } from './bucket.js';
import { entryLabel, type BuildCacheEntry, type CacheLayout } from './entry.js';
import { ageInDays, planCleanup, type Deletion } from './janitor.js';
import { surveyV2 } from './layout-v2.js';
import { surveyV3 } from './layout-v3.js';
import type { LayoutSurvey } from './survey.js';

export interface CleanCacheOptions {
  /** Mirror roots inside the bucket ('' for the bucket root). */
  prefixes: string[];
  keep: ReadonlySet<string>;
  maxAgeDays: number;
  now: Date;
  dryRun: boolean;
  /** Refuse (unless forced) when more than this fraction of all entries would go. */
  maxDeleteFraction: number;
  force: boolean;
}

export interface PlannedDeletion {
  layout: CacheLayout;
  prefix: string;
  hash: string;
  spec: string;
  ageDays: number;
  /** "unused" (old and in no current environment) or "dependency" (needs a deleted entry). */
  reason: 'unused' | 'dependency';
  dependsOn?: string;
  why: string;
  objects: string[];
}

export interface CleanCacheReport {
  dryRun: boolean;
  now: string;
  maxAgeDays: number;
  maxDeleteFraction: number;
  mirrors: { prefix: string; layout: CacheLayout; entries: number; protected: number; unindexed: number; deleting: number }[];
  entries: number;
  deletions: PlannedDeletion[];
  /** More than maxDeleteFraction of the entries would go. */
  capExceeded: boolean;
  outcome: 'nothing to delete' | 'dry run' | 'refused' | 'deleted';
  objectsDeleted: number;
  /** S3 requests sent, retries included. */
  requests: number;
}

export function mirrorRoot(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

function why(deletion: Deletion, ageDays: number, maxAgeDays: number): string {
  return deletion.reason.kind === 'unused'
    ? `${Math.floor(ageDays)} days old (> ${maxAgeDays}) and in no current environment`
    : `depends on ${entryLabel(deletion.reason.dependsOn)}, which is deleted`;
}

/**
 * Survey every layout of every mirror (read-only), decide, and unless it is a dry run or over the
 * cap, apply: for each layout, first write the index as it will be, then delete objects with each
 * entry's discovery key last. A crash at any point leaves entries that are unindexed or whole, and
 * a re-run finds and finishes them.
 */
export async function cleanCache(bucket: Bucket, options: CleanCacheOptions): Promise<CleanCacheReport> {
  const surveys: LayoutSurvey[] = [];
  for (const prefix of options.prefixes.map(mirrorRoot)) {
    for (const survey of [await surveyV2(bucket, prefix), await surveyV3(bucket, prefix)]) {
      if (survey) surveys.push(survey);
    }
  }

  const decided = [];
  for (const survey of surveys) {
    const plan = planCleanup(survey.entries, options.keep, options);
    const doomed = plan.deletions.map((deletion) => deletion.entry);
    const payload = await survey.payloadOf(doomed);
    const objectsOf = (entry: BuildCacheEntry) => [...(payload.get(entry.hash) ?? []), ...entry.objects];
    // Payload first, discovery keys last: an interrupted run leaves every entry findable.
    const objects = [...doomed.flatMap((entry) => payload.get(entry.hash) ?? []), ...doomed.flatMap((entry) => entry.objects)];
    decided.push({ survey, plan, objects, objectsOf });
  }

  const deletions: PlannedDeletion[] = decided.flatMap(({ survey, plan, objectsOf }) =>
    plan.deletions.map((deletion) => {
      const { entry, reason } = deletion;
      const ageDays = ageInDays(entry, options.now);
      return {
        layout: survey.layout,
        prefix: survey.prefix,
        hash: entry.hash,
        spec: entryLabel(entry),
        ageDays: Math.floor(ageDays),
        reason: reason.kind,
        ...(reason.kind === 'dependency' ? { dependsOn: reason.dependsOn.hash } : {}),
        why: why(deletion, ageDays, options.maxAgeDays),
        objects: objectsOf(entry),
      };
    }),
  );
  const entries = surveys.reduce((sum, survey) => sum + survey.entries.length, 0);
  const capExceeded = deletions.length > options.maxDeleteFraction * entries;
  const report: CleanCacheReport = {
    dryRun: options.dryRun,
    now: options.now.toISOString(),
    maxAgeDays: options.maxAgeDays,
    maxDeleteFraction: options.maxDeleteFraction,
    mirrors: decided.map(({ survey, plan }) => ({
      prefix: survey.prefix,
      layout: survey.layout,
      entries: survey.entries.length,
      protected: plan.protectedCount,
      unindexed: survey.unindexed,
      deleting: plan.deletions.length,
    })),
    entries,
    deletions,
    capExceeded,
    outcome: deletions.length === 0 ? 'nothing to delete' : options.dryRun ? 'dry run' : capExceeded && !options.force ? 'refused' : 'deleted',
    objectsDeleted: 0,
    requests: 0,
  };

  if (report.outcome === 'deleted') {
    for (const { survey, plan, objects } of decided) {
      if (plan.deletions.length === 0) continue;
      const index = await survey.rewriteIndex(new Set(plan.deletions.map((deletion) => deletion.entry.hash)));
      for (const write of index.writes) await bucket.put(write.key, write.body, write.contentType);
      // The replaced index blob goes at once: once entries are deleted, nothing could find it again.
      await bucket.delete(index.obsolete);
      await bucket.delete(objects);
      report.objectsDeleted += objects.length + index.obsolete.length;
    }
  }
  report.requests = bucket.requests;
  return report;
}
