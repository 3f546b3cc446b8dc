import type { Bucket } from './bucket.js';
import type { CacheLayout } from './entry.js';
import { JANITOR_ROOT } from './lease.js';
import { compareCodePoints } from '../pipeline/order.js';
import { SpacktainersError } from '../errors.js';

const MARKS_OBJECT = `${JANITOR_ROOT}marks.json`;

/** An entry the janitor deleted, remembered so that a dependent pushed afterwards is found. */
export interface Tombstone {
  name: string;
  version: string;
  deletedAt: string;
}

/**
 * The janitor's state in one mirror root, per layout and hash: when each entry was first seen
 * deletable (phase one), and what was deleted recently. One small JSON object, written whole
 * under the lease; losing it only restarts the grace clocks, which delays deletions, never hastens them.
 */
export interface Marks {
  marked: Record<CacheLayout, Record<string, string>>;
  deleted: Record<CacheLayout, Record<string, Tombstone>>;
}

const emptyMarks = (): Marks => ({ marked: { v2: {}, v3: {} }, deleted: { v2: {}, v3: {} } });

export async function readMarks(bucket: Bucket, root: string): Promise<Marks> {
  const key = `${root}${MARKS_OBJECT}`;
  const bytes = await bucket.get(key);
  if (!bytes) return emptyMarks();
  const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
    marked?: Partial<Marks['marked']> | null;
    deleted?: Partial<Marks['deleted']> | null;
  } | null;
  if (!parsed || typeof parsed.marked !== 'object' || typeof parsed.deleted !== 'object')
    throw new SpacktainersError('service', `${key}: not a janitor marks object`);
  const marks = emptyMarks();
  for (const layout of ['v2', 'v3'] as const) {
    Object.assign(marks.marked[layout], parsed.marked?.[layout]);
    Object.assign(marks.deleted[layout], parsed.deleted?.[layout]);
  }
  return marks;
}

function renderMarks(marks: Marks): string {
  const sorted = <T>(record: Record<string, T>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareCodePoints(a, b)));
  const perLayout = <T>(records: Record<CacheLayout, Record<string, T>>) => ({ v2: sorted(records.v2), v3: sorted(records.v3) });
  return `${JSON.stringify({ marked: perLayout(marks.marked), deleted: perLayout(marks.deleted) }, null, 1)}\n`;
}

/** The object's text, or undefined when there is nothing to remember (then there is no object). */
export function marksText(marks: Marks): string | undefined {
  const empty = [marks.marked.v2, marks.marked.v3, marks.deleted.v2, marks.deleted.v3].every((record) => Object.keys(record).length === 0);
  return empty ? undefined : renderMarks(marks);
}

/** Write the marks (or remove the object when nothing is left to remember); skip when unchanged. */
export async function writeMarks(bucket: Bucket, root: string, marks: Marks, previous: string | undefined): Promise<string | undefined> {
  const key = `${root}${MARKS_OBJECT}`;
  const text = marksText(marks);
  if (text === previous) return previous;
  if (text === undefined) await bucket.delete([key]);
  else await bucket.put(key, Buffer.from(text), 'application/json');
  return text;
}
