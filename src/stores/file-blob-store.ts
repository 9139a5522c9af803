/**
 * The embedded content store: one file per blob under a folder (by default the worker's data folder), named by its
 * hash. No server needed; several workers on one machine (or on a shared file system) may use the same folder.
 * Worker-side.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StoreError } from '../errors.js';
import { FailureTypes } from '../shared/failure-types.js';
import type { BlobStore } from './blob-store.js';

export class FileBlobStore implements BlobStore {
  readonly directory: string;
  readonly description: string;

  constructor(directory: string) {
    this.directory = resolve(directory);
    this.description = `file store at ${this.directory}`;
  }

  #path(hash: string): string {
    return join(this.directory, hash.slice(0, 2), hash.slice(2));
  }

  async put(hash: string, data: Uint8Array): Promise<void> {
    const path = this.#path(hash);
    if (await stat(path).then(() => true, () => false)) return;
    const folder = join(this.directory, hash.slice(0, 2));
    // Written aside and renamed into place: a reader sees the whole blob or none, and two writers of the same hash
    // each rename a complete, identical file.
    const temporary = join(folder, `.${hash.slice(2, 10)}.${randomUUID()}.tmp`);
    try {
      await mkdir(folder, { recursive: true });
      await writeFile(temporary, data);
      await rename(temporary, path);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw new StoreError(`${this.description}: cannot write ${hash}: ${(error as Error).message}`, {
        retryable: true,
        failureType: FailureTypes.StoreUnavailable,
      }, { cause: error });
    }
  }

  async get(hash: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.#path(hash));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StoreError(`${this.description}: cannot read ${hash}: ${(error as Error).message}`, {
        retryable: true,
        failureType: FailureTypes.StoreUnavailable,
      }, { cause: error });
    }
  }

  async close(): Promise<void> {}
}
