/**
 * Where stored content lives: bytes addressed by their sha256. Worker-side (clients may open one to resolve stored
 * blocks). Implementations are embedded ({@link FileBlobStore}) or shared by workers on several machines
 * ({@link PostgresBlobStore}).
 */

/** A store of immutable byte strings keyed by the sha256 of their contents. */
export interface BlobStore {
  /** Which store this is, for error messages and logs; never holds a password. */
  readonly description: string;
  /**
   * Stores `data` under `hash` unless it is there already. Idempotent, and safe when several workers write the same
   * hash at once: contents are immutable, so any writer's copy is the same. The caller computed `hash` from `data`.
   * @throws StoreError (retryable) when the store cannot be reached.
   */
  put(hash: string, data: Uint8Array): Promise<void>;
  /** The bytes stored under `hash`, or undefined. @throws StoreError (retryable) when the store cannot be reached. */
  get(hash: string): Promise<Uint8Array | undefined>;
  /** Releases connections. Idempotent. */
  close(): Promise<void>;
}
