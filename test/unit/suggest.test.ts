import { describe, expect, it } from 'vitest';
import { closestName, didYouMean, editDistance } from '../../generator/input/suggest.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['spec', 'specs', 1],
    ['unfiy', 'unify', 1],
    ['packges', 'packages', 1],
    ['kitten', 'sitting', 3],
    ['ab', 'ba', 1],
    ['ca', 'abc', 3],
    ['', 'view', 4],
  ])('%s → %s is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('closestName', () => {
  const spackKeys = ['specs', 'packages', 'concretizer', 'view', 'repos', 'config', 'compilers', 'ci'];

  it('finds the name a slip of one or two keys meant', () => {
    expect(closestName('spec', spackKeys)).toBe('specs');
    expect(closestName('packges', spackKeys)).toBe('packages');
    expect(closestName('concretiser', spackKeys)).toBe('concretizer');
    expect(closestName('S3_ENDPOINTT', ['S3_ENDPOINT', 'S3_BUCKET'])).toBe('S3_ENDPOINT');
    expect(closestName('runnertags', ['runnerTags', 'tags'])).toBe('runnerTags');
  });

  it('suggests nothing for a word that is not near any name, nor for the name itself', () => {
    expect(closestName('mirrorz2000', spackKeys)).toBeUndefined();
    expect(closestName('vue', ['view'])).toBeUndefined();
    expect(closestName('view', ['view'])).toBeUndefined();
    expect(closestName('x', [])).toBeUndefined();
  });

  it('prefers the nearest of several close names', () => {
    expect(closestName('confg', ['config', 'conf-g-x'])).toBe('config');
  });

  it('says it as a hint to append, or nothing', () => {
    expect(didYouMean('unfiy', ['unify', 'reuse'])).toBe('; did you mean unify?');
    expect(didYouMean('zzz', ['unify'])).toBe('');
  });
});
