import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** The shared kernel every layer may import values from (paths below generator/). */
const KERNEL = ['errors.js', 'pipeline/order.js'];
/** The kernel's paths as alternatives of a regular expression. */
const KERNEL_PATTERN = KERNEL.map((module) => module.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');

/** Node modules through which the domain would reach files, processes or the network, with or without `node:`. */
const SIDE_EFFECT_MODULES = '^(node:)?(fs|fs/promises|child_process|http|https|net|dgram|process)$';

/** A command calls app/, never an adapter. */
const CLI_NO_ADAPTER = { regex: '^(\\.\\./)+io/', message: 'A command calls app/, never an adapter: the reading and writing belong in the use case.' };

/** A command takes values from app/ and the kernel; any other folder of generator/ is the domain (errors.ts has no folder). */
const CLI_DOMAIN_VALUES = {
  regex: `^(\\.\\./)+(?!(app|io)/|(${KERNEL_PATTERN})$)[^./][^/]*/`,
  message: "A command takes only types from the domain (import type); values come through app/ (app/options.ts states the options' vocabulary).",
};

/** The selector of an `import()` of a module matching `regex` (esquery's regular expressions cannot hold a `/`). */
const importMatching = (regex) => `ImportExpression[source.value=/${regex.replaceAll('/', '\\x2F')}/]`;

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  {
    files: ['generator/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.strictTypeChecked, tseslint.configs.stylisticTypeChecked, prettier],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Under noUncheckedIndexedAccess `!` marks an index or Map key the code has just established; a throw there would be dead code.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Messages and generated scripts interpolate counts, sizes and line numbers; Number's toString is locale-independent.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Stand-ins and interface implementations are async without awaiting, so that a throw stays a rejection.
      '@typescript-eslint/require-await': 'off',
      // The deletes are on parsed JSON/YAML documents and JSON-backed records, where a Map does not fit.
      '@typescript-eslint/no-dynamic-delete': 'off',
      // These regexes match control characters on purpose (Lua string escapes, GitLab's ANSI section markers).
      'no-control-regex': 'off',
      // `() => resolve()` and `return send(response, ...)` are how void callbacks and handlers here end a branch.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // A catch callback's annotated error is the cast a try/catch would write on its first line; the rule only moves it.
      '@typescript-eslint/use-unknown-in-catch-callback-variable': 'off',
      // An empty CI variable means unset, so `||` on strings is intended.
      '@typescript-eslint/prefer-nullish-coalescing': ['error', { ignorePrimitives: { string: true } }],
      // Destructuring into a rest object is how this code drops keys.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  // Scripts as data (docs/architecture.md, "Scripts"): every generated command is a ShellCommand, quoted in pipeline/shell.ts alone.
  {
    files: ['generator/**/*.ts'],
    ignores: ['generator/pipeline/shell.ts', 'generator/cli/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.property.name='join'][arguments.0.value=' ']:matches([callee.object.type='ArrayExpression'], [callee.object.callee.property.name='map'])",
          message: 'Words joined with spaces bypass the quoting: build the command with shellCommand(...) from pipeline/shell.ts.',
        },
        {
          selector:
            'Property:matches([key.name=/^(before_|after_)?script$/], [key.value=/^(before_|after_)?script:*$/]) > ArrayExpression > :not(CallExpression, SpreadElement)',
          message: 'A script line is a ShellCommand (shellCommand(...)), never text written here.',
        },
        {
          selector: ":matches(TemplateLiteral, BinaryExpression[operator='+']) > CallExpression[callee.name=/^render(Command|Script)$/]",
          message: 'Add to the command, not to its rendered text.',
        },
        {
          selector: "CallExpression[callee.name='sh'], MemberExpression[object.name=/^(ShellSyntax|CiVariable)$/]",
          message: 'Shell syntax is written as a tagged literal, sh`...`, with nothing interpolated.',
        },
      ],
    },
  },
  // The layers of docs/architecture.md: cli → app → {domain, io}, io → domain (types); cli takes only types from the domain;
  // the domain touches no file, process or network.
  {
    files: ['generator/*.ts', 'generator/!(cli|app|io)/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/io/**', '**/app/**', '**/cli/**'],
              message: 'The domain imports no adapter, use case or command: define a port here and implement it in io/.',
            },
            { regex: SIDE_EFFECT_MODULES, message: 'Files, processes and the network belong in io/.' },
            { group: ['@aws-sdk/*', '@gitbeaker/*'], message: 'Files, processes and the network belong in io/.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: "The domain is handed the process's state (the environment, the folder, the streams) as values." },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'globalThis',
          property: 'process',
          message: "The domain is handed the process's state (the environment, the folder, the streams) as values.",
        },
      ],
    },
  },
  // io → domain: types only (`import type`), values from the shared kernel alone. The patterns
  // are relative to the importing file, hence one block per depth below io/.
  ...[
    { files: ['generator/io/*.ts'], up: '../' },
    { files: ['generator/io/*/**/*.ts'], up: '../../' },
  ].map(({ files, up }) => ({
    files,
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/app/**', '**/cli/**'], message: 'Adapters know the domain only.' },
            {
              group: [`${up}*/**`, `!${up}io/**`, `!${up}app/**`, `!${up}cli/**`, ...KERNEL.map((module) => `!${up}${module}`)],
              allowTypeImports: true,
              message: "Adapters know the domain's types only (import type): app/ reads through io and hands the text to the domain.",
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['generator/cli/**/*.ts'],
    rules: {
      // A command loads its use case with import() (so that --help loads none); the layers hold for it too.
      'no-restricted-syntax': [
        'error',
        { selector: importMatching(CLI_NO_ADAPTER.regex), message: CLI_NO_ADAPTER.message },
        { selector: importMatching(CLI_DOMAIN_VALUES.regex), message: CLI_DOMAIN_VALUES.message },
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [CLI_NO_ADAPTER, { ...CLI_DOMAIN_VALUES, allowTypeImports: true }],
        },
      ],
    },
  },
  {
    files: ['generator/app/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/cli/**'], message: 'Use cases know no command.' }] }],
    },
  },
  {
    files: ['bench/**/*.ts', 'test/**/*.ts'],
    rules: {
      // Tests and benchmarks probe parsed YAML/JSON output with expect(); typing each probe would only restate the expectation.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // afterAll hooks guard resources that a failed beforeAll left unassigned, which the types cannot know.
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
);
