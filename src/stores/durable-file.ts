/**
 * Crash-safe file writes for the stores: the bytes go to a temporary file beside the target, are flushed to disk,
 * renamed over the target, and the directory entry is flushed too. A reader (or a restart after `kill -9` or a
 * power cut) sees the whole old file or the whole new one, never a truncated one. Worker-side.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Flushes a directory's entries (a rename or a new file in it) to disk. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` to `path` durably (temporary file, fsync, rename, fsync of the directory), creating the directory.
 * @param mode permissions of the new file. @default 0o600
 */
export async function writeFileDurably(path: string, data: Uint8Array, mode = 0o600): Promise<void> {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true });
  const temporary = join(folder, `.${basename(path).slice(0, 16)}.${randomUUID()}.tmp`);
  try {
    const handle = await open(temporary, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncDirectory(folder);
}
