import type { Bucket } from './bucket.js';
import { entryLabel, type BuildCacheEntry, type CacheLayout } from './entry.js';
import { ageInDays, deletionOrder, dueNow, decideCleanup, withoutNeeded, type Deletion, type EntryRef } from './janitor.js';
import { surveyV2 } from './layout-v2.js';
import { surveyV3 } from './layout-v3.js';
import { DEFAULT_LEASE, Lease, type LeaseOptions } from './lease.js';
import { marksText, readMarks, writeMarks, type Marks } from './marks.js';
import type { SpecNode } from './spack-index.js';
import type { LayoutSurvey } from './survey.js';

const HOUR_MS = 3_600_000;
/** Without settings: four times the default spack.buildJobTimeout (6h). */
export const DEFAULT_GRACE_HOURS = 24;
/** Entries per delete batch: three objects each at most in v3, under S3's 1000 keys a request. */
const BATCH_ENTRIES = 300;
/** Index writes tried when pushes keep landing while it is written; the next run goes on. */
const INDEX_ATTEMPTS = 4;

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
  /** An entry goes only once it has been marked deletable, run after run, this long; 0: in one pass. */
  graceHours: number;
  /** Entries deleted per batch; the cache is read again before each. */
  batchEntries?: number;
  lease?: LeaseOptions;
  /** Called after each step that changes the bucket (tests push and stop the run there). */
  onStep?: (step: string) => Promise<void> | void;
}

