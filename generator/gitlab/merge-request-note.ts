import type { Architecture } from '../settings/settings.js';
import { changeKind, newSpecCount, packageChanges, type PackageChange } from '../spack/lock-diff.js';
import type { SpackLock, SpackOutput } from '../spack/lock.js';
import { byKeys } from '../pipeline/order.js';

/** Hidden in the note's Markdown; finds our note again so it is updated, never duplicated. */
export const NOTE_MARKER = '<!-- spacktainers:merge-request-note -->';

/** What happens to one container on one architecture if the merge request is merged. */
export interface ContainerChange {
  arch: Architecture;
  name: string;
  /** `unknown`: the default branch's locks of this architecture could not be had. */
  status: 'new' | 'removed' | 'changed' | 'unchanged' | 'unknown';
  packages: PackageChange[];
  /** Concrete specs this branch has that the default branch has not. */
  newSpecs: number;
  /** Specs built from source in this pipeline, and specs taken from the build cache. */
  buildJobs: number;
  fromCache: number;
  reasons: string[];
}

/**
 * Compare this branch's generate outputs of one architecture with the default branch's locks
 * (by container name). Containers only on the default branch are reported as removed. Without
 * the default branch's locks (undefined), only what this branch builds is known.
 */
export function containerChanges(arch: Architecture, outputs: SpackOutput[], defaultLocks: Map<string, SpackLock> | undefined): ContainerChange[] {
  const changes: ContainerChange[] = outputs.map((output) => {
    const before = defaultLocks?.get(output.name);
    const packages = defaultLocks ? packageChanges(before, output.lock) : [];
    const newSpecs = defaultLocks ? newSpecCount(before, output.lock) : 0;
    const buildJobs = output.buildJobs.size;
    const status = !defaultLocks ? 'unknown' : !before ? 'new' : newSpecs > 0 || before.specs.size !== output.lock.specs.size ? 'changed' : 'unchanged';
    return {
      arch,
      name: output.name,
      status,
      packages,
      newSpecs,
      buildJobs,
      fromCache: output.lock.specs.size - buildJobs,
      reasons: reasons(status, packages, newSpecs, buildJobs),
    };
  });
  for (const [name, lock] of defaultLocks ?? []) {
    if (outputs.some((o) => o.name === name)) continue;
    const packages = packageChanges(lock, undefined);
    changes.push({ arch, name, status: 'removed', packages, newSpecs: 0, buildJobs: 0, fromCache: 0, reasons: ['no longer defined on this branch'] });
  }
  return changes.sort(byKeys((change) => change.name));
}

function reasons(status: ContainerChange['status'], packages: PackageChange[], newSpecs: number, buildJobs: number): string[] {
  const list: string[] = [];
  if (status === 'new') list.push('new container');
  if (status === 'unknown') list.push('not compared with the default branch');
  const counts = (['added', 'removed', 'changed'] as const)
    .map((kind) => [kind, packages.filter((p) => changeKind(p) === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`);
  if (status === 'changed' && counts.length > 0) list.push(`packages: ${counts.join(', ')}`);
  if (status === 'changed' && packages.length === 0) list.push(`${newSpecs} specs changed at the same versions (variants, compiler or dependencies)`);
  if (buildJobs > 0) list.push(`${buildJobs} specs not in the build cache are built from source`);
  else if (status === 'unknown') list.push('every spec from the build cache');
  if (list.length === 0) list.push(`same environment as the default branch, every spec from the build cache`);
  return list;
}

/** Where an architecture's default-branch locks came from, or why there are none. */
export type ComparedWith = { pipeline: { id: number; webUrl: string } } | { missing: string };

export interface NoteContext {
  defaultBranch: string;
  /** Per architecture: the default-branch pipeline its locks came from, or why there are none. */
  compared: Map<Architecture, ComparedWith>;
  /** This pipeline. */
  pipelineUrl: string;
  commitSha: string;
}

const STATUS_LABEL: Record<ContainerChange['status'], string> = {
  new: '🆕 new',
  removed: '🗑️ removed',
  changed: '🔁 rebuilt',
  unchanged: '✅ unchanged',
  unknown: '❔ not compared',
};

/** The note's Markdown: a summary table per architecture, then each container's package changes. */
export function renderMergeRequestNote(changes: ContainerChange[], context: NoteContext): string {
  const lines = [
    NOTE_MARKER,
    `### spacktainers: what this merge request changes`,
    '',
    `For commit ${context.commitSha.slice(0, 8)} ([pipeline](${context.pipelineUrl})), compared per architecture with the ` +
      `newest successful pipeline of \`${context.defaultBranch}\` that ran its \`spack-generate\` jobs.`,
  ];
  const notCompared = [...context.compared].filter(([, base]) => 'missing' in base).map(([arch]) => arch);
  const arches = [...new Set([...context.compared.keys(), ...changes.map((c) => c.arch)])].filter(
    (arch) => notCompared.includes(arch) || changes.some((c) => c.arch === arch),
  );
  if (arches.length === 0) lines.push('', 'No Spack containers on either branch.');
  for (const arch of arches) {
    const ofArch = changes.filter((c) => c.arch === arch);
    const base = context.compared.get(arch);
    lines.push('', `#### ${arch}`, '');
    if (base && 'missing' in base) lines.push(`Not compared with \`${context.defaultBranch}\`: ${base.missing}.`);
    else if (base) lines.push(`Compared with [pipeline #${base.pipeline.id}](${base.pipeline.webUrl}) of \`${context.defaultBranch}\`.`);
    if (ofArch.length === 0) continue;
    const built = ofArch.reduce((n, c) => n + c.buildJobs, 0);
    const cached = ofArch.reduce((n, c) => n + c.fromCache, 0);
    lines.push('', '| container | status | why | packages +/−/~ | build jobs | from cache |', '|---|---|---|---|---|---|');
    for (const c of ofArch) {
      const count = (kind: string) => c.packages.filter((p) => changeKind(p) === kind).length;
      const packages = `${count('added')} / ${count('removed')} / ${count('changed')}`;
      lines.push(`| ${cell(c.name)} | ${STATUS_LABEL[c.status]} | ${cell(c.reasons.join('; '))} | ${packages} | ${c.buildJobs} | ${c.fromCache} |`);
    }
    lines.push('', `${built} build jobs run on ${arch} (before shared specs are merged), ${cached} specs come from the build cache.`);
    for (const c of ofArch.filter((x) => x.packages.length > 0)) {
      lines.push('', `<details><summary>${cell(c.name)} (${arch}): ${c.packages.length} package changes</summary>`, '', '```diff');
      lines.push(...c.packages.map(packageLine), '```', '', '</details>');
    }
  }
  return `${lines.join('\n')}\n`;
}

function packageLine(change: PackageChange): string {
  const kind = changeKind(change);
  if (kind === 'added') return `+ ${change.name}@${change.after.join(', ')}`;
  if (kind === 'removed') return `- ${change.name}@${change.before.join(', ')}`;
  return `! ${change.name} ${change.before.join(', ')} → ${change.after.join(', ')}`;
}

/** Container names come from file names; keep them from breaking the Markdown table. */
function cell(text: string): string {
  return text.replace(/[|<>]/g, (c) => `&#${c.charCodeAt(0)};`);
}
