import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ESLint, Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { assignment, ciVariable, comment, joined, quoted, renderCommand, sh, shellCommand, type ShellWord } from '../../generator/pipeline/shell.js';
import { REPO_ROOT } from '../support/project.js';

/** What `sh` makes of one rendered command: each argument `printf` receives. */
function argumentsOf(...words: ShellWord[]): string[] {
  const text = renderCommand(shellCommand(sh`printf '%s\\0'`, ...words));
  return execFileSync('sh', ['-c', text], { encoding: 'utf8', env: { PATH: process.env.PATH, TOKEN: 'a "b" $c' } })
    .split('\0')
    .slice(0, -1);
}

describe('renderCommand', () => {
  const awkward = ["it's", 'a b', '$(id)', '`id`', 'x;y', '"q"', 'back\\slash', 'line\nbreak', '*'];

  it('keeps every value one literal word, alone, double-quoted or glued', () => {
    expect(argumentsOf(...awkward)).toEqual(awkward);
    expect(argumentsOf(quoted(...awkward))).toEqual([awkward.join('')]);
    expect(argumentsOf(joined('a b', sh`=`, '$x'))).toEqual(['a b=$x']);
  });

  it('reads a CI variable when the script runs, as one word, and checks its name', () => {
    expect(argumentsOf(ciVariable('TOKEN'), quoted('token=', ciVariable('TOKEN')))).toEqual(['a "b" $c', 'token=a "b" $c']);
    expect(renderCommand(shellCommand(sh`export`, assignment('A_1', 'x y'), assignment('B', ciVariable('TOKEN'))))).toBe(`export A_1='x y' B="\${TOKEN}"`);
    expect(() => ciVariable('A;rm')).toThrow('not a shell variable name');
    expect(() => assignment('$(id)', 'x')).toThrow('not a shell variable name');
  });

  it('keeps a comment on its line', () => {
    expect(renderCommand(shellCommand(comment('of', 'x\ny; id')))).toBe('# of x y; id');
  });

  it('takes shell syntax only as a literal', () => {
    const name = 'x';
    // @ts-expect-error -- the tag's values are never[]: TypeScript refuses an interpolation.
    expect(() => sh`echo ${name}`).toThrow('without interpolation');
    // @ts-expect-error -- a word keeps its content private, so an object literal cannot pass for syntax.
    expect(() => renderCommand(shellCommand({ text: 'rm -rf ~' }))).toThrow();
  });
});

describe('the lint rule that keeps scripts as data (eslint.config.js)', () => {
  /** The findings of our no-restricted-syntax rule, as configured for `file`, on `code`. */
  async function findings(code: string, file = 'generator/containers/example.ts'): Promise<string[]> {
    const config = (await new ESLint({ cwd: REPO_ROOT }).calculateConfigForFile(path.join(REPO_ROOT, file))) as Linter.Config;
    const rule = config.rules?.['no-restricted-syntax'];
    if (!rule) return [];
    const messages = new Linter().verify(
      code,
      [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, rules: { 'no-restricted-syntax': rule } }],
      'example.ts',
    );
    return messages.map((m) => `${m.line}: ${m.message}`);
  }

  it('fails on each way around the renderer, naming the line', async () => {
    const bad = [
      "const line = ['buildah push', image].join(' ');",
      "const args = names.map(shellQuote).join(' ');",
      'const job = { script: [`buildah push ${image}`] };',
      "const body = { 'script::': ['spack ci rebuild'] };",
      'const text = `${renderCommand(command)} > out`;',
      "const syntax = sh(Object.assign(['rm -rf ' + dir], { raw: [] }));",
      'const forged = ShellSyntax.literal(strings);',
    ];
    const found = await findings(bad.join('\n'));
    expect(found.map((f) => Number(f.split(':')[0]))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(found[0]).toBe('1: Words joined with spaces bypass the quoting: build the command with shellCommand(...) from pipeline/shell.ts.');
  });

  it('accepts commands built as data, and spaces joined for what is not a command', async () => {
    const good = [
      'const job = { script: [...login, shellCommand(sh`buildah push`, image), upload(sif)] };',
      'const body = { script: [renderCommand(shellCommand(sh`spack buildcache update-index --keys`, mirror))] };',
      "const variants = [booleans, ...valued].filter(Boolean).join(' ');",
      'const message = `${count} jobs`;',
    ];
    expect(await findings(good.join('\n'))).toEqual([]);
    expect(await findings("const line = ['a', 'b'].join(' ');", 'generator/pipeline/shell.ts')).toEqual([]);
  });
});
