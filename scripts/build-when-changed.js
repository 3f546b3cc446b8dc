#!/usr/bin/env node
// `npm start` builds only when something tsc reads changed since the last build: a full compile
// takes about 10 s, and even an incremental one that finds nothing to do about 6 s, while
// comparing modification times takes a few milliseconds. A folder's time changes when a file in
// it is added or removed, so folders count too.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const STAMP = path.join(root, 'dist', '.build-stamp');
const INPUTS = ['generator', 'bench', 'test/support/setup.ts', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

/** The latest modification time of `file`, or of anything below it when it is a folder. */
function newest(file) {
  const stats = statSync(file);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(file).reduce((latest, entry) => Math.max(latest, newest(path.join(file, entry))), stats.mtimeMs);
}

const built = (() => {
  try {
    return statSync(STAMP).mtimeMs;
  } catch {
    return -Infinity;
  }
})();

if (INPUTS.some((input) => newest(path.join(root, input)) > built)) {
  const started = Date.now();
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  writeFileSync(STAMP, '');
  process.stderr.write(`built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
