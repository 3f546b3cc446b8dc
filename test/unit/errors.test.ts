import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { failureLines, reportFailure } from '../../generator/cli/failure.js';
import { formatProblem, SpacktainersError, throwIfAny } from '../../generator/errors.js';

const COMMAND = 'spacktainers create-jobs';

/** The lines and the exit code a command prints for `error`. */
function reported(error: unknown): { lines: string[]; code: number } {
  let text = '';
  const stderr = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const code = reportFailure(error, COMMAND, stderr, false);
  return { lines: text.split('\n').slice(0, -1), code };
}

describe('one error type: SpacktainersError', () => {
  it('names a place in a file as file:line:col: key:, and a file alone or with a key', () => {
    expect(formatProblem({ file: 'settings.yaml', line: 3, column: 5, key: 's3.region' }, 'must be a string')).toBe(
      'settings.yaml:3:5: s3.region: must be a string',
    );
    expect(formatProblem({ file: 'a.yaml', line: 2 }, 'x')).toBe('a.yaml:2:1: x');
    expect(formatProblem({ file: 'a.yaml', key: 'name' }, 'x')).toBe('a.yaml: name: x');
    expect(formatProblem({ file: 'amd64/' }, 'x')).toBe('amd64/: x');
    expect(formatProblem(undefined, 'x')).toBe('x');
  });

  it('names an option as --option:, and the entry of a key=value option after it', () => {
    expect(formatProblem({ option: '--output' }, '. is the project folder itself')).toBe('--output: . is the project folder itself');
    expect(formatProblem({ option: '--metadata', key: 'Bad Key=1' }, 'expected key=value')).toBe('--metadata: Bad Key=1: expected key=value');
  });

  it('puts the hint after the problem, and keeps location, status and cause', () => {
    const cause = new Error('socket hang up');
    const error = new SpacktainersError('service', 'registry: GET /v2/x: HTTP 503', { hint: 'try again later', status: 503, cause });
    expect(error.message).toBe('registry: GET /v2/x: HTTP 503; try again later');
    expect(error.problem).toBe('registry: GET /v2/x: HTTP 503');
    expect([error.kind, error.status, error.cause, error.problems]).toEqual(['service', 503, cause, [error]]);
    const input = SpacktainersError.input({ file: 'a.yaml', line: 1 }, 'bad');
    expect([input.kind, input.location, input.message]).toEqual(['input', { file: 'a.yaml', line: 1 }, 'a.yaml:1:1: bad']);
  });

  it('carries several problems found in one pass as one error, one line each, flattened', () => {
    const a = SpacktainersError.input({ file: 'a.yaml', key: 'name' }, 'one');
    const b = SpacktainersError.input({ file: 'b.yaml' }, 'two');
    const c = SpacktainersError.input({ file: 'c.yaml' }, 'three');
    const all = SpacktainersError.all([a, SpacktainersError.all([b, c])]);
    expect(all.kind).toBe('input');
    expect(all.problems).toEqual([a, b, c]);
    expect(all.message).toBe('a.yaml: name: one\nb.yaml: two\nc.yaml: three');
    expect(() => throwIfAny([])).not.toThrow();
    expect(() => throwIfAny([a])).toThrow(a);
    expect(() => throwIfAny([a, b])).toThrow('a.yaml: name: one\nb.yaml: two');
  });

  it('is printed by its kind: usage exits 2 in the usage frame, the others exit 1', () => {
    expect(reported(new SpacktainersError('usage', 'must be a whole number above 0, got 0', { location: { option: '--max-yaml-bytes' } }))).toEqual({
      lines: [`${COMMAND}: --max-yaml-bytes: must be a whole number above 0, got 0 (see ${COMMAND} --help)`],
      code: 2,
    });
    expect(reported(SpacktainersError.all([SpacktainersError.input({ file: 'a.yaml' }, 'one'), SpacktainersError.input({ file: 'b.yaml' }, 'two')]))).toEqual({
      lines: ['a.yaml: one', 'b.yaml: two'],
      code: 1,
    });
    expect(reported(new SpacktainersError('system', 'S3 answered HTTP 403 AccessDenied: Access Denied', { hint: 'check the bucket names' }))).toEqual({
      lines: [`${COMMAND}: S3 answered HTTP 403 AccessDenied: Access Denied; check the bucket names`],
      code: 1,
    });
    expect(reported(new SpacktainersError('internal', 'internal: no lock for a.yaml'))).toEqual({
      lines: [`${COMMAND}: internal: no lock for a.yaml (unexpected; run again with --verbose to see where it happened)`],
      code: 1,
    });
  });

  it('prints what is not a SpacktainersError as unexpected, and a Node error naming its path after the command', () => {
    expect(failureLines(new TypeError("Cannot read properties of undefined (reading 'x')"), COMMAND)).toBe(
      `${COMMAND}: Cannot read properties of undefined (reading 'x') (unexpected; run again with --verbose to see where it happened)`,
    );
    const notADirectory = Object.assign(new Error("ENOTDIR: not a directory, mkdir '/dev/null/x'"), { code: 'ENOTDIR', syscall: 'mkdir' });
    expect(reported(notADirectory)).toEqual({ lines: [`${COMMAND}: ENOTDIR: not a directory, mkdir '/dev/null/x'`], code: 1 });
    // undici ends a body cut mid-read with `terminated`, the socket's code and words in its cause.
    const cut = new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(reported(cut)).toEqual({ lines: [`${COMMAND}: other side closed`], code: 1 });
  });
});
