import { containersShipping, containerStatus, unconcretizedStatus, type ContainerStatus, type PackageMatch } from '../containers/status.js';
import type { DefinitionSet } from '../definitions/definition.js';
import type { Architecture } from '../settings/settings.js';
import { environmentPaths } from '../spack/environment.js';
import { readLocks } from '../io/fs/spack-locks.js';
import { assessPublications } from './container-jobs.js';
import type { Project } from './project.js';
import { readPublicationsInput } from './publications-input.js';
import { byKeys } from '../pipeline/order.js';

export interface StatusQuery {
  arches: Architecture[];
  /** Only this container. */
  name?: string | undefined;
  generatedRoot: string;
  offline: boolean;
  /** Where the registry and bucket credentials are read from. */
  environment: NodeJS.ProcessEnv;
}

function selected(project: Project, query: StatusQuery): DefinitionSet {
  const definitions = project.definitions.definitions.filter((d) => query.arches.includes(d.arch) && (query.name === undefined || d.name === query.name));
  return { ...project.definitions, definitions };
}

/**
 * Where each selected container stands. A Spack container without a lock here is reported as
 * not concretized rather than failing the whole report.
 */
export async function projectStatus(project: Project, query: StatusQuery): Promise<ContainerStatus[]> {
  const rows: ContainerStatus[] = [];
  for (const arch of query.arches) {
    const forArch = selected(project, { ...query, arches: [arch] });
    const input = await readPublicationsInput(project, forArch, arch, query.generatedRoot, query.offline, query.environment);
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
export async function packageStatus(project: Project, query: StatusQuery, packageName: string, version?: string): Promise<PackageMatch[]> {
  const locks = [];
  for (const arch of query.arches) {
    for (const [name, locked] of await readLocks(selected(project, query), arch, query.generatedRoot)) locks.push({ arch, name, locked });
  }
  return containersShipping(locks, packageName, version);
}
