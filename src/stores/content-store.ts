/**
 * JSON values in a {@link BlobStore}, addressed by the sha256 of their serialized bytes, with a cache of what this
 * process has read or written. Contents are immutable, so the cache is never stale and any worker may read what
 * another wrote. With a key ring (`KEEL_ENCRYPTION_KEYS`) every blob is sealed at rest under the current key, and
 * blobs sealed under any key of the ring open. Worker-side; clients use it to resolve stored blocks.
 *
 * Sessions reach the store through {@link ContentStore.forSession}: what a session writes is recorded as its own,
 * and it reads only what it owns (or was granted by a fork). The unscoped methods are for operators and clients
 * that hold the store itself.
 */
import { LRUCache } from 'lru-cache';
import { createHash } from 'node:crypto';
import { isSealed, openSealedBytes, sealBytes } from '../codec/sealed-bytes.js';
import type { EncryptionKeyRing } from '../codec/encryption-keys.js';
import { StoreError } from '../errors.js';
import { FailureTypes } from '../shared/failure-types.js';
import type { BlobRef } from '../shared/schemas/stored-block.js';
import type { BlobStore } from './blob-store.js';

export interface ContentStoreOptions {
  /** Memory for values read or written recently, bytes of their JSON. @default 134217728 (128 MiB) */
  cacheBytes?: number;
  /** Seals blobs at rest; any key of the ring opens. @default none: blobs are stored as plain JSON (env `KEEL_ENCRYPTION_KEYS`) */
  keys?: EncryptionKeyRing;
}

/** Reading and writing JSON by address: the whole store, or one session's view of it. */
export interface JsonStore {
  /** @throws StoreError (retryable) when the store cannot be reached. */
  putJson(value: unknown): Promise<BlobRef>;
  /** @throws StoreError: `Store.NotFound`, `Store.Forbidden`, `Store.Corrupt` (not retryable), `Store.Unavailable`. */
  getJson<T = unknown>(hash: string): Promise<T>;
}

