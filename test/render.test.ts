import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { limitViolations } from '../generator/pipeline/limits.js';
import type { Pipeline } from '../generator/pipeline/model.js';
import { renderPipeline } from '../generator/pipeline/render.js';
import { pipelineFile } from '../generator/pipeline/output.js';
import { gitlabSchemaErrors } from './support/gitlab-schema.js';

/** Read as GitLab does: YAML 1.1 (dates, yes/on booleans, base 60 and `_` numbers). */
const readAsGitLab = (text: string) => parse(text, { version: '1.1' }) as Record<string, unknown>;

describe('renderPipeline', () => {
  it('renders a schema-valid pipeline, the same bytes every time', () => {
    const pipeline: Pipeline = {
      header: ['generated'],
      stages: ['build'],
      jobs: new Map([['build', { stage: 'build', script: ['echo hi'] }]]),
    };
    const text = renderPipeline(pipeline);
    expect(text).toBe(renderPipeline(pipeline));
    expect(text.startsWith('# generated\n')).toBe(true);
    expect(gitlabSchemaErrors(text)).toEqual([]);
  });

  it('keeps strings that YAML 1.1 would read as something else strings', () => {
    const strings = [
      '2023-05-30', '2023-05-30T10:00:00Z', 'yes', 'Yes', 'no', 'on', 'OFF', 'y', 'N', 'true', 'null', '~', '',
      '1.10', '1', '017', '0o17', '0x1F', '0b101', '1_000', '685_230.15', '685.230_15e+03', '1:20', '190:20:30.15',
      '1e3', '.inf', '-.Inf', '.NaN', '<<', '=', '- a', 'a: b', '#x', 'x #y', '*x', '&x', '!x', '%x', '@x', '|',
      ' lead', 'trail ', 'two\nlines', '[a]', '{a}', 'a,b', '?', ':', '+1', '-0', '.5',
    ];
    const variables = Object.fromEntries(strings.map((value, index) => [`V${index}`, value]));
    const text = renderPipeline({ jobs: new Map([['build', { passThrough: { script: strings, variables } }]]) });
    const job = readAsGitLab(text).build as { script: unknown[]; variables: Record<string, unknown> };
    expect(job.script).toEqual(strings);
    expect(job.variables).toEqual(variables);
  });

  it("keeps every value of Spack's real output as Spack wrote it", () => {
    for (const env of ['small', 'medium', 'mpi']) {
      const text = readFileSync(path.join(import.meta.dirname, '../fixtures/spack', env, 'pipeline.yml'), 'utf8');
      const spack = parse(text) as Record<string, Record<string, unknown>>;
      const rendered = renderPipeline({ jobs: new Map(Object.entries(spack).map(([name, body]) => [name, { passThrough: body }])) });
      expect(readAsGitLab(rendered)).toEqual(spack);
      expect(rendered).toContain('SPACK_JOB_SPEC_PKG_VERSION: "2023-05-30"');
    }
  });
});

describe('limitViolations: stages as GitLab assigns them', () => {
  const check = (pipeline: Pipeline) => limitViolations(pipelineFile('p.yml', 1, pipeline));
  const job = (stage?: string) => ({ ...(stage === undefined ? {} : { stage }), script: ['true'] });

  it('rejects a job without stage when the stages have no "test", where GitLab would put it', () => {
    expect(check({ stages: ['publish'], jobs: new Map([['noop', job()]]) })).toEqual([
      'p.yml: job "noop" has no stage, so GitLab puts it in "test", which is not in stages (publish)',
    ]);
    expect(check({ stages: ['publish'], jobs: new Map([['noop', { passThrough: { script: ['true'] } }]]) })).toHaveLength(1);
    expect(check({ stages: ['build', 'test'], jobs: new Map([['noop', job()]]) })).toEqual([]);
  });

  it("takes GitLab's default stages when the file has none, and always allows .pre and .post", () => {
    expect(check({ jobs: new Map([['a', job()], ['b', job('build')], ['c', job('deploy')], ['d', job('.pre')]]) })).toEqual([]);
    expect(check({ jobs: new Map([['a', job('publish')]]) })).toEqual([
      'p.yml: job "a" uses stage "publish", which is not in stages (build, test, deploy)',
    ]);
    expect(check({ stages: ['publish'], jobs: new Map([['a', job('.pre')], ['b', job('.post')], ['c', job('publish')]]) })).toEqual([]);
  });
});
