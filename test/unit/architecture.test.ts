import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The layers of docs/architecture.md, checked on the source: `cli → app → {domain, io}`, io
 * knows the domain's types, the domain knows none of them and touches no file, network or process,
 * and only cli reads the environment or writes to stdout and stderr.
 */
const generator = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'generator');

type Layer = 'cli' | 'app' | 'io' | 'domain';
const ADAPTER_LAYERS: readonly string[] = ['cli', 'app', 'io'];

/** Which layers each layer may import from (its own is always allowed); cli takes only types from the domain. */
const ALLOWED: Record<Layer, readonly Layer[]> = {
  cli: ['app', 'domain'],
  app: ['io', 'domain'],
  io: ['domain'],
  domain: [],
};

/** The shared kernel: the modules every layer may import values from. */
const KERNEL = ['errors.ts', 'pipeline/order.ts'].map((module) => path.join(generator, module));

/** Packages through which a module reaches files, processes or the network: adapters only. */
const SIDE_EFFECT_PACKAGES = [/^(node:)?(fs|fs\/promises|child_process|http|https|net|dgram|process)$/, /^@aws-sdk\//, /^@gitbeaker\//];

/** Reading or setting the process's state: its environment, folder, streams, exit; through `globalThis` too. */
const PROCESS_STATE = /\bprocess\.(env|cwd|stdout|stderr|exit|exitCode)\b|\bglobalThis\.process\b/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function layerOf(file: string): Layer {
  const top = path.relative(generator, file).split(path.sep)[0] ?? '';
  return (ADAPTER_LAYERS.includes(top) ? top : 'domain') as Layer;
}

/** Every module specifier a file imports or re-exports, statically or dynamically. */
function specifiers(source: string): string[] {
  return [...source.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '');
}

/** The modules a file takes values from: imports and re-exports the compiler does not elide as type-only, and `import()`. */
function valueSpecifiers(source: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && importsValues(node.importClause)) found.push(node.moduleSpecifier.text);
    if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && exportsValues(node))
      found.push(node.moduleSpecifier.text);
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [specifier] = node.arguments;
      if (specifier && ts.isStringLiteral(specifier)) found.push(specifier.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile('source.ts', source, ts.ScriptTarget.Latest));
  return found;
}

function importsValues(clause: ts.ImportClause | undefined): boolean {
  // An import without names is kept for the module's side effects.
  if (!clause) return true;
  if (clause.phaseModifier === ts.SyntaxKind.TypeKeyword) return false;
  const bindings = clause.namedBindings;
  return clause.name !== undefined || (bindings !== undefined && (ts.isNamespaceImport(bindings) || bindings.elements.some((element) => !element.isTypeOnly)));
}

function exportsValues(declaration: ts.ExportDeclaration): boolean {
  const clause = declaration.exportClause;
  return !declaration.isTypeOnly && (clause === undefined || !ts.isNamedExports(clause) || clause.elements.some((element) => !element.isTypeOnly));
}

const files = sourceFiles(generator);
const shown = (file: string) => path.relative(path.dirname(generator), file).split(path.sep).join('/');

describe('architecture', () => {
  it('finds the source', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it('sees a dynamic import() as an import: a command loads its use case only when it runs', () => {
    const source = "const { validateProject } = await import('../../app/validate.js');";
    expect(specifiers(source)).toEqual(['../../app/validate.js']);
    expect(valueSpecifiers(source)).toEqual(['../../app/validate.js']);
  });

  it('imports only in the allowed direction: cli → app → {domain, io}, io → domain (types)', () => {
    const offending: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
        if (!specifier.startsWith('.')) continue;
        const target = path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts'));
        const to = layerOf(target);
        if (to !== from && !ALLOWED[from].includes(to)) offending.push(`${shown(file)} (${from}) → ${shown(target)} (${to})`);
      }
    }
    expect(offending).toEqual([]);
  });

  /** `file → module` for each domain module outside the shared kernel that a file of `layer` takes values from. */
  const domainValues = (layer: Layer): string[] => {
    const offending: string[] = [];
    for (const file of files) {
      if (layerOf(file) !== layer) continue;
      for (const specifier of valueSpecifiers(readFileSync(file, 'utf8'))) {
        if (!specifier.startsWith('.')) continue;
        const target = path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts'));
        if (layerOf(target) === 'domain' && !KERNEL.includes(target)) offending.push(`${shown(file)} → ${shown(target)}`);
      }
    }
    return offending;
  };

  it('takes only types from the domain in cli, but for the shared kernel: values come through app', () => {
    expect(domainValues('cli')).toEqual([]);
  });

  it("lets io take only the domain's types: values come from the shared kernel alone", () => {
    expect(domainValues('io')).toEqual([]);
  });

  it('keeps files, processes and the network out of the domain', () => {
    const offending: string[] = [];
    for (const file of files) {
      if (layerOf(file) !== 'domain') continue;
      const source = readFileSync(file, 'utf8');
      for (const specifier of specifiers(source)) {
        if (SIDE_EFFECT_PACKAGES.some((pattern) => pattern.test(specifier))) offending.push(`${shown(file)} imports ${specifier}`);
      }
      if (PROCESS_STATE.test(source)) offending.push(`${shown(file)} reads the process`);
    }
    expect(offending).toEqual([]);
  });

  it('reads the environment only in cli: app and io are handed it', () => {
    const offending = files.filter((file) => layerOf(file) !== 'cli' && /\bprocess\.env\b/.test(readFileSync(file, 'utf8'))).map(shown);
    expect(offending).toEqual([]);
  });

  it("writes to stdout and stderr only in cli: app is handed the command's Terminal, io a ProgressSink", () => {
    const offending: string[] = [];
    for (const file of files) {
      if (layerOf(file) === 'cli') continue;
      const source = readFileSync(file, 'utf8');
      for (const stream of new Set(source.match(/\bprocess\.std(?:out|err)\b/g))) offending.push(`${shown(file)} uses ${stream}`);
      if (/\bconsole\.\w+\(/.test(source)) offending.push(`${shown(file)} writes to the console`);
    }
    expect(offending).toEqual([]);
  });
});