/** The sha256 of bytes, as 64 lowercase hex digits. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export class ContentStore implements JsonStore {
  readonly blobs: BlobStore;
  readonly #cache: LRUCache<string, { value: unknown }>;
  /** `owner\0hash` pairs known to be recorded, so a session's repeated reads and writes ask the store once. */
  readonly #owned = new LRUCache<string, true>({ max: 200_000 });
  readonly #maxCachedBytes: number;
  readonly #keys: EncryptionKeyRing | undefined;

  constructor(blobs: BlobStore, options: ContentStoreOptions = {}) {
    this.blobs = blobs;
    const cacheBytes = options.cacheBytes ?? 128 * 1024 * 1024;
    // A value larger than an eighth of the cache would evict too much; it is read again when needed.
    this.#maxCachedBytes = Math.floor(cacheBytes / 8);
    this.#cache = new LRUCache({ maxSize: cacheBytes });
    this.#keys = options.keys;
  }

  get description(): string {
    return this.blobs.description;
  }

  /** Whether blobs are sealed at rest. */
  get encrypted(): boolean {
    return this.#keys !== undefined;
  }

  #remember(hash: string, value: unknown, bytes: number): void {
    if (bytes > this.#maxCachedBytes) return;
    this.#cache.set(hash, { value }, { size: Math.max(1, bytes) });
  }

  /** The plaintext of stored bytes, checked against their hash; undefined when they do not match (torn or altered). */
  #open(hash: string, stored: Uint8Array): Buffer | undefined {
    let plain: Buffer;
    if (isSealed(stored)) {
      if (!this.#keys) return undefined;
      try {
        plain = openSealedBytes(this.#keys, stored, hash);
      } catch {
        return undefined;
      }
    } else plain = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
    return sha256Hex(plain) === hash ? plain : undefined;
  }

  /**
   * Stores a JSON value and returns its address. The value must not be changed afterwards (it may be cached as is).
   * @param owner the session that may read it (see {@link forSession}); claimed before the bytes are written, so a
   * purge of another owner of the same bytes running meanwhile keeps the blob.
   * @throws StoreError (retryable) when the store cannot be reached.
   */
  async putJson(value: unknown, owner?: string): Promise<BlobRef> {
    const data = Buffer.from(JSON.stringify(value), 'utf8');
    const hash = sha256Hex(data);
    const newOwner = owner !== undefined && (await this.claim(owner, hash));
    // Written again for an owner new to this process even when cached: another process may have purged the blob
    // since (its last owner went), and a put finds and keeps an intact copy cheaply.
    if (newOwner || !this.#cache.has(hash)) {
      const stored = this.#keys ? sealBytes(this.#keys, data, hash) : data;
      await this.blobs.put(hash, stored, (existing) => this.#open(hash, existing) !== undefined);
    }
    this.#remember(hash, value, data.byteLength);
    return { hash, bytes: data.byteLength };
  }

  /**
   * The JSON value stored under `hash`. The result is shared with the cache: read it, never change it.
   * @throws StoreError, not retryable: `Store.NotFound` when no such value is stored (lost, or the worker is
   * configured with another store than the one that wrote it), `Store.Corrupt` when the stored bytes do not match
   * their hash or do not open with this process's keys.
   */
  async getJson<T = unknown>(hash: string): Promise<T> {
    const cached = this.#cache.get(hash);
    if (cached) return cached.value as T;
    const data = await this.blobs.get(hash);
    if (data === undefined) {
      throw new StoreError(
        `stored content sha256:${hash} is not in the ${this.description} (lost, or this worker uses another store than the one that wrote it: every worker and client of a namespace must use the same KEEL_STORE, KEEL_STORE_URL)`,
        { retryable: false, failureType: FailureTypes.StoreNotFound },
      );
    }
    const plain = this.#open(hash, data);
    if (!plain) {
      const why = isSealed(data) ? (this.#keys ? 'does not open with KEEL_ENCRYPTION_KEYS or does not match its hash' : 'is sealed and KEEL_ENCRYPTION_KEYS is not set') : 'does not match its hash';
      throw new StoreError(`stored content sha256:${hash} in the ${this.description} ${why}`, {
        retryable: false,
        failureType: FailureTypes.StoreCorrupt,
      });
    }
    const value = JSON.parse(plain.toString('utf8')) as T;
    this.#remember(hash, value, data.byteLength);
    return value;
  }

  /** One session's view: it writes as the owner and reads only what it owns. `session` must come from Temporal (the activity's workflow id), never from an argument. */
  forSession(session: string): SessionContentStore {
    return new SessionContentStore(this, session);
  }

  /**
   * Records `owner` as a reader of `hash`. @returns false when this process had recorded it already.
   * @throws StoreError (retryable)
   */
  async claim(owner: string, hash: string): Promise<boolean> {
    const key = `${owner}\0${hash}`;
    if (this.#owned.has(key)) return false;
    await this.blobs.claim(owner, hash);
    this.#owned.set(key, true);
    return true;
  }

  /** Whether `owner` may read `hash`. @throws StoreError (retryable) */
  async owns(owner: string, hash: string): Promise<boolean> {
    const key = `${owner}\0${hash}`;
    if (this.#owned.has(key)) return true;
    const owns = await this.blobs.owns(owner, hash);
    if (owns) this.#owned.set(key, true);
    return owns;
  }

  /**
   * Gives `to` read access to everything `from` may read (a fork and its source). @returns how many blobs.
   * @throws StoreError (retryable)
   */
  async grant(from: string, to: string): Promise<number> {
    const hashes = await this.blobs.hashesOf(from);
    for (const hash of hashes) await this.claim(to, hash);
    return hashes.length;
  }

  /**
   * Deletes a session's content: its rights to every blob, and the blobs no other session owns.
   * @throws StoreError (retryable)
   */
  async purge(owner: string): Promise<{ released: number; deleted: number }> {
    const hashes = await this.blobs.hashesOf(owner);
    for (const key of [...this.#owned.keys()]) if (key.startsWith(`${owner}\0`)) this.#owned.delete(key);
    const result = await this.blobs.release(owner, hashes);
    // The cache may hold deleted values; they would be served to no one who may read them, but memory is memory.
    for (const hash of hashes) this.#cache.delete(hash);
    return result;
  }

  close(): Promise<void> {
    return this.blobs.close();
  }
}

/**
 * A session's view of the content store: everything it writes is recorded as its own; it reads only what it owns.
 * A reference to anything else, whether it exists or not, is refused the same way (`Store.Forbidden`), so a
 * session learns nothing about other sessions' content. Worker-side.
 */
export class SessionContentStore implements JsonStore {
  constructor(
    readonly store: ContentStore,
    readonly session: string,
  ) {}

  putJson(value: unknown): Promise<BlobRef> {
    return this.store.putJson(value, this.session);
  }

  /** @throws StoreError `Store.Forbidden` (not retryable) when the session may not read `hash`; else as {@link ContentStore.getJson}. */
  async getJson<T = unknown>(hash: string): Promise<T> {
    await this.assertOwns(hash);
    return this.store.getJson<T>(hash);
  }

  /** @throws StoreError `Store.Forbidden` (not retryable) when the session may not read `hash`. */
  async assertOwns(hash: string): Promise<void> {
    if (await this.store.owns(this.session, hash)) return;
    throw new StoreError(
      `stored content sha256:${hash} is not content of session ${this.session} (a session reads only what it stored, or what a fork was granted of its source)`,
      { retryable: false, failureType: FailureTypes.StoreForbidden },
    );
  }
}
