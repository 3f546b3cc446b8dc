import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLockedEnvironments, loadSpackLocks, loadSpackOutputs } from '../../generator/app/spack-files.js';
import type { DefinitionSet, SpackContainerDefinition } from '../../generator/definitions/definition.js';
import { spackOutputsRoot } from '../../generator/spack/environment.js';

/** One bundled generate output: its spack.lock and pipeline.yml. */
const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/spack-outputs/amd64/build-tools');

function spackDefinition(name: string): SpackContainerDefinition {
  return { kind: 'spack', name, arch: 'amd64', file: `container_definitions/amd64/${name}.yaml`, environment: { specs: [name] }, files: [], warnings: [] };
}

describe('the one spack.lock reader, in its three call patterns', () => {
  let generated: string;
  let outputs: string;

  beforeAll(async () => {
    generated = await mkdtemp(path.join(tmpdir(), 'spack-locks-'));
    outputs = spackOutputsRoot('amd64', generated);
    await cp(EXAMPLE, path.join(outputs, 'build-tools'), { recursive: true });
  });

  afterAll(async () => {
    await rm(generated, { recursive: true, force: true });
  });

  it('reads the same lock by container, as a generate output and as a path given to the janitor', async () => {
    const definitions: DefinitionSet = { definitions: [spackDefinition('build-tools'), spackDefinition('not-concretized')], switchedOff: [] };
    const byContainer = await loadLockedEnvironments(definitions, 'amd64', generated);
    const [output] = await loadSpackOutputs(generated, 'amd64');
    const [given] = await loadSpackLocks([outputs]);
    // A container without a lock is left out; the caller decides whether that is an error.
    expect([...byContainer.keys()]).toEqual(['build-tools']);
    expect(byContainer.get('build-tools')!.digest).toMatch(/^sha256:/);
    expect(output!.lock).toEqual(byContainer.get('build-tools')!.lock);
    expect(given).toEqual(output!.lock);
    expect(output!.lockFile).toBe(`${outputs}/build-tools/spack.lock`);
  });

  it("keeps each pattern's message for what is missing", async () => {
    await mkdir(path.join(outputs, 'no-pipeline'));
    await cp(path.join(EXAMPLE, 'spack.lock'), path.join(outputs, 'no-pipeline', 'spack.lock'));
    await expect(loadSpackOutputs(generated, 'amd64')).rejects.toThrow(`${outputs}/no-pipeline/pipeline.yml: cannot read the generate job's output: ENOENT`);
    await expect(loadSpackLocks([path.join(generated, 'missing')])).rejects.toThrow(`${path.join(generated, 'missing')}: no such file or directory`);
    await mkdir(path.join(generated, 'no-lock'));
    await expect(loadSpackLocks([path.join(generated, 'no-lock')])).rejects.toThrow(`${path.join(generated, 'no-lock')}: no spack.lock below this directory`);
  });
});
