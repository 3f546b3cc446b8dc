import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { allPipelines, PipelineRunner } from './support/pipeline-runner.js';

it('runs a parent, its child and grandchild with needs: pipeline artifacts', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'runner-'));
  const src = path.join(root, 'src');
  await mkdir(path.join(src, 'tpl'), { recursive: true });
  await writeFile(
    path.join(src, 'tpl/child.yml'),
    `
stages: [x, y]
w:
  stage: x
  needs: [{ pipeline: $PARENT_PIPELINE_ID, job: make }]
  script: [cat gen/data.txt, 'test "$G" = global', mkdir -p g2, cp tpl/grandchild.yml g2/gc.yml, echo deep > g2/d2.txt]
  artifacts: { paths: [g2/] }
t2:
  stage: y
  needs: [w]
  variables: { PARENT_PIPELINE_ID: $CI_PIPELINE_ID }
  trigger: { include: [{ artifact: g2/gc.yml, job: w }], strategy: depend }
`,
  );
  await writeFile(
    path.join(src, 'tpl/grandchild.yml'),
    `
stages: [q]
z:
  stage: q
  needs: [{ pipeline: $PARENT_PIPELINE_ID, job: w }]
  script: [cat g2/d2.txt, 'test -z "$G"', 'test "$CI_PIPELINE_SOURCE" = parent_pipeline']
`,
  );
  await writeFile(
    path.join(src, '.gitlab-ci.yml'),
    `
stages: [a, b, c]
variables: { G: global }
make:
  stage: a
  script: [mkdir -p gen, cp tpl/child.yml gen/child.yml, echo data > gen/data.txt]
  artifacts: { paths: [gen/] }
t1:
  stage: b
  needs: [make]
  variables: { PARENT_PIPELINE_ID: $CI_PIPELINE_ID }
  trigger: { include: [{ artifact: gen/child.yml, job: make }], strategy: depend }
after:
  stage: c
  script: [echo after]
`,
  );
  let id = 100;
  const runner = new PipelineRunner({
    sourceDir: src,
    workDir: path.join(root, 'work'),
    variables: { CI_COMMIT_BRANCH: 'main' },
    env: process.env,
    nextPipelineId: () => id++,
  });
  const run = await runner.runRoot('.gitlab-ci.yml', 'push');
  const all = allPipelines(run);
  console.log(JSON.stringify(all.map((p) => ({ id: p.id, name: p.name, status: p.status, jobs: p.jobs.map((j) => `${j.name}=${j.status}`) }))));
  expect(all.map((p) => p.status)).toEqual(['success', 'success', 'success']);
});

it('runs a `when: on_failure` job only when a job it waits for failed', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'runner-'));
  const src = path.join(root, 'src');
  await mkdir(src);
  await writeFile(
    path.join(src, '.gitlab-ci.yml'),
    `
stages: [a, b]
passes: { stage: a, script: ['true'] }
fails: { stage: a, script: ['false'] }
after-passes: { stage: b, needs: [passes], when: on_failure, script: ['true'] }
after-fails: { stage: b, needs: [fails], when: on_failure, script: ['true'] }
next: { stage: b, needs: [fails], script: ['true'] }
`,
  );
  const runner = new PipelineRunner({
    sourceDir: src,
    workDir: path.join(root, 'work'),
    variables: { CI_COMMIT_BRANCH: 'main' },
    env: process.env,
    nextPipelineId: () => 1,
  });
  const run = await runner.runRoot('.gitlab-ci.yml', 'push');
  expect(Object.fromEntries(run.jobs.map((job) => [job.name, job.status]))).toEqual({
    passes: 'success',
    fails: 'failed',
    'after-passes': 'skipped',
    'after-fails': 'success',
    next: 'skipped',
  });
  await rm(root, { recursive: true, force: true });
});
