import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { logOf, type PipelineRun } from './pipeline-runner.js';

/**
 * What a person reads to see what happened: one folder per pipeline, children inside their
 * trigger's. A folder an earlier run wrote (it holds jobs.json) is replaced, nothing else.
 */
export async function writeReport(folder: string, run: PipelineRun): Promise<void> {
  if (existsSync(path.join(folder, 'jobs.json'))) await rm(folder, { recursive: true });
  await mkdir(path.join(folder, 'logs'), { recursive: true });
  await writeFile(path.join(folder, 'pipeline.yml'), run.text);
  const jobs = run.jobs.map((job) => ({ name: job.name, stage: job.stage, status: job.status, ...(job.child ? { downstream: job.child.id } : {}) }));
  await writeFile(path.join(folder, 'jobs.json'), `${JSON.stringify({ id: run.id, name: run.name, status: run.status, source: run.source, jobs }, null, 2)}\n`);
  for (const job of run.jobs) {
    if (job.child) await writeReport(path.join(folder, fileName(job.name)), job.child);
    else if (job.status !== 'skipped') await writeFile(path.join(folder, 'logs', `${fileName(job.name)}.log`), await logOf(run, job.name));
  }
}

function fileName(job: string): string {
  return job.replace(/[^\w.:-]+/g, '_');
}
