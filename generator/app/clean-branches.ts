import { cleanDeletedBranches } from '../gitlab/branch-cleanup.js';
import { writePlainFile } from '../io/fs/plain-files.js';
import { projectBranches } from '../io/gitlab/branches.js';
import { gitlabProject } from '../io/gitlab/client.js';
import { projectRegistryClient } from '../io/registry/lookup.js';
import { registryTagStore } from '../io/registry/tag-store.js';
import { compareCodePoints } from '../pipeline/order.js';
import { architectureNames, architectureSettings } from '../settings/settings.js';
import { loadProject } from './project.js';
import { sifBucket } from './published.js';
import { progressSink, type Terminal } from './terminal.js';

/** What `gitlab clean-branches` is asked. */
export interface CleanBranchesOptions {
  definitions: string;
  settings: string;
  /** Report what would be deleted, delete nothing. */
  dryRun: boolean;
  /** Where to write the JSON report. */
  report: string;
  /** Registry API base URL; undefined: the settings' registry host. */
  registryUrl: string | undefined;
}

/**
 * Delete the registry tags and SIF files of branches that no longer exist, across every container
 * and base image repository, and write the report; prints each deletion and a summary.
 */
export async function cleanBranches(options: CleanBranchesOptions, environment: NodeJS.ProcessEnv, terminal: Terminal): Promise<void> {
  const { settings, definitions, context } = await loadProject(options.definitions, options.settings, environment);
  const { registry } = settings;
  const images = new Set([
    ...definitions.definitions.map((d) => d.name),
    ...architectureNames(settings).flatMap((arch) => Object.values(architectureSettings(settings, arch).baseImages)),
  ]);
  const repositories = [...images].sort(compareCodePoints).map((image) => `${registry.path}/${image}`);
  const log = progressSink(terminal);
  const branches = await projectBranches(gitlabProject(settings, environment, log));
  const stores = {
    tags: registryTagStore(projectRegistryClient(settings, environment, log, options.registryUrl?.replace(/\/+$/, ''))),
    // Every architecture's SIFs are in one bucket: reached as the primary architecture reaches it.
    sifs: await sifBucket(settings, context.primaryArch, environment, log),
  };
  const suffixed = architectureNames(settings).filter((arch) => arch !== context.primaryArch);
  const result = await cleanDeletedBranches(stores, repositories, branches, context.defaultBranch, suffixed, options.dryRun);
  await writePlainFile(options.report, `${JSON.stringify(result, null, 2)}\n`);
  const verb = options.dryRun ? 'would delete' : 'deleted';
  for (const t of result.deletedTags) terminal.stdout.write(`${verb} ${t.repository}:${t.tag} (branch ${t.branchSlug})\n`);
  for (const s of result.deletedSifs) terminal.stdout.write(`${verb} s3://${settings.s3.sifBucket}/${s.key} (branch ${s.branchSlug})\n`);
  for (const k of result.keptSharedTags) terminal.stdout.write(`kept ${k.repository}:${k.tag}: same manifest as ${k.sharedWith.join(', ')}\n`);
  terminal.stdout.write(
    `clean-branches: ${verb} ${result.deletedTags.length} tags and ${result.deletedSifs.length} SIF files of deleted branches ` +
      `(${result.branches.existing} branches exist); report in ${options.report}\n`,
  );
}