export interface ReportedDeletion {
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

/** An entry marked deletable, waiting out the grace period. */
export interface WaitingEntry {
  layout: CacheLayout;
  prefix: string;
  hash: string;
  spec: string;
  markedAt: string;
  dueAt: string;
}

export interface CleanCacheReport {
  dryRun: boolean;
  now: string;
  maxAgeDays: number;
  maxDeleteFraction: number;
  graceHours: number;
  mirrors: {
    prefix: string;
    layout: CacheLayout;
    entries: number;
    protected: number;
    unindexed: number;
    deleting: number;
    waiting: number;
  }[];
  entries: number;
  /** What this run deleted (a dry run: would delete). */
  deletions: ReportedDeletion[];
  waiting: WaitingEntry[];
  /** Due, but an entry pushed since the decision depends on it: kept. */
  spared: string[];
  /** More than maxDeleteFraction of the entries would go (now or after the grace period). */
  capExceeded: boolean;
  outcome: 'nothing to delete' | 'dry run' | 'refused' | 'marked' | 'deleted';
  objectsDeleted: number;
  /** Whether each index was left listing exactly what the bucket holds. */
  indexesConsistent: boolean;
  /** S3 requests sent, retries included. */
  requests: number;
}

function mirrorRoot(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

function why(deletion: Deletion, ageDays: number, maxAgeDays: number): string {
  return deletion.reason.kind === 'unused'
    ? `${Math.floor(ageDays)} days old (> ${maxAgeDays}) and in no current environment`
    : `depends on ${entryLabel(deletion.reason.dependsOn)}, which is deleted`;
}

/** The index lists exactly the entries the listing found. */
function consistent(survey: LayoutSurvey): boolean {
  const listed = new Set(survey.entries.map((entry) => entry.hash));
  return survey.unindexed === 0 && [...survey.indexed].every((hash) => listed.has(hash));
}

interface Decided {
  survey: LayoutSurvey;
  deletions: Deletion[];
  protectedCount: number;
  markedAt: Map<string, number>;
  due: Set<string>;
}

/**
 * Under a lease on every mirror root: survey every layout, decide, and unless it is a dry run or
 * over the cap, mark what may go and delete what stayed marked for the grace period. Deletion is
 * in batches, dependents first; before each, the cache is read again and nothing another entry
 * present depends on is touched; the batch is recorded (tombstones), taken out of the index, and
 * its objects deleted with each entry's discovery key last. Finally each index is rewritten from a
 * fresh listing until a listing after the write agrees with it. A run stopped anywhere leaves
 * entries whole or unindexed, nothing depending on a deleted entry but pushes it could not see,
 * and a re-run finishes the work (docs/cache-janitor.md).
 */
export async function cleanCache(bucket: Bucket, options: CleanCacheOptions): Promise<CleanCacheReport> {
  const roots = [...new Set(options.prefixes.map(mirrorRoot))];
  const leases = new Map<string, Lease>();
  try {
    if (!options.dryRun) for (const root of roots) leases.set(root, await Lease.acquire(bucket, root, options.lease ?? DEFAULT_LEASE));
    const report = await cleanUnderLease(bucket, options, roots, leases);
    for (const lease of leases.values()) await lease.release();
    report.requests = bucket.requests;
    return report;
  } catch (error) {
    // A lease that cannot be released expires by itself; the error worth reporting is the first.
    await Promise.allSettled([...leases.values()].map((lease) => lease.release()));
    throw error;
  }
}

async function cleanUnderLease(bucket: Bucket, options: CleanCacheOptions, roots: string[], leases: Map<string, Lease>): Promise<CleanCacheReport> {
  const step = async (name: string) => options.onStep?.(name);
  const known = new Map<string, SpecNode>();
  const survey = (layout: CacheLayout, root: string) => (layout === 'v2' ? surveyV2 : surveyV3)(bucket, root, known);
  const nowMs = options.now.getTime();
  const graceMs = options.graceHours * HOUR_MS;

  const marks = new Map<string, { marks: Marks; text: string | undefined }>();
  const surveys: LayoutSurvey[] = [];
  for (const root of roots) {
    const read = await readMarks(bucket, root);
    marks.set(root, { marks: read, text: marksText(read) });
    for (const layout of ['v2', 'v3'] as const) {
      const found = await survey(layout, root);
      if (found) surveys.push(found);
    }
  }
  await step('surveyed');

  const decided: Decided[] = surveys.map((found) => {
    const { marked, deleted } = marks.get(found.prefix)!.marks;
    const tombstones = new Map<string, EntryRef>(Object.entries(deleted[found.layout]).map(([hash, t]) => [hash, { hash, name: t.name, version: t.version }]));
    const decision = decideCleanup(found.entries, options.keep, { maxAgeDays: options.maxAgeDays, now: options.now, deleted: tombstones });
    const markedAt = new Map(decision.deletions.map(({ entry }) => [entry.hash, Date.parse(marked[found.layout][entry.hash] ?? options.now.toISOString())]));
    const due = dueNow(found.entries, decision.deletions, markedAt, nowMs, graceMs);
    return { survey: found, deletions: decision.deletions, protectedCount: decision.protectedCount, markedAt, due };
  });

  const entries = surveys.reduce((sum, found) => sum + found.entries.length, 0);
  const candidates = decided.reduce((sum, { deletions }) => sum + deletions.length, 0);
  const capExceeded = candidates > options.maxDeleteFraction * entries;
  const dueCount = decided.reduce((sum, { due }) => sum + due.size, 0);
  const report: CleanCacheReport = {
    dryRun: options.dryRun,
    now: options.now.toISOString(),
    maxAgeDays: options.maxAgeDays,
    maxDeleteFraction: options.maxDeleteFraction,
    graceHours: options.graceHours,
    mirrors: decided.map(({ survey: found, deletions, protectedCount, due }) => ({
      prefix: found.prefix,
      layout: found.layout,
      entries: found.entries.length,
      protected: protectedCount,
      unindexed: found.unindexed,
      deleting: due.size,
      waiting: deletions.length - due.size,
    })),
    entries,
    deletions: [],
    waiting: decided.flatMap(({ survey: found, deletions, markedAt, due }) =>
      deletions
        .filter(({ entry }) => !due.has(entry.hash))
        .map(({ entry }) => ({
          layout: found.layout,
          prefix: found.prefix,
          hash: entry.hash,
          spec: entryLabel(entry),
          markedAt: new Date(markedAt.get(entry.hash)!).toISOString(),
          dueAt: new Date(markedAt.get(entry.hash)! + graceMs).toISOString(),
        })),
    ),
    spared: [],
    capExceeded,
    outcome:
      candidates === 0 ? 'nothing to delete' : options.dryRun ? 'dry run' : capExceeded && !options.force ? 'refused' : dueCount === 0 ? 'marked' : 'deleted',
    objectsDeleted: 0,
    indexesConsistent: surveys.every(consistent),
    requests: 0,
  };
  const reported = (found: LayoutSurvey, deletion: Deletion, objects: string[]): ReportedDeletion => {
    const { entry, reason } = deletion;
    const ageDays = ageInDays(entry, options.now);
    return {
      layout: found.layout,
      prefix: found.prefix,
      hash: entry.hash,
      spec: entryLabel(entry),
      ageDays: Math.floor(ageDays),
      reason: reason.kind,
      ...(reason.kind === 'dependency' ? { dependsOn: reason.dependsOn.hash } : {}),
      why: why(deletion, ageDays, options.maxAgeDays),
      objects,
    };
  };

  if (options.dryRun) {
    for (const { survey: found, deletions, due } of decided) {
      const going = deletions.filter(({ entry }) => due.has(entry.hash));
      const payload = await found.payloadOf(going.map(({ entry }) => entry));
      for (const deletion of going) report.deletions.push(reported(found, deletion, [...(payload.get(deletion.entry.hash) ?? []), ...deletion.entry.objects]));
    }
  }
  if (options.dryRun || report.outcome === 'refused') {
    report.requests = bucket.requests;
    return report;
  }

  // Phase one: remember what is deletable and since when; forget what no longer is, and the
  // tombstones older than the grace period (no build that could still push a dependent is running).
  for (const root of roots) {
    const state = marks.get(root)!;
    for (const layout of ['v2', 'v3'] as const) {
      const found = decided.find(({ survey: s }) => s.prefix === root && s.layout === layout);
      const present = new Set(found?.survey.entries.map((entry) => entry.hash) ?? []);
      // Without a grace period everything deletable goes now: there is nothing to remember.
      const marked = graceMs > 0 ? [...(found?.markedAt ?? [])] : [];
      state.marks.marked[layout] = Object.fromEntries(marked.map(([hash, at]) => [hash, new Date(at).toISOString()]));
      state.marks.deleted[layout] = Object.fromEntries(
        Object.entries(state.marks.deleted[layout]).filter(([hash, t]) => !present.has(hash) && nowMs - Date.parse(t.deletedAt) < graceMs),
      );
    }
    state.text = await writeMarks(bucket, root, state.marks, state.text);
  }
  await step('marked');

  const batchEntries = options.batchEntries ?? BATCH_ENTRIES;
  for (const { survey: surveyed, deletions, due } of decided) {
    const { layout, prefix: root } = surveyed;
    const lease = leases.get(root)!;
    const state = marks.get(root)!;
    const reasons = new Map(deletions.map((deletion) => [deletion.entry.hash, deletion]));
    const order = deletionOrder(surveyed.entries.filter((entry) => due.has(entry.hash)));
    for (let start = 0, batch = 1; start < order.length; start += batchEntries, batch++) {
      const label = `${layout} ${root || '(root)'} batch ${batch}`;
      await lease.renew();
      const fresh = await survey(layout, root);
      if (!fresh) break;
      const now = new Map(fresh.entries.map((entry) => [entry.hash, entry]));
      // Gone already, or pushed again since the decision (young again): not this run's to delete.
      const unchanged = order.slice(start, start + batchEntries).filter((entry) => now.get(entry.hash)?.pushedAt.getTime() === entry.pushedAt.getTime());
      const going = withoutNeeded(fresh.entries, new Set(unchanged.map((entry) => entry.hash)));
      for (const entry of unchanged) if (!going.has(entry.hash)) report.spared.push(`${layout} ${root}${entryLabel(entry)}`);
      await step(`${label}: checked`);
      if (going.size === 0) continue;
      const doomed = fresh.entries.filter((entry) => going.has(entry.hash));
      for (const entry of doomed) {
        // With no grace period no build is running, so none can push a dependent afterwards.
        if (graceMs > 0) state.marks.deleted[layout][entry.hash] = { name: entry.name, version: entry.version, deletedAt: options.now.toISOString() };
      }
      state.text = await writeMarks(bucket, root, state.marks, state.text);
      const index = await fresh.rewriteIndex(going);
      for (const write of index.writes) await bucket.put(write.key, write.body, write.contentType);
      await bucket.delete(index.obsolete);
      await step(`${label}: unindexed`);
      const payload = await fresh.payloadOf(doomed);
      const objectsOf = (entry: BuildCacheEntry) => [...(payload.get(entry.hash) ?? []), ...entry.objects];
      // Payload first, discovery keys last (dependents first): an interrupted run leaves every entry findable.
      const objects = [...doomed.flatMap((entry) => payload.get(entry.hash) ?? []), ...doomed.flatMap((entry) => entry.objects)];
      await bucket.delete(objects);
      report.objectsDeleted += objects.length + index.obsolete.length;
      for (const entry of doomed) report.deletions.push(reported(fresh, { ...reasons.get(entry.hash)!, entry }, objectsOf(entry)));
      await step(`${label}: deleted`);
    }
  }

  // The marks of what went are dropped only now: a run stopped before leaves them for the next.
  for (const root of roots) {
    const state = marks.get(root)!;
    for (const deletion of report.deletions) if (deletion.prefix === root) delete state.marks.marked[deletion.layout][deletion.hash];
    state.text = await writeMarks(bucket, root, state.marks, state.text);
  }

  report.indexesConsistent = true;
  // The index from a fresh listing, again until a listing after the write agrees: a push that
  // lands during the write is in the next one.
  const touched = new Set(report.deletions.map((deletion) => `${deletion.layout} ${deletion.prefix}`));
  for (const surveyed of surveys) {
    const { layout, prefix: root } = surveyed;
    let current: LayoutSurvey | undefined = touched.has(`${layout} ${root}`) ? await survey(layout, root) : surveyed;
    for (let attempt = 1; current && !consistent(current) && attempt <= INDEX_ATTEMPTS; attempt++) {
      await leases.get(root)!.renew();
      const index = await current.rewriteIndex(new Set());
      for (const write of index.writes) await bucket.put(write.key, write.body, write.contentType);
      await bucket.delete(index.obsolete);
      report.objectsDeleted += index.obsolete.length;
      await step(`${layout} ${root || '(root)'} index ${attempt}: written`);
      current = await survey(layout, root);
    }
    if (current && !consistent(current)) report.indexesConsistent = false;
  }
  report.requests = bucket.requests;
  return report;
}
