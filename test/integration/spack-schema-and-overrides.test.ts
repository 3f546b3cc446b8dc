import { describe, expect, it } from 'vitest';
import { runBuiltCli, runCli } from '../support/cli.js';
import { makeProject } from '../support/project.js';

const ok = 'spack:\n  specs:\n  - zlib-ng\n';

describe('a SPACKTAINERS_ variable that overrides no setting', () => {
  it('is a warning of validate on a laptop, naming the closest real variable (exit 0)', async () => {
    const root = await makeProject({ 'amd64/app.yaml': ok });
    const { code, stderr, stdout } = await runCli(['validate'], root, { SPACKTAINERS_S3_ENDPOINTT: 'http://s3' });
    expect(code).toBe(0);
    expect(stdout).toContain('ok  amd64/app');
    expect(stderr).toBe('warning: $SPACKTAINERS_S3_ENDPOINTT: overrides no setting of settings.yaml; did you mean SPACKTAINERS_S3_ENDPOINT?\n');
  });

  it('fails a CI job before anything is written (exit 1)', async () => {
    const root = await makeProject({ 'amd64/app.yaml': ok });
    const { code, stderr } = await runCli(['create-jobs', '--offline'], root, { CI: 'true', SPACKTAINERS_S3_ENDPOINTT: 'http://s3' });
    expect(code).toBe(1);
    expect(stderr).toContain('$SPACKTAINERS_S3_ENDPOINTT: overrides no setting of settings.yaml; did you mean SPACKTAINERS_S3_ENDPOINT?');
  });
});

describe("the built CLI checks spack: against Spack's schema it carries in dist/", () => {
  it('reports a misspelt Spack key with its position and the key meant (exit 1)', async () => {
    const root = await makeProject({ 'amd64/app.yaml': `${ok}  concretizer:\n    unfiy: true\n` });
    const { code, stderr } = await runBuiltCli(['validate'], root);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('container_definitions/amd64/app.yaml:5:5: spack.concretizer.unfiy: unknown key to Spack; did you mean unify?');
  });
});
