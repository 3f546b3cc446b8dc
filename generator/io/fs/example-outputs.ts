import { cp, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { EnvironmentPaths } from '../../spack/environment.js';

/** One container's bundled `spack ci generate` output and where its generate job would write it. */
export interface ExampleOutput {
  /** `<arch>/<name>`, as the caller reports it. */
  container: string;
  source: string;
  paths: Pick<EnvironmentPaths, 'outputDir' | 'environmentDir'>;
}

/**
 * Copy each bundled output that exists to where its generate job writes it (the folder, and its
 * spack.lock into the environment). Returns the containers copied.
 */
export async function writeExampleOutputs(outputs: ExampleOutput[]): Promise<string[]> {
  const copied: string[] = [];
  for (const { container, source, paths } of outputs) {
    const files = await readdir(source).catch(() => undefined);
    if (!files) continue;
    await cp(source, paths.outputDir, { recursive: true });
    await cp(path.join(source, 'spack.lock'), path.join(paths.environmentDir, 'spack.lock'));
    copied.push(container);
  }
  return copied;
}
