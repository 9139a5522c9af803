/**
 * Who may read what, as empty marker files: `<root>/by-owner/<owner key>/<item>` and `<root>/by-item/<item>/<owner
 * key>`, so that both questions a store asks are one lookup (does this session own this item? which items does it
 * own, and does anyone else still own one?). Race-free without locks: claiming creates a file, releasing removes
 * one. Owner keys are a hash of the session id (ids may hold any character); the id itself is kept beside, so that
 * the retention sweeper can ask Temporal about it. Used by the file content store and the local sandbox's
 * snapshots. Worker-side.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, readdir, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDirectory, writeFileDurably } from './durable-file.js';

/** The file name that stands for a session id. */
export function ownerKey(owner: string): string {
  return createHash('sha256').update(owner).digest('hex').slice(0, 40);
}

const SESSION_FILE = '.session';
const itemPattern = /^[A-Za-z0-9._-]+$/;

export class OwnershipMarkers {
  constructor(readonly root: string) {}

  #item(item: string): string {
    if (!itemPattern.test(item) || item.startsWith('.')) throw new TypeError(`invalid stored item name "${item}"`);
    return item;
  }

  /** Records that `owner` may read `item`. Idempotent. */
  async claim(owner: string, item: string): Promise<void> {
    const key = ownerKey(owner);
    const ownerFolder = join(this.root, 'by-owner', key);
    const itemFolder = join(this.root, 'by-item', this.#item(item));
    if (!(await exists(join(ownerFolder, SESSION_FILE)))) await writeFileDurably(join(ownerFolder, SESSION_FILE), Buffer.from(owner, 'utf8'));
    // The item's side first: a crash between the two leaves an owner the sweeper still finds through by-item,
    // never a reader whose right is recorded while the item's owner count misses it.
    await touch(itemFolder, key);
    await touch(ownerFolder, item);
  }

  async owns(owner: string, item: string): Promise<boolean> {
    return exists(join(this.root, 'by-owner', ownerKey(owner), this.#item(item)));
  }

  /** The items `owner` may read. */
  async itemsOf(owner: string): Promise<string[]> {
    const entries = await readdir(join(this.root, 'by-owner', ownerKey(owner))).catch(() => [] as string[]);
    return entries.filter((name) => name !== SESSION_FILE && !name.startsWith('.'));
  }

  /** Every session id that owns something. */
  async owners(): Promise<string[]> {
    const keys = await readdir(join(this.root, 'by-owner')).catch(() => [] as string[]);
    const owners: string[] = [];
    for (const key of keys) {
      const id = await readFile(join(this.root, 'by-owner', key, SESSION_FILE), 'utf8').catch(() => undefined);
      if (id !== undefined) owners.push(id);
    }
    return owners;
  }

  /**
   * Removes `owner`'s right to `item`; resolves true when no owner is left (the caller may then delete the item).
   */
  async release(owner: string, item: string): Promise<boolean> {
    const key = ownerKey(owner);
    await unlink(join(this.root, 'by-owner', key, this.#item(item))).catch(ignoreMissing);
    const itemFolder = join(this.root, 'by-item', item);
    await unlink(join(itemFolder, key)).catch(ignoreMissing);
    const left = await readdir(itemFolder).catch(() => [] as string[]);
    if (left.length > 0) return false;
    await rmdir(itemFolder).catch(() => undefined);
    return true;
  }

  /** Whether any session owns `item`. */
  async hasOwners(item: string): Promise<boolean> {
    const left = await readdir(join(this.root, 'by-item', this.#item(item))).catch(() => [] as string[]);
    return left.length > 0;
  }

  /** Forgets `owner` once it owns nothing. */
  async forget(owner: string): Promise<void> {
    if ((await this.itemsOf(owner)).length > 0) return;
    await rm(join(this.root, 'by-owner', ownerKey(owner)), { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Creates an empty marker file and flushes its directory entry. */
async function touch(folder: string, name: string): Promise<void> {
  if (await exists(join(folder, name))) return;
  await mkdir(folder, { recursive: true });
  const handle = await open(join(folder, name), 'a', 0o600);
  await handle.close();
  await syncDirectory(folder);
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
