import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { SpacktainersError } from '../../errors.js';
import { compareCodePoints } from '../../pipeline/order.js';

const MiB = 1024 * 1024;

/** Names paths below `root` as messages show them: relative, with forward slashes. */
export function projectPaths(root: string): (p: string) => string {
  return (p) => path.relative(root, p).split(path.sep).join('/') || '.';
}

/** A file as a reader found it: where it is (as messages name it) and what it says, for the domain to parse. */
export interface TextFile {
  file: string;
  text: string;
}

/** The text of `file` (a lock, a generate output, a log); a failure to read it is for the caller to name or forgive. */
export async function readTextFile(file: string): Promise<TextFile> {
  return { file, text: await readFile(file, 'utf8') };
}

/** The files named `name` anywhere below `folder`, in code-point order of their paths. */
export async function filesNamed(folder: string, name: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name === name)
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort(compareCodePoints);
}

/** How big a file of one kind may be, and what to call it in the message. */
export interface SizeLimit {
  bytes: number;
  what: string;
}

/** Definitions and settings: a large Spack environment is some ten kilobytes. */
export const DEFINITION_LIMIT: SizeLimit = { bytes: MiB, what: 'a definition' };
export const SETTINGS_LIMIT: SizeLimit = { bytes: MiB, what: 'a settings file' };
/** Copied into the image and held in memory for its checksum; bigger files belong in a package. */
export const COPIED_FILE_LIMIT: SizeLimit = { bytes: 64 * MiB, what: 'a spacktainer/files file' };

/**
 * A folder of user files read as data: a symbolic link is followed only when it resolves
 * inside the folder (so a definition can be shared between architectures), and only regular
 * files and folders are read. Anything else would let a committed link make CI read and print
 * the runner's files, or hang on a FIFO.
 */
export class InputTree {
  private constructor(
    private readonly realRoot: string,
    /** The folder as messages name it, e.g. `spacktainer/files/`. */
    readonly label: string,
    private readonly display: (p: string) => string,
  ) {}

  static async open(root: string, display: (p: string) => string): Promise<InputTree> {
    const real = await realpath(root).catch(() => path.resolve(root));
    return new InputTree(real, `${display(root)}/`, display);
  }

  /** What `p` is once links inside the tree are followed, or undefined when nothing is there. */
  async kind(p: string): Promise<'file' | 'directory' | undefined> {
    return (await this.resolve(p))?.kind;
  }

  /** Refuse `p` unless it is a regular file of at most `limit`, without reading it. */
  async checkFile(p: string, limit: SizeLimit): Promise<'file' | undefined> {
    const found = await this.resolve(p);
    if (found?.kind === 'directory') throw this.problem(p, 'is a folder, not a file');
    const problem = found && sizeProblem(found.stats, limit);
    if (problem) throw this.problem(p, problem);
    return found?.kind;
  }

  /** The bytes of the regular file `p`, at most `limit`. */
  async read(p: string, limit: SizeLimit): Promise<Buffer> {
    if ((await this.checkFile(p, limit)) === undefined) throw this.problem(p, 'does not exist');
    return readRegularFile(p, limit, this.display(p));
  }

  private async resolve(p: string): Promise<{ kind: 'file' | 'directory'; stats: Stats } | undefined> {
    const own = await lstat(p).catch(ifMissing);
    if (!own) return undefined;
    const real = await realpath(p).catch(ifMissing);
    if (real === undefined) throw this.problem(p, 'is a symbolic link that leads nowhere');
    if (real !== this.realRoot && !real.startsWith(this.realRoot + path.sep)) {
      const how = own.isSymbolicLink() ? 'is a symbolic link' : 'is reached through a symbolic link';
      throw this.problem(p, `${how} that leaves ${this.label} (only links that stay inside it are followed)`);
    }
    const stats = own.isSymbolicLink() ? await stat(real) : own;
    if (stats.isDirectory()) return { kind: 'directory', stats };
    if (stats.isFile()) return { kind: 'file', stats };
    throw this.problem(p, `is ${fileType(stats)}, not a regular file`);
  }

  private problem(p: string, problem: string): SpacktainersError {
    return SpacktainersError.input({ file: this.display(p) }, problem);
  }
}

/**
 * The bytes of `file`, refused unless it is a regular file of at most `limit`. Opened without
 * blocking and checked on the open handle, so a FIFO put in its place cannot hang the reader.
 */
export async function readRegularFile(file: string, limit: SizeLimit, shown: string = file): Promise<Buffer> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw SpacktainersError.input({ file: shown }, `is ${fileType(stats)}, not a regular file`);
    const problem = sizeProblem(stats, limit);
    if (problem) throw SpacktainersError.input({ file: shown }, problem);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** For a `.catch`: undefined when nothing is at the path, any other failure thrown on. */
export function ifMissing(error: NodeJS.ErrnoException): undefined {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR' || error.code === 'ELOOP') return undefined;
  throw error;
}

function sizeProblem(stats: Stats, limit: SizeLimit): string | undefined {
  if (stats.size <= limit.bytes) return undefined;
  return `is ${stats.size} bytes; ${limit.what} may be at most ${limit.bytes / MiB} MiB (${limit.bytes} bytes)`;
}

function fileType(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'a special file';
}
