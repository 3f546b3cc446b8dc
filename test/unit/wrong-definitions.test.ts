import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpacktainersError } from '../../generator/errors.js';
import { parseDefinition } from '../../generator/definitions/parse.js';

/**
 * A corpus of wrong definitions, one file each in wrong-definitions/, named as a user would name
 * it (`<container>.yaml` or `<container>.def`, so a wrong name is a case too). Its first line is
 * a comment saying what `validate` must answer, as `# expect: LINE:COLUMN KEY: PROBLEM`, where KEY
 * is `-` for a problem with no key and PROBLEM is a part of the message. The expectation line
 * itself is line 1 of the file, so the lines counted are the file's own.
 */
const CORPUS = path.join(import.meta.dirname, 'wrong-definitions');
const EXPECTATION = /^# expect: (\d+):(\d+) (\S+): (.+)$/;

const cases = readdirSync(CORPUS)
  .filter((file) => /\.(ya?ml|def)$/.test(file))
  .sort();

describe('wrong definitions', () => {
  it('has a case for each kind of mistake a user makes', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases)('%s: names the file, line, column and key', (file) => {
    const text = readFileSync(path.join(CORPUS, file), 'utf8');
    const expectation = EXPECTATION.exec(text.split('\n', 1)[0] ?? '');
    expect(expectation, `${file}: its first line must be "# expect: LINE:COLUMN KEY: PROBLEM"`).not.toBeNull();
    const [, line, column, key, problem] = expectation!;
    const extension = path.extname(file);
    const shown = `container_definitions/amd64/${file}`;
    let thrown: unknown;
    try {
      parseDefinition({ kind: extension === '.def' ? 'custom' : 'spack', file: shown, text, name: path.basename(file, extension), arch: 'amd64' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown, `${file} was accepted`).toBeInstanceOf(SpacktainersError);
    const first = (thrown as SpacktainersError).problems[0]!;
    const prefix = key === '-' ? `${shown}:${line}:${column}: ` : `${shown}:${line}:${column}: ${key}: `;
    expect(first.message.startsWith(prefix), `${first.message}\ndoes not start with\n${prefix}`).toBe(true);
    expect(first.message).toContain(problem);
  });
});
