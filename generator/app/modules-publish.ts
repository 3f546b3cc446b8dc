import path from 'node:path';
import { architectureOption, loadSettings } from './project.js';
import { readTextFile } from '../io/fs/files.js';
import { makeFolder, writePlainFile } from '../io/fs/plain-files.js';
import { DEFAULT_RETRY } from '../io/retry.js';
import { s3Client } from '../io/s3/client.js';
import { uploadModuleFiles } from '../io/s3/module-files.js';
import { moduleFiles, type ContainerModule } from '../modules/modulefile.js';
import { bucketConnection } from '../settings/settings.js';
import { progressSink, type Terminal } from './terminal.js';

/** What `modules publish` is asked, its options parsed. */
export interface ModulesPublishOptions {
  settings: string;
  /** The option's value, checked against the settings. */
  arch: string;
  name: string;
  version: string;
  sifKey: string;
  /** The file listing the view's executables, one a line; undefined: one wrapper running the runscript. */
  executables: string | undefined;
  lockDigest: string | undefined;
  /** A local folder to write to instead of the SIF bucket. */
  output: string | undefined;
}

/**
 * Write a container's module files and wrappers, and put them in the SIF bucket (or the output
 * folder); prints each file and every executable skipped for its name.
 */
export async function publishModule(options: ModulesPublishOptions, environment: NodeJS.ProcessEnv, terminal: Terminal): Promise<void> {
  const settings = await loadSettings(options.settings, environment);
  const arch = architectureOption(settings, options.arch);
  const module: ContainerModule = {
    name: options.name,
    version: options.version,
    arch,
    description: `${options.name} ${options.version} container built by spacktainers`,
    sifKey: options.sifKey,
    executables: options.executables
      ? (await readTextFile(options.executables)).text
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
      : 'runscript',
    lockDigest: options.lockDigest,
  };
  const { files, skipped } = moduleFiles(module, settings.modules);
  for (const name of skipped) terminal.stderr.write(`skipped executable with an unusual name: ${JSON.stringify(name)}\n`);
  if (options.output) {
    for (const file of files) {
      await makeFolder(path.dirname(path.join(options.output, file.path)));
      await writePlainFile(path.join(options.output, file.path), file.text, file.mode);
    }
  } else {
    const client = s3Client(bucketConnection(settings, 'sif', arch), environment, { policy: DEFAULT_RETRY, log: progressSink(terminal) });
    try {
      await uploadModuleFiles(client, settings.s3.sifBucket, files, options.lockDigest ? { 'spack-lock-digest': options.lockDigest } : {});
    } finally {
      client.destroy();
    }
  }
  for (const file of files) terminal.stdout.write(`${options.output ? 'wrote' : 'uploaded'} ${file.path}\n`);
}
