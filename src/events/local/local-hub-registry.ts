/**
 * The folder through which the local transport's processes on one machine find each other: each worker's hub
 * writes a file there naming its loopback URL and a token, readable by the same user only. Its default is one
 * folder per user under the system's temporary folder, so a worker and an API server started anywhere on the
 * machine meet without any setting.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

export function defaultLocalEventsDirectory(): string {
  return join(tmpdir(), `keel-events-${userInfo().uid}`);
}

const hubEntrySchema = z.object({ url: z.string().url(), token: z.string().min(16), pid: z.number().int().positive() });
export type HubEntry = z.infer<typeof hubEntrySchema> & { file: string };

function ensureDirectory(directory: string): void {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  chmodSync(directory, 0o700);
}

/** Writes this process's hub entry; answers its token and a function that removes it. */
export function registerHub(directory: string, url: string): { token: string; file: string; remove(): void } {
  ensureDirectory(directory);
  const token = randomBytes(24).toString('hex');
  const file = join(directory, `${process.pid}-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(file, JSON.stringify({ url, token, pid: process.pid }), { mode: 0o600 });
  const remove = () => rmSync(file, { force: true });
  return { token, file, remove };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The hubs of live processes; entries of processes that died (kill -9 leaves them) are removed. */
export function listHubs(directory: string): HubEntry[] {
  let names: string[];
  try {
    names = readdirSync(directory).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const hubs: HubEntry[] = [];
  for (const name of names) {
    const file = join(directory, name);
    try {
      const parsed = hubEntrySchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (!parsed.success) continue;
      if (!alive(parsed.data.pid)) {
        rmSync(file, { force: true });
        continue;
      }
      hubs.push({ ...parsed.data, file });
    } catch {
      // Being written or removed meanwhile: the next scan reads it.
    }
  }
  return hubs;
}
