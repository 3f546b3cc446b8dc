import { describe, expect, it } from 'vitest';
import type { Pipeline } from '../generator/pipeline/model.js';
import { renderPipeline } from '../generator/pipeline/render.js';
import { gitlabSchemaErrors } from './support/gitlab-schema.js';

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
});
