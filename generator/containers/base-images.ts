import { noopJob } from '../pipeline/noop-job.js';
import { createHash } from 'node:crypto';
import type { CiContext } from '../pipeline/ci-context.js';
import { SpacktainersError } from '../errors.js';
import type { Job, Pipeline } from '../pipeline/model.js';
import { sh, shellCommand, type ShellWord } from '../pipeline/shell.js';
import { architectureSettings, BASE_IMAGES, registryImage, type Architecture, type BaseImageName, type Settings } from '../settings/settings.js';
import type { ImageLookup } from '../registry/lookup.js';
import { buildahJob, keyValueArguments, LABEL_NAMESPACE, registryLogin, REVISION_LABEL } from './registry-script.js';
import { byKeys } from '../pipeline/order.js';
import { ROOT_JOBS } from '../pipeline/root-jobs.js';

/** The files of one `base-images/<name>/` folder, as read from disk. */
export interface BaseImageInputs {
  name: BaseImageName;
  files: { path: string; content: Buffer }[];
  /**
   * The package's default folder, as the project has none of its own: the build job, which sees
   * only the project's checkout, takes it from the output create-jobs writes.
   */
  shipped: boolean;
}

/**
 * What a base image is built from. The checksum covers every file of its folder and the
 * build arguments (the Spack commit for the builder), so it changes exactly when a rebuild
 * is needed; it is stored as a label and compared with the registry's copy.
 */
export interface BaseImage {
  name: BaseImageName;
  checksum: string;
  buildArgs: Record<string, string>;
  /** Its build files' folder, relative to the project: `base-images/<name>`, or the copy of the package's in the output. */
  folder: string;
  shipped: boolean;
}

/** Where create-jobs copies a base image's folder that the package ships, inside its output folder. */
export function shippedBaseImageFolder(outputDir: string, name: BaseImageName): string {
  return `${outputDir}/base-images/${name}`;
}

export function describeBaseImages(settings: Settings, inputs: BaseImageInputs[], outputDir: string): BaseImage[] {
  return BASE_IMAGES.map((name) => {
    const folder = inputs.find((i) => i.name === name);
    if (!folder) throw SpacktainersError.input({ file: `base-images/${name}/` }, 'missing; every base image needs its folder of build files');
    const buildArgs = baseImageBuildArgs(settings, name);
    const hash = createHash('sha256');
    for (const file of [...folder.files].sort(byKeys((f) => f.path))) {
      hash.update(`file ${file.path} ${file.content.length}\n`).update(file.content);
    }
    for (const [key, value] of Object.entries(buildArgs)) hash.update(`arg ${key}=${value}\n`);
    // The tool that builds the image is an input too: a new buildah may build it differently.
    hash.update(`tool buildah=${settings.images.buildah}\n`);
    const { shipped } = folder;
    return {
      name,
      checksum: `sha256:${hash.digest('hex')}`,
      buildArgs,
      folder: shipped ? shippedBaseImageFolder(outputDir, name) : `base-images/${name}`,
      shipped,
    };
  });
}

/** The settings a base image's Dockerfile takes as build arguments. */
function baseImageBuildArgs(settings: Settings, name: BaseImageName): Record<string, string> {
  switch (name) {
    case 'builder':
      return { SPACK_REPOSITORY: settings.spack.repository, SPACK_COMMIT: settings.spack.commit };
    case 'singularitah':
      return {
        GENERATOR_IMAGE: settings.images.generator,
        APPTAINER_VERSION: settings.apptainer.version,
        APPTAINER_DOWNLOAD_URL: settings.apptainer.downloadUrl,
      };
    case 'runtime':
      return {};
  }
}

/** The label holding a base image's input checksum. */
export const INPUT_CHECKSUM_LABEL = `${LABEL_NAMESPACE}.input-checksum`;

/**
 * What one base image of one architecture needs in this pipeline: nothing when the registry
 * already holds it with the same input checksum; a copy of the default branch's image when
 * that one has the checksum (a new branch reuses it instead of building the same bytes);
 * otherwise a build.
 */
export interface BaseImageStep {
  image: BaseImage;
  arch: Architecture;
  action: 'unchanged' | 'copy' | 'build';
  /** For a copy: the default branch's reference it is copied from. */
  from?: string;
}

