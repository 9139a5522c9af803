/**
 * Disk a session directory takes, for the per-session quota: blocks allocated (so sparse files count for what they
 * hold, not their length), every inode once (hard links do not count twice), symbolic links not followed.
 * Worker-side.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes allocated under `directory`, itself included. A directory that vanishes meanwhile counts as empty. */
export async function diskUsageBytes(directory: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const pending = [directory];
  while (pending.length > 0) {
    const current = pending.pop()!;
    const stats = await lstat(current).catch(() => undefined);
    if (!stats) continue;
    const inode = `${stats.dev}:${stats.ino}`;
    if (seen.has(inode)) continue;
    seen.add(inode);
    total += stats.blocks * 512;
    if (!stats.isDirectory()) continue;
    for (const name of await readdir(current).catch(() => [])) pending.push(join(current, name));
  }
  return total;
}
