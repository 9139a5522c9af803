/**
 * JSON values in a {@link BlobStore}, addressed by the sha256 of their serialized bytes, with a cache of what this
 * process has read or written. Contents are immutable, so the cache is never stale and any worker may read what
 * another wrote. Worker-side; clients use it to resolve stored blocks.
 */
import { LRUCache } from 'lru-cache';
import { createHash } from 'node:crypto';
import { StoreError } from '../errors.js';
import { FailureTypes } from '../shared/failure-types.js';
import type { BlobRef } from '../shared/schemas/transcript-ref.js';
import type { BlobStore } from './blob-store.js';

export interface ContentStoreOptions {
  /** Memory for values read or written recently, bytes of their JSON. @default 134217728 (128 MiB) */
  cacheBytes?: number;
}

/** The sha256 of bytes, as 64 lowercase hex digits. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export class ContentStore {
  readonly blobs: BlobStore;
  readonly #cache: LRUCache<string, { value: unknown }>;
  readonly #maxCachedBytes: number;

  constructor(blobs: BlobStore, options: ContentStoreOptions = {}) {
    this.blobs = blobs;
    const cacheBytes = options.cacheBytes ?? 128 * 1024 * 1024;
    // A value larger than an eighth of the cache would evict too much; it is read again when needed.
    this.#maxCachedBytes = Math.floor(cacheBytes / 8);
    this.#cache = new LRUCache({ maxSize: cacheBytes });
  }

  get description(): string {
    return this.blobs.description;
  }

  #remember(hash: string, value: unknown, bytes: number): void {
    if (bytes > this.#maxCachedBytes) return;
    this.#cache.set(hash, { value }, { size: Math.max(1, bytes) });
  }

  /**
   * Stores a JSON value and returns its address. The value must not be changed afterwards (it may be cached as is).
   * @throws StoreError (retryable) when the store cannot be reached.
   */
  async putJson(value: unknown): Promise<BlobRef> {
    const data = Buffer.from(JSON.stringify(value), 'utf8');
    const hash = sha256Hex(data);
    if (!this.#cache.has(hash)) await this.blobs.put(hash, data);
    this.#remember(hash, value, data.byteLength);
    return { hash, bytes: data.byteLength };
  }

  /**
   * The JSON value stored under `hash`. The result is shared with the cache: read it, never change it.
   * @throws StoreError: `Store.NotFound` when no such value is stored (the worker may be configured with another
   * store than the one that wrote it), `Store.Corrupt` when the stored bytes do not match their hash.
   */
  async getJson<T = unknown>(hash: string): Promise<T> {
    const cached = this.#cache.get(hash);
    if (cached) return cached.value as T;
    const data = await this.blobs.get(hash);
    if (data === undefined) {
      throw new StoreError(
        `stored content sha256:${hash} is not in the ${this.description}; every worker (and client) of a namespace must use the same store (KEEL_STORE, KEEL_STORE_URL)`,
        { retryable: true, failureType: FailureTypes.StoreNotFound },
      );
    }
    if (sha256Hex(data) !== hash) {
      throw new StoreError(`stored content sha256:${hash} in the ${this.description} does not match its hash`, {
        retryable: false,
        failureType: FailureTypes.StoreCorrupt,
      });
    }
    const value = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')) as T;
    this.#remember(hash, value, data.byteLength);
    return value;
  }

  close(): Promise<void> {
    return this.blobs.close();
  }
}
