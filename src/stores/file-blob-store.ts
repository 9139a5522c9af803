/**
 * The embedded content store: one file per blob under a folder (by default the worker's data folder), named by its
 * hash, and ownership markers beside them (`owners/`). No server needed; several workers on one machine (or on a
 * shared file system) may use the same folder. Blobs are written durably (temporary file, fsync, rename, fsync of
 * the folder). Worker-side.
 */
import { readFile, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StoreError } from '../errors.js';
import { FailureTypes } from '../shared/failure-types.js';
import type { BlobStore } from './blob-store.js';
import { writeFileDurably } from './durable-file.js';
import { OwnershipMarkers } from './ownership-markers.js';

export class FileBlobStore implements BlobStore {
  readonly directory: string;
  readonly description: string;
  readonly #owners: OwnershipMarkers;

  constructor(directory: string) {
    this.directory = resolve(directory);
    this.description = `file store at ${this.directory}`;
    this.#owners = new OwnershipMarkers(join(this.directory, 'owners'));
  }

  #path(hash: string): string {
    return join(this.directory, hash.slice(0, 2), hash.slice(2));
  }

  #failure(what: string, hash: string, error: unknown): StoreError {
    return new StoreError(`${this.description}: cannot ${what} ${hash}: ${(error as Error).message}`, {
      retryable: true,
      failureType: FailureTypes.StoreUnavailable,
    }, { cause: error });
  }

  async put(hash: string, data: Uint8Array, isIntact?: (existing: Uint8Array) => boolean): Promise<void> {
    const path = this.#path(hash);
    const existing = await readFile(path).catch(() => undefined);
    // A copy left torn by a crash of a store without fsync (or damaged since) is rewritten, not trusted.
    if (existing !== undefined && (isIntact ? isIntact(existing) : true)) return;
    try {
      // Two writers of the same hash each rename a complete, identical file into place.
      await writeFileDurably(path, data);
    } catch (error) {
      throw this.#failure('write', hash, error);
    }
  }

  async get(hash: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.#path(hash));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw this.#failure('read', hash, error);
    }
  }

  async claim(owner: string, hash: string): Promise<void> {
    await this.#owners.claim(owner, hash).catch((error: unknown) => {
      throw this.#failure('record the owner of', hash, error);
    });
  }

  async owns(owner: string, hash: string): Promise<boolean> {
    return this.#owners.owns(owner, hash);
  }

  async hashesOf(owner: string): Promise<string[]> {
    return this.#owners.itemsOf(owner);
  }

  async owners(): Promise<string[]> {
    return this.#owners.owners();
  }

  async release(owner: string, hashes: string[]): Promise<{ released: number; deleted: number }> {
    let deleted = 0;
    for (const hash of hashes) {
      if (!(await this.#owners.release(owner, hash))) continue;
      // Moved aside before the owners are counted again: a session that claims the hash meanwhile either shows up
      // in that count (the blob goes back) or writes its own copy, since its put then finds none.
      const path = this.#path(hash);
      const aside = `${path}.deleting`;
      const moved = await rename(path, aside).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw this.#failure('delete', hash, error);
          return false;
        },
      );
      if (!moved) continue;
      if (await this.#owners.hasOwners(hash)) await rename(aside, path).catch(() => undefined);
      else {
        await unlink(aside).catch(() => undefined);
        deleted += 1;
      }
    }
    await this.#owners.forget(owner);
    return { released: hashes.length, deleted };
  }

  async close(): Promise<void> {}
}