export async function decideBaseImageSteps(
  settings: Settings,
  context: CiContext,
  arches: Architecture[],
  images: BaseImage[],
  lookup: ImageLookup,
): Promise<BaseImageStep[]> {
  const defaultBranch = { ...context, isDefaultBranch: true };
  const steps = images.flatMap((image) =>
    arches.map(async (arch): Promise<BaseImageStep> => {
      const has = async (ref: string) => (await lookup.image(ref, arch))?.labels[INPUT_CHECKSUM_LABEL] === image.checksum;
      if (await has(baseImageRef(settings, context, image.name, arch))) return { image, arch, action: 'unchanged' };
      const from = baseImageRef(settings, defaultBranch, image.name, arch);
      if (!context.isDefaultBranch && (await has(from))) return { image, arch, action: 'copy', from };
      return { image, arch, action: 'build' };
    }),
  );
  return Promise.all(steps);
}

/**
 * Base images are tagged per branch (`latest` on the default branch, the ref slug elsewhere)
 * and per architecture; the tag without architecture is the multi-arch manifest. The root
 * pipeline refers to the builder by this same convention.
 */
function baseImageTag(context: CiContext): string {
  return context.isDefaultBranch ? 'latest' : context.refSlug;
}

export function baseImageRef(settings: Settings, context: CiContext, name: BaseImageName, arch?: Architecture): string {
  const repository = registryImage(settings, architectureSettings(settings, arch ?? context.primaryArch).baseImages[name]);
  return `${repository}:${baseImageTag(context)}${arch ? `-${arch}` : ''}`;
}

function baseImageJobName(arch: Architecture, name: BaseImageName): string {
  return `base-image:${arch}:${name}`;
}

/**
 * The child pipeline that builds the base images that changed, and joins each changed or
 * copied one into its multi-arch manifest. With nothing to do it holds one no-op job.
 */
export function baseImagesPipeline(settings: Settings, context: CiContext, arches: Architecture[], steps: BaseImageStep[]): Pipeline {
  const jobs = new Map<string, Job>();
  for (const name of BASE_IMAGES) {
    const own = steps.filter((step) => step.image.name === name && step.action !== 'unchanged');
    if (own.length === 0) continue;
    const builds = own.filter((step) => step.action === 'build');
    for (const step of builds) jobs.set(baseImageJobName(step.arch, name), buildJob(settings, context, step.image, step.arch));
    jobs.set(
      `base-image-manifest:${name}`,
      manifestJob(
        settings,
        context,
        name,
        arches,
        builds.map((step) => baseImageJobName(step.arch, name)),
      ),
    );
  }
  if (jobs.size === 0) {
    jobs.set('base-images-unchanged', noopJob('build', settings.images.buildah, 'Every base image is up to date in the registry.'));
  }
  return {
    header: ['Generated by spacktainers create-jobs: base images for this branch (only those that changed).'],
    stages: ['build', 'manifest'],
    jobs,
  };
}

function buildJob(settings: Settings, context: CiContext, image: BaseImage, arch: Architecture): Job {
  const ref = baseImageRef(settings, context, image.name, arch);
  const folder = image.folder;
  const labels: ShellWord[] = [
    ...keyValueArguments('--label', { [INPUT_CHECKSUM_LABEL]: image.checksum, 'org.opencontainers.image.source': context.projectUrl }),
    ...REVISION_LABEL,
  ];
  const job = buildahJob(settings, arch, 'build', [
    registryLogin(settings.registry),
    shellCommand(
      sh`buildah build --layers`,
      ...keyValueArguments('--build-arg', image.buildArgs),
      ...labels,
      sh`--file`,
      `${folder}/Dockerfile`,
      sh`--tag`,
      ref,
      folder,
    ),
    shellCommand(sh`buildah push`, ref),
  ]);
  // A folder the package ships is in create-jobs' artifacts, not in the checkout.
  return image.shipped ? { ...job, needs: [{ pipeline: '$PARENT_PIPELINE_ID', job: ROOT_JOBS.createJobs }] } : job;
}

function manifestJob(settings: Settings, context: CiContext, name: BaseImageName, arches: Architecture[], needs: string[]): Job {
  const list = baseImageRef(settings, context, name);
  const job = buildahJob(settings, arches[0] ?? context.primaryArch, 'manifest', [
    registryLogin(settings.registry),
    shellCommand(sh`buildah manifest create`, list),
    ...arches.map((arch) => shellCommand(sh`buildah manifest add`, list, `docker://${baseImageRef(settings, context, name, arch)}`)),
    shellCommand(sh`buildah manifest push --all`, list, `docker://${list}`),
  ]);
  return { ...job, needs };
}
