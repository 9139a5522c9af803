/**
 * A session directory as one byte string and back, so that a snapshot can be sealed as a whole (no file name or
 * content left in plaintext on disk) and unpacked without following links. Worker-side.
 *
 * Format: `KEELPACK1\n`, then per entry a 4-byte big-endian header length, the header as JSON
 * (`{path, type: "directory"|"file"|"symlink", mode, size?, target?}`), and for a file its `size` bytes. Parents
 * come before their children. Symbolic links are kept as links (never followed), as `cp --no-dereference` would;
 * other special files (FIFOs, sockets, devices) are left out.
 */
import { lstat, mkdir, open, readdir, readlink, symlink } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join, posix } from 'node:path';
import { z } from 'zod';

const MAGIC = Buffer.from('KEELPACK1\n', 'latin1');

const entrySchema = z.object({
  path: z.string().min(1),
  type: z.enum(['directory', 'file', 'symlink']),
  mode: z.number().int().min(0).max(0o7777),
  size: z.number().int().nonnegative().optional(),
  target: z.string().optional(),
});
type PackEntry = z.infer<typeof entrySchema>;

/** Packs everything under `directory` (not the directory itself). */
export async function packDirectory(directory: string): Promise<Buffer> {
  const parts: Buffer[] = [MAGIC];
  const add = (entry: PackEntry, data?: Buffer): void => {
    const header = Buffer.from(JSON.stringify(entry), 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(header.length);
    parts.push(length, header);
    if (data) parts.push(data);
  };
  const walk = async (relative: string): Promise<void> => {
    const names = (await readdir(join(directory, relative))).sort();
    for (const name of names) {
      const path = relative ? `${relative}/${name}` : name;
      const full = join(directory, path);
      const stats = await lstat(full);
      const mode = stats.mode & 0o7777;
      if (stats.isDirectory()) {
        add({ path, type: 'directory', mode });
        await walk(path);
      } else if (stats.isSymbolicLink()) add({ path, type: 'symlink', mode, target: await readlink(full) });
      else if (stats.isFile()) {
        // Opened without following a link a command may have swapped in since the lstat.
        const handle = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
        try {
          const data = await handle.readFile();
          add({ path, type: 'file', mode, size: data.length }, data);
        } finally {
          await handle.close();
        }
      }
    }
  };
  await walk('');
  return Buffer.concat(parts);
}

/** A path of a pack entry, checked: relative, normalised, never leaving the target. */
function safePath(path: string): string {
  const normal = posix.normalize(path);
  if (normal !== path || path.startsWith('/') || path === '..' || path.startsWith('../') || path.includes('\0')) {
    throw new Error(`snapshot pack: unsafe path "${path}"`);
  }
  return path;
}

/**
 * Unpacks into `directory` (which must exist and be empty). Files are created only inside directories the pack
 * itself created, so a link in the pack never redirects a later entry outside the target.
 * @throws Error when the pack is malformed.
 */
export async function unpackInto(pack: Uint8Array, directory: string): Promise<void> {
  const bytes = Buffer.from(pack.buffer, pack.byteOffset, pack.byteLength);
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('snapshot pack: not a pack');
  const directories = new Set<string>(['.']);
  let offset = MAGIC.length;
  while (offset < bytes.length) {
    if (offset + 4 > bytes.length) throw new Error('snapshot pack: truncated');
    const headerLength = bytes.readUInt32BE(offset);
    offset += 4;
    const entry = entrySchema.parse(JSON.parse(bytes.subarray(offset, offset + headerLength).toString('utf8')));
    offset += headerLength;
    const path = safePath(entry.path);
    if (!directories.has(posix.dirname(path))) throw new Error(`snapshot pack: "${path}" comes before its directory`);
    const full = join(directory, path);
    if (entry.type === 'directory') {
      await mkdir(full, { mode: entry.mode | 0o700 });
      directories.add(path);
    } else if (entry.type === 'symlink') await symlink(entry.target ?? '', full);
    else {
      const size = entry.size ?? 0;
      if (offset + size > bytes.length) throw new Error('snapshot pack: truncated');
      const handle = await open(full, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, entry.mode);
      try {
        await handle.writeFile(bytes.subarray(offset, offset + size));
      } finally {
        await handle.close();
      }
      offset += size;
    }
  }
}
