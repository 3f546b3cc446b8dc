import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSpackPipeline, SpackStackParser, type SpackPipeline } from '../../generator/spack/generate-output-parser.js';
import { EarliestCopies, mergeSpackPipelines, type JobCopy, type SpackBuildGraph } from '../../generator/spack/merge.js';

const fixtureText = (name: string) => readFileSync(path.join(import.meta.dirname, '../../fixtures/spack', name, 'pipeline.yml'), 'utf8');

/** The inputs parsed as process-spack-pipeline reads a stack: in order, skipping the copies the merge drops. */
function parseStack(files: [string, string][]): SpackPipeline[] {
  const earliest = new EarliestCopies<JobCopy>();
  const parser = new SpackStackParser((name, stage, file) => !earliest.keeps({ name, stage, file }));
  return files.map(([file, text]) => {
    const pipeline = parser.parse(file, Buffer.from(text));
    for (const { name, stage } of pipeline.buildJobs) earliest.offer({ name, stage, file });
    return pipeline;
  });
}

const merged = (graph: SpackBuildGraph) => ({ jobs: graph.jobs, inputs: graph.inputs, rebuildIndex: graph.rebuildIndex, noop: graph.noop });
const wholeMerge = (files: [string, string][]) => merged(mergeSpackPipelines(files.map(([file, text]) => parseSpackPipeline(file, text))));

describe('SpackStackParser', () => {
  const small = fixtureText('small');
  const medium = fixtureText('medium');
  const mpi = fixtureText('mpi');
  // The job of small in stage 1 that a later file holds one stage earlier: that copy is kept.
  const earlier = small.replace('  stage: stage-1\n', '  stage: stage-0\n');

  it('merges to the same graph as parsing every file whole, parsing only the copies the merge keeps', () => {
    const files: [string, string][] = [
      ['a.yml', small],
      ['b.yml', medium],
      ['c.yml', mpi],
      ['d.yml', earlier],
      ['e.yml', earlier],
      ['f.yml', mpi],
    ];
    const pipelines = parseStack(files);
    expect(merged(mergeSpackPipelines(pipelines))).toEqual(wholeMerge(files));
    // d keeps only the job it holds one stage earlier; e and f hold nothing the merge keeps.
    const counts = files.map(([file, text]) => parseSpackPipeline(file, text).buildJobs.length);
    expect(pipelines.slice(3).map((pipeline) => pipeline.buildJobs.length)).toEqual([1, 0, 0]);
    expect(pipelines.slice(3).map((pipeline) => pipeline.skippedJobs)).toEqual([counts[3]! - 1, counts[4], counts[5]]);
  });

  it('keeps every string as the parser read it, escapes and lone surrogates too', () => {
    const files: [string, string][] = [['a.yml', small.replace(/SPACK_JOB_SPEC_VARIANTS: [^\n]*/, 'SPACK_JOB_SPEC_VARIANTS: "\\ud800 \\t \\u00e9 😀"')]];
    const [pipeline] = parseStack(files);
    expect(JSON.stringify(pipeline!.buildJobs)).toContain('"\\ud800 \\t é 😀"');
    expect(merged(mergeSpackPipelines([pipeline!]))).toEqual(wholeMerge(files));
  });

  it('parses whole, with the same result, a file not laid out as Spack writes it', () => {
    const layouts = [
      small.replaceAll('\n', '\r\n'),
      `---\n${small}`,
      `\ufeff${small}`,
      `# generated\n${small}`,
      small.replace('  stage: stage-1\n', '  stage: "stage-1"\n'),
      small.replace(/^(\S[^\n]*@[^\n]*):\n/m, '"$1":\n'),
      `${small}extra@1.0 /aaaaaaa: {stage: stage-0, needs: [], variables: {SPACK_JOB_SPEC_DAG_HASH: a}}\n`,
    ];
    for (const layout of layouts) {
      const files: [string, string][] = [
        ['a.yml', small],
        ['b.yml', layout],
      ];
      expect(merged(mergeSpackPipelines(parseStack(files)))).toEqual(wholeMerge(files));
    }
  });

  it('reports a fault in a copy it parses as the whole-file parse does, with its position', () => {
    const broken = small.replace('needs:', 'needs: [');
    const unknownNeed = small.replace('- job: ', '- job: missing@1 /aaaaaaa ');
    for (const text of [broken, unknownNeed, small.replace('SPACK_JOB_SPEC_DAG_HASH', 'NO_HASH')]) {
      const whole = (() => {
        try {
          parseSpackPipeline('small.yml', text);
        } catch (error) {
          return (error as Error).message;
        }
        return 'parsed';
      })();
      expect(whole).not.toBe('parsed');
      expect(() => parseStack([['small.yml', text]])).toThrow(whole);
    }
  });
});
