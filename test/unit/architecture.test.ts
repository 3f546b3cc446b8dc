import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layers of docs/architecture.md, checked on the source: `cli → app → {domain, io}`, io
 * knows the domain, the domain knows none of them and touches no file, network or process.
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

/** Modules every layer may take values from. */
const SHARED_KERNEL = ['generator/errors.ts', 'generator/pipeline/order.ts'];

/**
 * Imports allowed against the rules until the one error module (generator/errors.ts) lands:
 * failure.ts names the error classes where they are defined, the option parsers throw OptionError.
 */
const UNTIL_ERRORS_MODULE: Record<string, readonly string[] | 'all'> = {
  'generator/cli/failure.ts': 'all',
  'generator/cli/options.ts': ['generator/input/errors.ts'],
};
const exempted = (file: string, target: string) => {
  const exempt = UNTIL_ERRORS_MODULE[file];
  return exempt === 'all' || (exempt?.includes(target) ?? false);
};

/** Packages through which a module reaches files, processes or the network: adapters only. */
const SIDE_EFFECT_PACKAGES = [/^node:(fs|fs\/promises|child_process|http|https|net|dgram)$/, /^@aws-sdk\//, /^@gitbeaker\//];

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

/** The modules a file takes values from: every import and re-export but those of types only. */
function valueSpecifiers(source: string): string[] {
  const statements = [...source.matchAll(/^(?:import|export)\s+([^;'"]*?)\s*from\s*['"]([^'"]+)['"]/gm)];
  const typesOnly = (clause: string) => /^type\s/.test(clause) || /^\{\s*(type\s+[\w$]+(\s+as\s+[\w$]+)?\s*,?\s*)+\}$/.test(clause);
  const dynamic = [...source.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '');
  return [...statements.filter((m) => !typesOnly(m[1] ?? '')).map((m) => m[2] ?? ''), ...dynamic];
}

const files = sourceFiles(generator);
const shown = (file: string) => path.relative(path.dirname(generator), file).split(path.sep).join('/');

describe('architecture', () => {
  it('finds the source', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it('imports only in the allowed direction: cli → app → {domain, io}, io → domain', () => {
    const offending: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
        if (!specifier.startsWith('.')) continue;
        const target = path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts'));
        const to = layerOf(target);
        if (to !== from && !ALLOWED[from].includes(to) && !exempted(shown(file), shown(target)))
          offending.push(`${shown(file)} (${from}) → ${shown(target)} (${to})`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('takes only types from the domain in cli, but for the shared kernel: values come through app', () => {
    const offending: string[] = [];
    for (const file of files) {
      if (layerOf(file) !== 'cli') continue;
      for (const specifier of valueSpecifiers(readFileSync(file, 'utf8'))) {
        if (!specifier.startsWith('.')) continue;
        const target = path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts'));
        if (layerOf(target) !== 'domain' || SHARED_KERNEL.includes(shown(target))) continue;
        if (exempted(shown(file), shown(target))) continue;
        offending.push(`${shown(file)} → ${shown(target)}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('keeps files, processes and the network out of the domain', () => {
    const offending: string[] = [];
    for (const file of files) {
      if (layerOf(file) !== 'domain') continue;
      const source = readFileSync(file, 'utf8');
      for (const specifier of specifiers(source)) {
        if (SIDE_EFFECT_PACKAGES.some((pattern) => pattern.test(specifier))) offending.push(`${shown(file)} imports ${specifier}`);
      }
      if (/\bprocess\.(env|cwd|stdout|stderr|exit)\b/.test(source)) offending.push(`${shown(file)} reads the process`);
    }
    expect(offending).toEqual([]);
  });

  it('reads the environment only in cli: app and io are handed it', () => {
    const offending = files.filter((file) => layerOf(file) !== 'cli' && /\bprocess\.env\b/.test(readFileSync(file, 'utf8'))).map(shown);
    expect(offending).toEqual([]);
  });
});
