import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, parseDocument } from 'yaml';
import { loadDefinitions } from '../../generator/app/project.js';
import { copyExampleOutputs } from '../../generator/app/example-outputs.js';
import { NOOP_JOB, REBUILD_INDEX_JOB } from '../../generator/spack/generate-output-parser.js';
import { runCli } from './cli.js';
import { BUNDLED_ARCHITECTURES, makeProject, REPO_ROOT } from './project.js';
import { pushTestImage, startRegistry } from './registry.js';
import { startS3 } from './s3.js';

/** One generated file, by where it is in its project (`<case>/<path>`), with the CI variables its pipeline gets. */
export interface GeneratedFile {
  label: string;
  text: string;
  /** For pipeline files: what GitLab sets when it creates the pipeline (none for the root, which has cases of its own). */
  variables: Record<string, string>;
}

export interface GeneratedFiles {
  pipelines: GeneratedFile[];
  /** The generate scripts the root's spack-generate jobs run with `sh`. */
  scripts: GeneratedFile[];
}

/** What a child pipeline gets: its source, its parent's id (for `needs: pipeline:`), the branch. */
function childVariables(branch: string): Record<string, string> {
  return { CI_PIPELINE_SOURCE: 'parent_pipeline', PARENT_PIPELINE_ID: '1', CI_COMMIT_BRANCH: branch };
}

async function cli(args: string[], cwd: string, env: Record<string, string>): Promise<void> {
  const result = await runCli(args, cwd, env);
  if (result.code !== 0 || result.stderr) throw new Error(`spacktainers ${args.join(' ')}: ${result.stderr}`);
}

/**
 * Stand in for the root's generate jobs: the bundled real `spack ci generate` outputs, each
 * build job's `script` replaced by the `script::` of the environment create-jobs wrote, which
 * Spack 0.21 copies into every build job verbatim (the fixtures show it). So the build jobs
 * in the split children hold the script spacktainers gives them, not the fixtures' older one.
 */
async function standInForGenerateJobs(project: string, arch: string): Promise<void> {
  const definitions = await loadDefinitions(path.join(project, 'container_definitions'), project, BUNDLED_ARCHITECTURES);
  await copyExampleOutputs(definitions, path.join(REPO_ROOT, 'examples/spack-outputs'), path.join(project, 'generated'));
  const outputs = path.join(project, 'generated', arch, 'spack-outputs');
  for (const name of await readdir(outputs)) {
    const environment = parse(await readFile(path.join(project, 'generated', arch, 'environments', name, 'spack.yaml'), 'utf8'));
    const buildJob = environment.spack.ci['pipeline-gen'][0]['build-job'] as Record<string, unknown>;
    // However the override key is spelled (`script:` parsed from `script::`, or `script::`).
    const script = Object.entries(buildJob).find(([key]) => /^script:+$/.test(key))![1];
    const file = path.join(outputs, name, 'pipeline.yml');
    const document = parseDocument(await readFile(file, 'utf8'));
    for (const job of Object.keys(document.toJS())) {
      if (!['stages', 'variables', 'workflow', REBUILD_INDEX_JOB, NOOP_JOB].includes(job)) document.setIn([job, 'script'], script);
    }
    await writeFile(file, document.toString());
  }
}

async function collect(project: string, caseName: string, files: string[], variables: Record<string, string>): Promise<GeneratedFile[]> {
  return Promise.all(files.map(async (file) => ({ label: `${caseName}/${file}`, text: await readFile(path.join(project, file), 'utf8'), variables })));
}

async function spackPipelineFiles(project: string, arch: string): Promise<string[]> {
  const folder = `generated/${arch}/spack-pipeline`;
  return (await readdir(path.join(project, folder)))
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => `${folder}/${f}`);
}

/**
 * Every kind of pipeline file spacktainers writes, made by the real commands from the bundled
 * definitions, the bundled Spack outputs and the Spack fixtures:
 * - default-branch: base images to build, the container pipeline, the Spack build split into
 *   several children, and a publishing pipeline with image, SIF (with modules) and Docker Hub
 *   jobs, planned against a test registry and SIF bucket; binaries are signed;
 * - feature-branch: the same offline, on a branch (branch tags, development cache, no modules);
 * - nothing: no definitions at all: every no-op (base images unchanged, no containers, no Spack
 *   environment for the architecture, nothing to publish);
 * - up-to-date: Spack's own no-op, every spec already in the build cache.
 */
