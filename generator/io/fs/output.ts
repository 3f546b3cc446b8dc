import { chmod, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SpacktainersError } from '../../errors.js';
import type { OutputFile, OutputFolder } from '../../pipeline/output.js';

/** In every folder spacktainers writes: the sign that replacing the folder loses nothing of the user's. */
export const OUTPUT_MARKER = '.spacktainers-output';

const MARKER_TEXT = 'Written by spacktainers, which replaces this folder as a whole on every run: keep nothing of your own in it.\n';

/**
 * Check a folder a command will write, before anything is computed or looked up. It must lie in
 * the project folder `project` (GitLab finds artifacts relative to it), not be it, not hold or
 * lie in `inputs` (definitions, settings, sources the command reads, the project's own), and, if
 * it exists, be empty or one spacktainers wrote.
 */
export async function checkOutputFolder(option: string, value: string, inputs: string[], project: string): Promise<OutputFolder> {
  const root = path.resolve(project);
  const target = path.resolve(value);
  const relative = path.relative(root, target);
  const instead = 'give a folder of its own inside the project, e.g. generated';
  if (relative === '') throw SpacktainersError.input({ option }, `${value} is the project folder itself; ${instead}`);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw SpacktainersError.input(
      { option },
      `${value} is outside the project folder (--project, by default the current one), where GitLab cannot find artifacts; ${instead}`,
    );
  }
  for (const input of new Set(inputs.map((p) => path.resolve(p)))) {
    const shown = path.relative(root, input) || '.';
    if (contains(target, input)) throw SpacktainersError.input({ option }, `${value} would replace ${shown}, which spacktainers reads; ${instead}`);
    if (contains(input, target)) throw SpacktainersError.input({ option }, `${value} is inside ${shown}, which spacktainers reads; ${instead}`);
  }
  const folder = { path: relative.split(path.sep).join('/'), option };
  await assertReplaceable(folder, project);
  return folder;
}

/** Whether `inner` is `outer` or below it. */
function contains(outer: string, inner: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Replacing a folder (of the project folder `project`) is safe when it is missing, empty, or carries the marker. */
async function assertReplaceable(folder: OutputFolder, project: string): Promise<void> {
  const target = path.resolve(project, folder.path);
  const found = await stat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!found) return;
  if (!found.isDirectory())
    throw SpacktainersError.input({ option: folder.option }, `${folder.path} is a file, not a folder; give a folder of its own, e.g. generated`);
  const entries = await readdir(target);
  if (entries.length > 0 && !entries.includes(OUTPUT_MARKER)) {
    throw SpacktainersError.input(
      { option: folder.option },
      `${folder.path} holds files spacktainers did not write (it has no ${OUTPUT_MARKER}) and would be replaced as a whole; remove it or give another folder`,
    );
  }
}

/**
 * Write a whole output folder (`folder.path` in the project folder `project`) or nothing:
 * everything is written to a new hidden sibling folder and swapped into place by renames, so that
 * the folder is at any moment the old output or the new one, and a failure leaves the old one.
 */
export async function writeOutputFolder(folder: OutputFolder, files: OutputFile[], project: string): Promise<void> {
  const target = path.resolve(project, folder.path);
  await mkdir(path.dirname(target), { recursive: true });
  const staging = await mkdtemp(path.join(path.dirname(target), `.${path.basename(target)}.new-`));
  const previous = `${staging}.old`;
  try {
    await chmod(staging, 0o755);
    for (const file of [...files, { path: OUTPUT_MARKER, text: MARKER_TEXT }]) {
      const destination = path.join(staging, file.path);
      await mkdir(path.dirname(destination), { recursive: true });
      await writeFile(destination, file.text, { mode: file.mode });
    }
    await assertReplaceable(folder, project);
    const replacing = await rename(target, previous).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      },
    );
    try {
      await rename(staging, target);
    } catch (error) {
      if (replacing) await rename(previous, target);
      throw error;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(previous, { recursive: true, force: true });
  }
}
