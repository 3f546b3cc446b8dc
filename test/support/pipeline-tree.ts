import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { expandedRootPipeline } from './gitlab-ci-local.js';

export type JobBody = Record<string, unknown> & {
  extends?: string | string[];
  tags?: string[];
  image?: unknown;
  trigger?: { include?: { artifact: string; job: string }[] | string };
};

export interface RootPipeline {
  text: string;
  /** The project's files that the jobs' `rules: exists:` patterns could match, relative to it. */
  files: string[];
  variables: Record<string, string>;
  workflow: { rules: { if?: string }[] };
  /** Jobs with `extends` resolved the way GitLab does (hashes merged, everything else replaced). */
  jobs: Map<string, JobBody>;
}

const GLOBAL_KEYS = new Set(['workflow', 'stages', 'variables', 'default', 'include', 'image', 'services', 'cache', 'before_script', 'after_script']);

/** The root pipeline of the project in `root`, its included components expanded (expandedRootPipeline). */
export async function readRootPipeline(root: string): Promise<RootPipeline> {
  const text = await expandedRootPipeline(root);
  const data = parse(text) as Record<string, JobBody>;
  const jobs = pipelineJobsOf(text);
  const patterns = [...jobs.values()].flatMap((job) => ((job.rules ?? []) as Rule[]).flatMap((rule) => rule.exists ?? []));
  return {
    text,
    files: await projectFiles(root, patterns),
    variables: (data.variables ?? {}) as Record<string, string>,
    workflow: data.workflow as unknown as RootPipeline['workflow'],
    jobs,
  };
}

/** The jobs of any pipeline file, with `extends` resolved the way GitLab does. */
export function pipelineJobsOf(text: string): Map<string, JobBody> {
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
  return jobs;
}

function deepMerge(base: JobBody, over: JobBody): JobBody {
  const out: JobBody = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const previous = out[key];
    out[key] = isHash(previous) && isHash(value) ? deepMerge(previous as JobBody, value as JobBody) : value;
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
        visit(
          Object.entries(child)
            .filter(([k]) => !GLOBAL_KEYS.has(k))
            .map(([, v]) => v),
          depth + 1,
        );
      }
    }
  };
  visit(rootJobs.values(), 0);
  return { found, missing };
}

interface Rule {
  if?: string;
  exists?: string[];
  when?: string;
  variables?: Record<string, string>;
}

/** The files below the literal folder each pattern starts with (so never all of node_modules). */
async function projectFiles(root: string, patterns: string[]): Promise<string[]> {
  const folders = new Set(patterns.map((pattern) => pattern.slice(0, pattern.search(/[*?[{\\]/)).replace(/[^/]*$/, '')));
  const files = new Set<string>();
  for (const folder of folders) {
    const entries = await readdir(path.join(root, folder), { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries.filter((e) => e.isFile())) files.add(path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
  }
  return [...files].sort();
}

/**
 * GitLab's `rules: exists` matching: Ruby's File.fnmatch with FNM_PATHNAME (`*`, `?` and
 * brackets never match `/`, `**\/` matches any folders), FNM_DOTMATCH (a leading `.` needs no
 * explicit match) and FNM_EXTGLOB (`{a,b}`).
 */
export function fnmatch(pattern: string, file: string): boolean {
  const braces = /\{([^{}]*)\}/.exec(pattern);
  if (braces) {
    return braces[1]!.split(',').some((choice) => fnmatch(pattern.slice(0, braces.index) + choice + pattern.slice(braces.index + braces[0].length), file));
  }
  let regex = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (pattern.startsWith('**/', i)) {
      regex += '(?:[^/]*/)*';
      i += 2;
    } else if (c === '*') regex += '[^/]*';
    else if (c === '?') regex += '[^/]';
    else if (c === '\\') regex += `\\${pattern[++i] ?? ''}`;
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      const set = pattern.slice(i + 1, end);
      regex += /^[!^]/.test(set) ? `[^/${set.slice(1)}]` : `[${set}]`;
      i = end;
    } else regex += c.replace(/[.+()|^$]/g, '\\$&');
  }
  return new RegExp(`^${regex}$`).test(file);
}

/**
 * Evaluate a GitLab `rules:if` expression of the forms the root pipeline uses: `$VAR`,
 * `$VAR == "text"`, `$VAR =~ /regex/`, `$A == $B`, joined by `&&` and `||` (no parentheses).
 */
export function evaluateRule(expression: string, variables: Record<string, string>): boolean {
  const value = (token: string) => (token.startsWith('$') ? variables[token.slice(1)] : token.replace(/^"|"$/g, ''));
  return expression.split('||').some((conjunction) =>
    conjunction.split('&&').every((raw) => {
      const term = raw.trim();
      const match = /^(\S+)\s*(==|!=|=~)\s*(.+)$/.exec(term);
      if (!match) return Boolean(value(term));
      const [, left, operator, right] = match as unknown as [string, string, string, string];
      if (operator === '=~') return new RegExp(right.replace(/^\/|\/$/g, '')).test(value(left) ?? '');
      return operator === '==' ? value(left) === value(right) : value(left) !== value(right);
    }),
  );
}

/** Which root jobs a pipeline with these predefined variables runs (empty when workflow rules say never). */
export function jobsThatRun(root: RootPipeline, predefined: Record<string, string>): string[] {
  const workflowRule = (root.workflow.rules as Rule[]).find((rule) => rule.if === undefined || evaluateRule(rule.if, predefined));
  if (!workflowRule || workflowRule.when === 'never') return [];
  const variables = { ...predefined, ...root.variables, ...workflowRule.variables };
  return [...root.jobs]
    .filter(([, job]) => {
      const rules = job.rules as Rule[] | undefined;
      if (!rules) return true;
      const rule = rules.find(
        (r) => (r.if === undefined || evaluateRule(r.if, variables)) && (r.exists === undefined || r.exists.some((p) => root.files.some((f) => fnmatch(p, f)))),
      );
      return rule !== undefined && rule.when !== 'never';
    })
    .map(([name]) => name);
}

/** Needs of running jobs on jobs that do not run, unless `optional: true` (GitLab refuses those). */
export function unmetNeeds(root: RootPipeline, running: string[]): string[] {
  const unmet: string[] = [];
  for (const name of running) {
    for (const need of (root.jobs.get(name)!.needs ?? []) as (string | { job: string; optional?: boolean; pipeline?: string })[]) {
      const target = typeof need === 'string' ? { job: need } : need;
      if (target.pipeline === undefined && !target.optional && !running.includes(target.job)) unmet.push(`${name} needs ${target.job}`);
    }
  }
  return unmet;
}
