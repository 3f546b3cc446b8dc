import type { Architecture } from '../settings/settings.js';
import { shipsPackage, packageList, type PackageRecord } from '../provenance/package-list.js';
import type { LockedEnvironment } from '../spack/lock.js';
import { LABEL_NAMESPACE } from './registry-script.js';
import type { ContainerPublication, PublicationState } from './identity.js';

/** Where one container of one architecture stands, for a person asking "where is my container?". */
/**
 * Where one container stands, as `status --json` prints it: every key in every row, null where
 * it is not known (a container whose environment is not concretized here has no version yet).
 */
export interface ContainerStatus {
  arch: Architecture;
  name: string;
  kind: 'spack' | 'custom';
  version: string | null;
  tag: string | null;
  image: string | null;
  imageState: PublicationState | null;
  sifKey: string | null;
  sifState: PublicationState | null;
  /** Docker Hub: only on the default branch, only into an existing repository. */
  dockerHubState: PublicationState | null;
  spackLockDigest: string | null;
  /** The pipeline that built the image in the registry, from its label, when known. */
  builtBy: string | null;
  /** Why it is not (yet) what the definition says, in words. */
  note: string | null;
}

export function containerStatus(publication: ContainerPublication): ContainerStatus {
  const { container, identity, states } = publication;
  const { definition } = container;
  const behind = [states.image, states.sif, states.dockerHub].some((s) => s === 'missing' || s === 'outdated');
  return {
    arch: definition.arch,
    name: definition.name,
    kind: definition.kind,
    version: container.version,
    tag: container.tag,
    image: container.image,
    imageState: states.image,
    sifKey: container.sifKey,
    sifState: states.sif,
    dockerHubState: states.dockerHub,
    spackLockDigest: identity['spack-lock-digest'] ?? null,
    builtBy: states.imageLabels?.[`${LABEL_NAMESPACE}.pipeline-url`] ?? null,
    note: behind ? 'not published with these contents yet: its container pipeline has not run or failed' : null,
  };
}

/** A definition whose environment has not been concretized here: no lock, so no version, and nothing to look up. */
export function unconcretizedStatus(arch: Architecture, name: string, lockFile: string): ContainerStatus {
  return {
    arch,
    name,
    kind: 'spack',
    version: null,
    tag: null,
    image: null,
    imageState: null,
    sifKey: null,
    sifState: null,
    dockerHubState: null,
    spackLockDigest: null,
    builtBy: null,
    note: `no ${lockFile}: its generate job has not run here (run in CI, or fetch the locks with \`spacktainers gitlab artifacts\`)`,
  };
}

export function renderStatusTable(rows: ContainerStatus[]): string {
  const header = ['CONTAINER', 'TAG', 'IMAGE', 'SIF', 'DOCKER HUB', 'BUILT BY'];
  // What is not known yet reads as `?` to a person.
  const lines = rows.map((r) => [`${r.arch}/${r.name}`, r.tag ?? '?', r.imageState ?? '?', r.sifState ?? '?', r.dockerHubState ?? '?', r.builtBy ?? '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const notes = rows.filter((r) => r.note).map((r) => `${r.arch}/${r.name}: ${r.note}`);
  const where = rows.flatMap((r) =>
    r.image === null || r.sifKey === null ? [] : [`${r.arch}/${r.name}: ${r.kind === 'spack' ? `image ${r.image}, ` : ''}SIF ${r.sifKey} in the SIF bucket`],
  );
  return [format(header), ...lines.map(format), '', ...where, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n') + '\n';
}

/** One container that ships a package a person asked about. */
export interface PackageMatch {
  arch: Architecture;
  container: string;
  packages: PackageRecord[];
}

/** Which containers ship `name` (at `version`, when given), from their concretized locks. */
export function containersShipping(locks: { arch: Architecture; name: string; locked: LockedEnvironment }[], name: string, version?: string): PackageMatch[] {
  return locks
    .map(({ arch, name: container, locked }) => ({
      arch,
      container,
      packages: shipsPackage(packageList(locked.lock), name, version),
    }))
    .filter((match) => match.packages.length > 0);
}