export async function generateEveryKind(): Promise<GeneratedFiles> {
  const [registry, s3] = await Promise.all([startRegistry(), startS3({ buckets: ['spacktainers-sif'] })]);
  try {
    const pipelines: GeneratedFile[] = [];
    const scripts: GeneratedFile[] = [];
    const bundled = async () => {
      const project = await makeProject({});
      await cp(path.join(REPO_ROOT, 'container_definitions'), path.join(project, 'container_definitions'), { recursive: true });
      return project;
    };
    const created = ['generated/base-images.yml', 'generated/spacktainers.yml'];

    // The .def converts an image of the test registry (loopback only); Docker Hub (the same
    // registry) has a numpy repository, so numpy gets a Docker Hub job.
    const main = await bundled();
    const def = path.join(main, 'container_definitions/amd64/ubuntu-tools.def');
    await writeFile(def, (await readFile(def, 'utf8')).replace('docker.io/library/ubuntu', `${registry.host}/library/ubuntu`));
    await pushTestImage(registry.endpoint, 'library/ubuntu', '24.04', { content: 'ubuntu' });
    await pushTestImage(registry.endpoint, 'examplehpc/numpy', 'older', { content: 'hub numpy' });
    const mainEnv = {
      CI_COMMIT_REF_NAME: 'main',
      CI_DEFAULT_BRANCH: 'main',
      SPACKTAINERS_SPACK_SIGNING_KEY_VARIABLE: 'SPACK_SIGNING_KEY',
      SPACKTAINERS_REGISTRY_HOST: registry.host,
      SPACKTAINERS_DOCKER_HUB_HOST: registry.host,
      SPACKTAINERS_S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    };
    await cli(['create-jobs', '--offline'], main, mainEnv);
    await standInForGenerateJobs(main, 'amd64');
    await cli(
      [
        'process-spack-pipeline',
        '--arch',
        'amd64',
        '--input',
        'generated/amd64/spack-outputs',
        '--output',
        'generated/amd64/spack-pipeline',
        '--max-yaml-bytes',
        '100000',
      ],
      main,
      mainEnv,
    );
    await cli(['container-jobs', '--arch', 'amd64'], main, mainEnv);
    pipelines.push(
      ...(await collect(
        main,
        'default-branch',
        [...created, ...(await spackPipelineFiles(main, 'amd64')), 'generated/amd64/containers/containers.yml'],
        childVariables('main'),
      )),
    );
    scripts.push(...(await collect(main, 'default-branch', ['generated/amd64/spack-generate.sh', 'generated/arm64/spack-generate.sh'], {})));

    const branch = await bundled();
    const branchEnv = { CI_COMMIT_REF_NAME: 'feature/x', CI_DEFAULT_BRANCH: 'main', SPACKTAINERS_SPACK_SIGNING_KEY_VARIABLE: 'SPACK_SIGNING_KEY' };
    await cli(['create-jobs', '--offline'], branch, branchEnv);
    await standInForGenerateJobs(branch, 'amd64');
    await cli(
      ['process-spack-pipeline', '--arch', 'amd64', '--input', 'generated/amd64/spack-outputs', '--output', 'generated/amd64/spack-pipeline'],
      branch,
      branchEnv,
    );
    await cli(['container-jobs', '--arch', 'amd64', '--offline'], branch, branchEnv);
    pipelines.push(
      ...(await collect(
        branch,
        'feature-branch',
        [...created, ...(await spackPipelineFiles(branch, 'amd64')), 'generated/amd64/containers/containers.yml'],
        childVariables('feature/x'),
      )),
    );

    const nothing = await makeProject({});
    await cli(['create-jobs', '--offline'], nothing, {});
    // The generate script makes the (empty) outputs folder of an architecture without Spack containers.
    await mkdir(path.join(nothing, 'generated/amd64/spack-outputs'), { recursive: true });
    await cli(
      ['process-spack-pipeline', '--arch', 'amd64', '--input', 'generated/amd64/spack-outputs', '--output', 'generated/amd64/spack-pipeline'],
      nothing,
      {},
    );
    await cli(['container-jobs', '--arch', 'amd64', '--offline'], nothing, {});
    pipelines.push(
      ...(await collect(
        nothing,
        'nothing',
        [...created, 'generated/amd64/spack-pipeline/spack-pipeline.yml', 'generated/amd64/containers/containers.yml'],
        childVariables('main'),
      )),
    );
    scripts.push(...(await collect(nothing, 'nothing', ['generated/amd64/spack-generate.sh'], {})));

    const upToDate = await makeProject({});
    await mkdir(path.join(upToDate, 'outputs/small'), { recursive: true });
    await cp(path.join(REPO_ROOT, 'fixtures/spack/small/pipeline-noop.yml'), path.join(upToDate, 'outputs/small/pipeline.yml'));
    await cli(['process-spack-pipeline', '--arch', 'amd64', '--input', 'outputs', '--output', 'generated/amd64/spack-pipeline'], upToDate, {});
    pipelines.push(...(await collect(upToDate, 'up-to-date', ['generated/amd64/spack-pipeline/spack-pipeline.yml'], childVariables('main'))));
    return { pipelines, scripts };
  } finally {
    await Promise.all([registry.stop(), s3.stop()]);
  }
}
