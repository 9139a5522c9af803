/**
 * File access confined to one directory (a session's working directory), for the file tools of the local
 * sandbox. Those run on the worker itself, outside bubblewrap, so confinement is enforced here:
 *
 * - a path is taken relative to the directory; `..` that climbs out of it, or an absolute path other than the
 *   directory as commands see it (`/workspace/...`), is refused;
 * - symbolic links are followed only while they stay inside: the target's real path must lie in the directory;
 * - the resolved path is then opened one component at a time from a descriptor of the directory, each step with
 *   `O_NOFOLLOW`, so a command running at the same time cannot swap a directory for a link between the check and
 *   the open (on Linux, through `/proc/self/fd`; elsewhere the last step alone is protected).
 *
 * Refusals are {@link ToolError}s: the model reads them and tries something else. Worker-side.
 */
import { constants, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { chown, lstat, mkdir, open, readdir, realpath, rename, unlink, type FileHandle } from 'node:fs/promises';
import { posix, sep } from 'node:path';
import { ToolError } from '../../errors.js';
import type { FileEntry } from '../sandbox-provider.js';

const directoryFlags = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const canWalkDescriptors = process.platform === 'linux' && existsSync('/proc/self/fd');

export interface ConfinedDirectoryOptions {
  /** The directory's path as sandboxed commands see it; absolute paths under it are accepted. @default `/workspace` */
  visiblePath?: string;
  /** Largest file `readFile` returns, bytes. @default 64 MiB */
  maxReadBytes?: number;
  /** Most entries `list` returns. @default 10000 */
  maxListEntries?: number;
  /** Who owns what `writeFile` creates (the session's own uid, when commands run as one); unset: the worker. */
  owner?: { uid: number; gid: number };
}

/** Why a path is not a regular file, in words for the model; undefined for a regular file. */
function notRegularFile(stats: { isFile(): boolean; isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isSymbolicLink(): boolean }, path: string): string | undefined {
  if (stats.isFile()) return undefined;
  // Only a link that leads out (or nowhere) is left unresolved by then.
  if (stats.isSymbolicLink()) return `refused: "${path}" is a symbolic link that leads out of the session directory`;
  if (stats.isDirectory()) return `"${path}" is a directory; list it with list_files`;
  if (stats.isFIFO()) return `"${path}" is a FIFO (named pipe), not a regular file; the file tools read and write regular files only`;
  if (stats.isSocket()) return `"${path}" is a socket, not a regular file; the file tools read and write regular files only`;
  return `"${path}" is not a regular file (a device or other special file)`;
}

/** A path inside the directory, resolved: the existing part's real components and the part still to create. */
interface ResolvedPath {
  /** Components from the directory to the deepest existing ancestor (or the target itself), symlinks resolved. */
  existing: string[];
  /** Components below `existing` that do not exist yet. */
  missing: string[];
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT' || (error as NodeJS.ErrnoException)?.code === 'ENOTDIR';
}

export class ConfinedDirectory {
  readonly #visiblePath: string;
  readonly #maxReadBytes: number;
  readonly #maxListEntries: number;
  readonly #owner: ConfinedDirectoryOptions['owner'];
  #realRoot: Promise<string> | undefined;

  constructor(
    readonly root: string,
    options: ConfinedDirectoryOptions = {},
  ) {
    this.#visiblePath = options.visiblePath ?? '/workspace';
    this.#maxReadBytes = options.maxReadBytes ?? 64 * 1024 * 1024;
    this.#maxListEntries = options.maxListEntries ?? 10_000;
    this.#owner = options.owner;
  }

  /**
   * The path relative to the directory, normalized (`''` for the directory itself).
   * @throws ToolError when it leaves the directory (by `..` or by being absolute elsewhere).
   */
  relativePath(path: string): string {
    if (path.includes('\0')) throw new ToolError(`refused path ${JSON.stringify(path)}: it contains a NUL byte`);
    let relative = path;
    if (posix.isAbsolute(path)) {
      const normalized = posix.normalize(path);
      if (normalized !== this.#visiblePath && !normalized.startsWith(`${this.#visiblePath}/`)) {
        throw new ToolError(
          `refused path "${path}": it is outside the session directory; use a path relative to it (or under ${this.#visiblePath})`,
        );
      }
      relative = normalized.slice(this.#visiblePath.length).replace(/^\/+/, '');
    }
    const normalized = posix.normalize(relative === '' ? '.' : relative).replace(/\/+$/, '');
    if (normalized === '..' || normalized.startsWith('../')) {
      throw new ToolError(`refused path "${path}": it leaves the session directory`);
    }
    return normalized === '.' ? '' : normalized;
  }

  #root(): Promise<string> {
    this.#realRoot ??= realpath(this.root);
    return this.#realRoot;
  }

  /** Resolves symlinks along `relative` and checks that the result stays inside. */
  async #resolve(path: string): Promise<ResolvedPath> {
    const relative = this.relativePath(path);
    const root = await this.#root();
    const components = relative === '' ? [] : relative.split('/');
    // The deepest ancestor (or the target) that exists; its real path must be inside the directory.
    for (let depth = components.length; depth >= 0; depth -= 1) {
      const candidate = [root, ...components.slice(0, depth)].join(sep);
      let real: string;
      try {
        real = await realpath(candidate);
      } catch (error) {
        if (isNotFound(error)) continue;
        throw new ToolError(`cannot resolve "${path}": ${(error as Error).message}`);
      }
      if (real !== root && !real.startsWith(`${root}${sep}`)) {
        throw new ToolError(`refused path "${path}": it leads out of the session directory through a symbolic link`);
      }
      const existing = real === root ? [] : real.slice(root.length + 1).split(sep);
      return { existing, missing: components.slice(depth) };
    }
    throw new ToolError(`the session directory is missing`);
  }

  /** Opens `name` inside the directory open as `parent`, never following a symbolic link at that step. */
  async #openAt(parent: FileHandle | string, name: string, flags: number, mode?: number): Promise<FileHandle> {
    const path = typeof parent === 'string' ? `${parent}${sep}${name}` : `/proc/self/fd/${parent.fd}/${name}`;
    try {
      return await open(path, flags | constants.O_NOFOLLOW, mode);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // With O_DIRECTORY a link fails as ENOTDIR rather than ELOOP.
      const isLink = code === 'ELOOP' || (code === 'ENOTDIR' && (await lstat(path).catch(() => undefined))?.isSymbolicLink());
      if (isLink) throw new ToolError(`refused: "${name}" is a symbolic link that leads out of the session directory`);
      throw error;
    }
  }

  /**
   * Walks from the directory to `components`, one `O_NOFOLLOW` step at a time, and returns the last directory
   * opened, or its real path where descriptors cannot be walked. The caller closes a handle.
   */
  async #walk(components: string[]): Promise<FileHandle | string> {
    const root = await this.#root();
    if (!canWalkDescriptors) return [root, ...components].join(sep);
    let current = await open(root, directoryFlags);
    try {
      for (const component of components) {
        const next = await this.#openAt(current, component, directoryFlags);
        await current.close();
        current = next;
      }
      return current;
    } catch (error) {
      await current.close();
      throw error;
    }
  }

  async #closeIfHandle(handle: FileHandle | string): Promise<void> {
    if (typeof handle !== 'string') await handle.close();
  }

  /** The file's bytes. @throws ToolError when it is missing, a directory, too large or outside. */
  async readFile(path: string): Promise<Buffer> {
    const resolved = await this.#resolve(path);
    if (resolved.missing.length > 0) throw new ToolError(`no such file: ${path}`);
    if (resolved.existing.length === 0) throw new ToolError(`"${path}" is the session directory itself, not a file`);
    const parent = await this.#walk(resolved.existing.slice(0, -1));
    let file: FileHandle;
    try {
      // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, holding a thread of libuv's
      // pool (four such calls stop all file and DNS work of the worker). It does nothing to regular files.
      file = await this.#openAt(parent, resolved.existing.at(-1)!, constants.O_RDONLY | constants.O_NONBLOCK).catch((error: NodeJS.ErrnoException) => {
        // A socket cannot be opened at all.
        if (error.code === 'ENXIO') throw new ToolError(`"${path}" is a socket, not a regular file; the file tools read and write regular files only`);
        throw error;
      });
    } finally {
      await this.#closeIfHandle(parent);
    }
    try {
      const stats = await file.stat();
      const refusal = notRegularFile(stats, path);
      if (refusal) throw new ToolError(refusal);
      if (stats.size > this.#maxReadBytes) {
        throw new ToolError(`"${path}" is ${stats.size} bytes, more than the ${this.#maxReadBytes} bytes a read may take; read parts of it with bash (head, tail, sed -n)`);
      }
      return await file.readFile();
    } finally {
      await file.close();
    }
  }

  /** Writes the whole file, creating missing parent directories. Returns bytes written. */
  async writeFile(path: string, data: Uint8Array): Promise<number> {
    const resolved = await this.#resolve(path);
    const target = [...resolved.existing, ...resolved.missing];
    if (target.length === 0) throw new ToolError(`"${path}" is the session directory itself, not a file`);
    const existingParents = resolved.missing.length > 0 ? resolved.existing : resolved.existing.slice(0, -1);
    const missingParents = resolved.missing.slice(0, -1);
    let parent = await this.#walk(existingParents);
    try {
      for (const component of missingParents) {
        const location = typeof parent === 'string' ? `${parent}${sep}${component}` : `/proc/self/fd/${parent.fd}/${component}`;
        const created = await mkdir(location).then(
          () => true,
          (error: NodeJS.ErrnoException) => {
            if (error.code !== 'EEXIST') throw error;
            return false;
          },
        );
        if (created && this.#owner) await chown(location, this.#owner.uid, this.#owner.gid);
        const next = typeof parent === 'string' ? location : await this.#openAt(parent, component, directoryFlags);
        await this.#closeIfHandle(parent);
        parent = next;
      }
      await this.#replaceFile(parent, target.at(-1)!, path, data);
      return data.byteLength;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EISDIR') throw new ToolError(`"${path}" is a directory`);
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') throw new ToolError(`a parent of "${path}" is not a directory`);
      throw error;
    } finally {
      await this.#closeIfHandle(parent);
    }
  }

  /**
   * Replaces `name` in the directory open as `parent` with `data`: a temporary file beside it (created with
   * `O_EXCL`, so never an existing file or link), fsynced, renamed over the target, then the directory fsynced.
   * The target is checked with `lstat`, never opened, so a FIFO there cannot block; a regular file keeps its mode.
   */
  async #replaceFile(parent: FileHandle | string, name: string, path: string, data: Uint8Array): Promise<void> {
    const location = (entry: string) => (typeof parent === 'string' ? `${parent}${sep}${entry}` : `/proc/self/fd/${parent.fd}/${entry}`);
    const existing = await lstat(location(name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (existing) {
      const refusal = notRegularFile(existing, path);
      if (refusal) throw new ToolError(refusal.replace('; list it with list_files', ''));
    }
    const temporary = `.keel-write-${randomBytes(6).toString('hex')}`;
    const file = await open(location(temporary), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    let renamed = false;
    try {
      await file.writeFile(data);
      await file.chmod(existing ? existing.mode & 0o7777 : 0o644);
      if (this.#owner) await file.chown(this.#owner.uid, this.#owner.gid);
      await file.sync();
      await file.close();
      await rename(location(temporary), location(name));
      renamed = true;
    } finally {
      if (!renamed) {
        await file.close().catch(() => undefined);
        await unlink(location(temporary)).catch(() => undefined);
      }
    }
    // The rename itself is durable only once the directory is.
    if (typeof parent !== 'string') await parent.sync();
  }

  /** The entries under a directory, recursively, depth first and sorted; symbolic links are listed, not followed. */
  async list(path = ''): Promise<FileEntry[]> {
    const resolved = await this.#resolve(path);
    if (resolved.missing.length > 0) throw new ToolError(`no such directory: ${path}`);
    const start = await this.#walk(resolved.existing).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOTDIR') throw new ToolError(`"${path}" is a file, not a directory`);
      throw error;
    });
    const entries: FileEntry[] = [];
    const visit = async (directory: FileHandle | string, prefix: string): Promise<void> => {
      const location = typeof directory === 'string' ? directory : `/proc/self/fd/${directory.fd}`;
      const children = (await readdir(location, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const child of children) {
        if (entries.length >= this.#maxListEntries) return;
        const name = prefix ? `${prefix}/${child.name}` : child.name;
        const stats = await lstat(`${location}${sep}${child.name}`).catch(() => undefined);
        if (!stats) continue;
        const type = stats.isDirectory() ? 'directory' : stats.isFile() ? 'file' : 'other';
        entries.push({ name, type, size: type === 'file' ? stats.size : 0 });
        if (type !== 'directory') continue;
        const inner = typeof directory === 'string' ? `${directory}${sep}${child.name}` : await this.#openAt(directory, child.name, directoryFlags).catch(() => undefined);
        if (!inner) continue;
        try {
          await visit(inner, name);
        } finally {
          await this.#closeIfHandle(inner);
        }
      }
    };
    try {
      await visit(start, '');
    } finally {
      await this.#closeIfHandle(start);
    }
    return entries;
  }
}
