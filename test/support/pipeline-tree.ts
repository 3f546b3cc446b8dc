import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';

type JobBody = Record<string, unknown> & {
  extends?: string | string[];
  tags?: string[];
  image?: unknown;
  trigger?: { include?: { artifact: string; job: string }[] | string };
};

export interface RootPipeline {
  text: string;
  variables: Record<string, string>;
  workflow: { rules: { if?: string }[] };
  /** Jobs with `extends` resolved the way GitLab does (hashes merged, everything else replaced). */
  jobs: Map<string, JobBody>;
}

const GLOBAL_KEYS = new Set(['workflow', 'stages', 'variables', 'default', 'include', 'image', 'services', 'cache', 'before_script', 'after_script']);

export async function readRootPipeline(root: string): Promise<RootPipeline> {
  const text = await readFile(path.join(root, '.gitlab-ci.yml'), 'utf8');
  const data = parse(text) as Record<string, JobBody>;
  const resolve = (body: JobBody): JobBody => {
    const parents = body.extends === undefined ? [] : [body.extends].flat();
    const merged = parents.reduce<JobBody>((acc, parent) => deepMerge(acc, resolve(data[parent]!)), {});
    const { extends: _ignored, ...own } = body;
    return deepMerge(merged, own);
  };
  const jobs = new Map<string, JobBody>();
  for (const [name, body] of Object.entries(data)) {
    if (!GLOBAL_KEYS.has(name) && !name.startsWith('.')) jobs.set(name, resolve(body));
  }
  return {
    text,
    variables: (data.variables ?? {}) as Record<string, string>,
    workflow: data.workflow as unknown as RootPipeline['workflow'],
    jobs,
  };
}

function deepMerge(base: JobBody, over: JobBody): JobBody {
  const out: JobBody = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const previous = out[key];
    out[key] =
      isHash(previous) && isHash(value) ? deepMerge(previous as JobBody, value as JobBody) : value;
  }
  return out;
}

function isHash(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Follow trigger jobs from the root: each `trigger:include:artifact` is a pipeline one level
 * deeper. `load` returns the text of an artifact path, or undefined when it is not at hand.
 */
export function pipelineDepths(
  rootJobs: Map<string, JobBody>,
  load: (artifact: string) => string | undefined,
): { found: Map<string, number>; missing: string[] } {
  const found = new Map<string, number>();
  const missing: string[] = [];
  const visit = (jobs: Iterable<JobBody>, depth: number) => {
    for (const job of jobs) {
      const includes = job.trigger?.include;
      for (const include of Array.isArray(includes) ? includes : []) {
        const text = load(include.artifact);
        if (text === undefined) {
          missing.push(include.artifact);
          continue;
        }
        found.set(include.artifact, depth + 1);
        const child = parse(text) as Record<string, JobBody>;
        visit(Object.entries(child).filter(([k]) => !GLOBAL_KEYS.has(k)).map(([, v]) => v), depth + 1);
      }
    }
  };
  visit(rootJobs.values(), 0);
  return { found, missing };
}
