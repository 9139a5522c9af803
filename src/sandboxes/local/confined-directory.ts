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
import { lstat, mkdir, open, readdir, realpath, type FileHandle } from 'node:fs/promises';
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
  #realRoot: Promise<string> | undefined;

  constructor(
    readonly root: string,
    options: ConfinedDirectoryOptions = {},
  ) {
    this.#visiblePath = options.visiblePath ?? '/workspace';
    this.#maxReadBytes = options.maxReadBytes ?? 64 * 1024 * 1024;
    this.#maxListEntries = options.maxListEntries ?? 10_000;
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
      file = await this.#openAt(parent, resolved.existing.at(-1)!, constants.O_RDONLY);
    } finally {
      await this.#closeIfHandle(parent);
    }
    try {
      const stats = await file.stat();
      if (stats.isDirectory()) throw new ToolError(`"${path}" is a directory; list it with list_files`);
      if (!stats.isFile()) throw new ToolError(`"${path}" is not a regular file`);
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
        await mkdir(location).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
        });
        const next = typeof parent === 'string' ? location : await this.#openAt(parent, component, directoryFlags);
        await this.#closeIfHandle(parent);
        parent = next;
      }
      const file = await this.#openAt(parent, target.at(-1)!, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o644);
      try {
        const stats = await file.stat();
        if (!stats.isFile()) throw new ToolError(`"${path}" is not a regular file`);
        await file.writeFile(data);
        return data.byteLength;
      } finally {
        await file.close();
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EISDIR') throw new ToolError(`"${path}" is a directory`);
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') throw new ToolError(`a parent of "${path}" is not a directory`);
      throw error;
    } finally {
      await this.#closeIfHandle(parent);
    }
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
