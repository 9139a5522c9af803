/**
 * Where stored content lives: bytes addressed by their sha256, and which sessions may read them. Worker-side
 * (clients may open one to resolve stored blocks). Implementations are embedded ({@link FileBlobStore}) or shared
 * by workers on several machines ({@link PostgresBlobStore}).
 */

/** A store of immutable byte strings keyed by the sha256 of their contents, with their owners. */
export interface BlobStore {
  /** Which store this is, for error messages and logs; never holds a password. */
  readonly description: string;
  /**
   * Stores `data` under `hash`. Idempotent, and safe when several workers write the same hash at once: contents are
   * immutable, so any writer's copy is the same. When a copy is there already, `isIntact` decides whether it is
   * whole (a store that can hold a torn copy asks it, and rewrites one that is not). The caller computed `hash`.
   * @throws StoreError (retryable) when the store cannot be reached.
   */
  put(hash: string, data: Uint8Array, isIntact?: (existing: Uint8Array) => boolean): Promise<void>;
  /** The bytes stored under `hash`, or undefined. @throws StoreError (retryable) when the store cannot be reached. */
  get(hash: string): Promise<Uint8Array | undefined>;
  /** Records that the session `owner` may read `hash`. Idempotent. @throws StoreError (retryable) */
  claim(owner: string, hash: string): Promise<void>;
  /** Whether the session `owner` may read `hash`. @throws StoreError (retryable) */
  owns(owner: string, hash: string): Promise<boolean>;
  /** The hashes the session `owner` may read. @throws StoreError (retryable) */
  hashesOf(owner: string): Promise<string[]>;
  /** Every session that owns something. @throws StoreError (retryable) */
  owners(): Promise<string[]>;
  /**
   * Takes `owner`'s right to each hash away, and deletes the blobs no session owns any more.
   * @returns how many rights were released and how many blobs deleted. @throws StoreError (retryable)
   */
  release(owner: string, hashes: string[]): Promise<{ released: number; deleted: number }>;
  /** Releases connections. Idempotent. */
  close(): Promise<void>;
}
