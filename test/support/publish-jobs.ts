import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { RegistryClient } from '../../generator/io/registry/client.js';
import { runCli } from './cli.js';
import { pushTestImage, type TestRegistry } from './registry.js';
import { ignoreProgress } from './progress.js';

type Jobs = Record<string, { stage?: string; timeout?: string; script?: string[] }>;

/** The jobs of a generated pipeline, without its global keys. */
export function pipelineJobs(text: string): Jobs {
  const { stages: _stages, variables: _variables, workflow: _workflow, ...jobs } = parse(text) as Jobs & Record<string, unknown>;
  return jobs;
}

/** One shell word of a generated script line, unquoted (single or double quotes, or bare). */
const WORD = /'((?:[^']|'"'"')*)'|"([^"]*)"|(\S+)/g;

function words(line: string): string[] {
  return [...line.matchAll(WORD)].map((m) => (m[1] !== undefined ? m[1].replace(/'"'"'/g, "'") : (m[2] ?? m[3]!)));
}

/**
 * Stand in for the buildah jobs of a generated pipeline against a test registry: for each
 * `buildah build ... --tag REF` followed by `buildah push REF`, push a small image to REF with
 * the labels the build line sets (those computed at run time, like the creation date, left out).
 * Returns the references pushed.
 */
export async function runBuildJobs(endpoint: string, registryHost: string, text: string): Promise<string[]> {
  const pushed: string[] = [];
  for (const job of Object.values(pipelineJobs(text))) {
    for (const line of job.script ?? []) {
      if (!line.startsWith('buildah build ')) continue;
      const args = words(line);
      const labels: Record<string, string> = {};
      let ref = '';
      for (let i = 0; i < args.length; i++) {
        if (args[i] === '--label' && !args[i + 1]!.includes('$')) {
          const [key, ...value] = args[i + 1]!.split('=');
          labels[key!] = value.join('=');
        }
        if (args[i] === '--tag') ref = args[i + 1]!;
      }
      const [repository, tag] = ref.slice(registryHost.length + 1).split(':') as [string, string];
      const arch = tag.endsWith('arm64') ? 'arm64' : 'amd64';
      await pushTestImage(endpoint, repository, tag, { labels, arch, content: JSON.stringify(labels) });
      pushed.push(ref);
    }
  }
  return pushed;
}

/** Names of the jobs of a generated pipeline. */
export function jobNames(text: string): string[] {
  return Object.keys(pipelineJobs(text));
}

/**
 * Stand in for all jobs of a generated publishing pipeline: push the images (with their
 * labels), copy them to "Docker Hub" (the same test registry), upload every file the SIF
 * jobs upload (a small stand-in file each) with the real `spacktainers sif upload`, and publish
 * their modules with the real `spacktainers modules publish`.
 */
export async function runPublishJobs(registry: TestRegistry, project: string, env: NodeJS.ProcessEnv, text: string): Promise<void> {
  await runBuildJobs(registry.endpoint, registry.host, text);
  const labelsOf = async (reference: string) => {
    const [repository, tag] = reference.slice(registry.host.length + 1).split(':') as [string, string];
    return (await new RegistryClient(registry.host, ignoreProgress).image(repository, tag, 'amd64'))!.labels;
  };
  const sifDir = await mkdtemp(path.join(tmpdir(), 'spacktainers-sif-job-'));
  try {
    await publishFromSifJobs(registry, project, env, text, sifDir, labelsOf);
  } finally {
    await rm(sifDir, { recursive: true, force: true });
  }
}

async function publishFromSifJobs(
  registry: TestRegistry,
  project: string,
  env: NodeJS.ProcessEnv,
  text: string,
  sifDir: string,
  labelsOf: (reference: string) => Promise<Record<string, string>>,
): Promise<void> {
  await cp(path.join(project, 'settings.yaml'), path.join(sifDir, 'settings.yaml'));
  for (const [name, job] of Object.entries(pipelineJobs(text))) {
    for (const line of job.script ?? []) {
      if (name.startsWith('docker-hub:') && line.startsWith('buildah push ')) {
        const [, , source, target] = line.split(' ') as [string, string, string, string];
        const [repository, tag] = target.replace(`docker://${registry.host}/`, '').split(':') as [string, string];
        await pushTestImage(registry.endpoint, repository, tag, { labels: await labelsOf(source) });
      }
      if (line.startsWith('spacktainers modules publish ')) {
        // `singularity exec … ls /opt/view/bin` listed the view; a stand-in list here.
        await writeFile(path.join(sifDir, 'executables.txt'), 'python3\nf2py\n');
        const published = await runCli(words(line).slice(1), sifDir, env);
        if (published.code !== 0 || published.stderr) throw new Error(`modules publish in ${name} failed: ${published.stderr}`);
        continue;
      }
      if (!line.startsWith('spacktainers sif upload ')) continue;
      const args = words(line).slice(1);
      const file = path.join(sifDir, args[args.indexOf('--file') + 1]!);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, `SIF of ${name}`);
      const upload = await runCli(args, sifDir, env);
      if (upload.code !== 0 || upload.stderr) throw new Error(`sif upload in ${name} failed: ${upload.stderr}`);
    }
  }
}
