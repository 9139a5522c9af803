/**
 * The per-session disk quota of the local sandbox (`KEEL_SANDBOX_DISK_QUOTA_MB`). A hard per-directory limit would
 * need a file system per session (a loop device, XFS project quotas), which a worker in a container cannot make, so
 * the quota is kept around what writes: before a command, its file-size limit is what is left; while it runs, the
 * directory is measured every second and the command stopped once over; the file tools refuse a write that would
 * go over. Usage is the blocks allocated (sparse files count for what they hold), every inode once (hard links do
 * not count twice), symbolic links not followed. Worker-side.
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

function mib(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
}

export class DiskQuota {
  readonly bytes: number;

  /** @param checkIntervalMs how often a running command's directory is measured */
  constructor(
    readonly quotaMb: number,
    readonly checkIntervalMs = 1_000,
  ) {
    this.bytes = quotaMb * 1024 * 1024;
  }

  /** Bytes the directory may still grow by (negative when over). */
  async remaining(directory: string): Promise<number> {
    return this.bytes - (await diskUsageBytes(directory));
  }

  /**
   * Measures `directory` every interval (one walk at a time: on a large directory one can take longer) and calls
   * `onOver` once with the usage when it is over the quota. Returns the function that stops watching.
   */
  watch(directory: string, onOver: (usage: number) => void): () => void {
    let measuring = false;
    let reported = false;
    const timer = setInterval(() => {
      if (measuring || reported) return;
      measuring = true;
      void diskUsageBytes(directory)
        .then((usage) => {
          if (usage <= this.bytes || reported) return;
          reported = true;
          onOver(usage);
        })
        .finally(() => {
          measuring = false;
        });
    }, this.checkIntervalMs);
    return () => clearInterval(timer);
  }

  /** What the model is told when the directory is at (or, by a bounded overshoot, over) the quota. */
  note(usage: number, stopped: boolean): string {
    const where = usage > this.bytes ? 'over' : 'at';
    return (
      `[keel: the session directory uses ${mib(usage)}, ${where} its disk quota of ${this.quotaMb} MiB (KEEL_SANDBOX_DISK_QUOTA_MB); ` +
      `files cannot grow until others are removed (rm still works)]${stopped ? ' (the command was stopped)' : ''}`
    );
  }

  /** @returns the refusal for a write of `bytes` more into a directory using `usage`, or undefined when it fits */
  refusal(usage: number, bytes: number): string | undefined {
    if (usage + bytes <= this.bytes) return undefined;
    return (
      `refused: ${bytes} more bytes would take the session directory (${mib(usage)} used) over its disk quota of ` +
      `${this.quotaMb} MiB (KEEL_SANDBOX_DISK_QUOTA_MB); remove files first`
    );
  }
}
