import { containersShipping, containerStatus, renderStatusTable, unconcretizedStatus, type ContainerStatus, type PackageMatch } from '../containers/status.js';
import type { DefinitionSet } from '../definitions/definition.js';
import { architectureNames, type Architecture } from '../settings/settings.js';
import { environmentPaths } from '../spack/environment.js';
import { loadLockedEnvironments } from './spack-files.js';
import { assessPublications } from './container-jobs.js';
import { architectureOption, loadProject, type Project } from './project.js';
import { loadPublicationsInput } from './publications-input.js';
import { byKeys } from '../pipeline/order.js';
import type { ProgressSink } from '../io/retry.js';
import { progressSink, type Terminal } from './terminal.js';

interface StatusQuery {
  arches: Architecture[];
  /** Only this container. */
  name?: string | undefined;
  generatedRoot: string;
  offline: boolean;
  /** Where the registry and bucket credentials are read from. */
  environment: NodeJS.ProcessEnv;
  /** Where the registry's and the bucket's retries are reported. */
  log: ProgressSink;
}

/** The switched-on definitions of the architectures asked, and of the one container when one is named. */
function selected(project: Project, query: StatusQuery): DefinitionSet {
  const definitions = project.definitions.definitions.filter((d) => query.arches.includes(d.arch) && (query.name === undefined || d.name === query.name));
  return { ...project.definitions, definitions };
}

/**
 * The selected definitions of each architecture asked that has any: one without definitions has
 * no generate jobs, so no output folder to read.
 */
function selectedByArch(project: Project, query: StatusQuery): [Architecture, DefinitionSet][] {
  return query.arches
    .map((arch): [Architecture, DefinitionSet] => [arch, selected(project, { ...query, arches: [arch] })])
    .filter(([, set]) => set.definitions.length > 0);
}

/**
 * Where each selected container stands. A Spack container without a lock here is reported as
 * not concretized rather than failing the whole report.
 */
async function projectStatus(project: Project, query: StatusQuery): Promise<ContainerStatus[]> {
  const rows: ContainerStatus[] = [];
  for (const [arch, forArch] of selectedByArch(project, query)) {
    const input = await loadPublicationsInput(project, forArch, arch, query.generatedRoot, query.offline, query.environment, query.log);
    const concretized = forArch.definitions.filter((d) => d.kind === 'custom' || input.locks.has(d.name));
    for (const d of forArch.definitions.filter((d) => !concretized.includes(d))) {
      rows.push(unconcretizedStatus(arch, d.name, `${environmentPaths(arch, d.name, query.generatedRoot).outputDir}/spack.lock`));
    }
    if (concretized.length === 0) continue;
    const { publications } = await assessPublications({ ...input, definitions: { ...forArch, definitions: concretized } });
    rows.push(...publications.map(containerStatus));
  }
  return rows.sort(
    byKeys(
      (row) => row.arch,
      (row) => row.name,
    ),
  );
}

/** Which selected containers ship `packageName` (at `version` when given), from their locks. */
async function packageStatus(project: Project, query: StatusQuery, packageName: string, version?: string): Promise<PackageMatch[]> {
  const locks = [];
  for (const [arch, definitions] of selectedByArch(project, query)) {
    for (const [name, locked] of await loadLockedEnvironments(definitions, arch, query.generatedRoot)) locks.push({ arch, name, locked });
  }
  return containersShipping(locks, packageName, version);
}

/** What `status` is asked, its options parsed. */
export interface StatusOptions {
  /** Only this container. */
  name: string | undefined;
  /** Only this architecture: the option's value, checked against the settings. */
  arch: string | undefined;
  json: boolean;
  /** `NAME[@VERSION]`: list the containers shipping this package instead. */
  packageQuery: string | undefined;
  definitions: string;
  settings: string;
  generated: string;
  offline: boolean;
}

/**
 * Print where each selected container stands (a table, or JSON), or which ship a package; returns
 * the exit code: 1 when nothing is selected.
 */
export async function printStatus(options: StatusOptions, environment: NodeJS.ProcessEnv, terminal: Terminal): Promise<number> {
  const project = await loadProject(options.definitions, options.settings, environment);
  const only = options.arch === undefined ? undefined : architectureOption(project.settings, options.arch);
  const query: StatusQuery = {
    arches: architectureNames(project.settings).filter((arch) => !only || arch === only),
    name: options.name,
    generatedRoot: options.generated,
    offline: options.offline,
    environment,
    log: progressSink(terminal),
  };
  if (selected(project, query).definitions.length === 0) {
    terminal.stderr.write(`no switched-on definition ${options.name ?? ''} for ${query.arches.join(', ')}\n`);
    return 1;
  }
  if (options.packageQuery) {
    const [name, version] = options.packageQuery.split('@') as [string, string | undefined];
    const matches = await packageStatus(project, query, name, version);
    if (options.json) terminal.stdout.write(`${JSON.stringify(matches, null, 2)}\n`);
    else {
      for (const match of matches) {
        const found = match.packages.map((p) => `${p.name}@${p.version} /${p.hash.slice(0, 7)} ${p.variants}`.trim()).join('; ');
        terminal.stdout.write(`${match.arch}/${match.container}: ${found}\n`);
      }
      terminal.stdout.write(`${matches.length} container(s) ship ${options.packageQuery}\n`);
    }
    return 0;
  }
  const rows = await projectStatus(project, query);
  terminal.stdout.write(options.json ? `${JSON.stringify(rows, null, 2)}\n` : renderStatusTable(rows));
  return 0;
}
