/**
 * The shared content store in PostgreSQL (through `pg`): one table of blobs keyed by hash and one of their owners
 * (`<table>_owners`: session, hash), for workers on several machines. A row is written in one transaction, so no
 * torn copy exists to rewrite. Worker-side.
 */
import pg from 'pg';
import { StoreError } from '../errors.js';
import { FailureTypes } from '../shared/failure-types.js';
import type { BlobStore } from './blob-store.js';

export interface PostgresBlobStoreOptions {
  /** Connection string, `postgres://user:password@host:port/database`. (env `KEEL_STORE_URL`) */
  connectionString: string;
  /** Table holding the blobs; created when missing. @default `keel_blobs` */
  table?: string;
  /** Connections in the pool. @default 10 */
  maxConnections?: number;
}

/** The connection string without its password, for messages. */
function redact(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres (unparsable connection string)';
  }
}

function unavailable(description: string, what: string, error: unknown): StoreError {
  return new StoreError(`${description}: ${what}: ${(error as Error).message}`, {
    retryable: true,
    failureType: FailureTypes.StoreUnavailable,
  }, { cause: error });
}

export class PostgresBlobStore implements BlobStore {
  readonly description: string;
  readonly #pool: pg.Pool;
  readonly #table: string;
  readonly #owners: string;
  #closed: Promise<void> | undefined;

  private constructor(options: PostgresBlobStoreOptions) {
    this.description = `postgres store at ${redact(options.connectionString)}`;
    this.#table = options.table ?? 'keel_blobs';
    if (!/^[a-z_][a-z0-9_]*$/.test(this.#table)) throw new TypeError(`invalid table name "${this.#table}"`);
    this.#owners = `${this.#table}_owners`;
    this.#pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
    // An idle client that loses its connection must not take the worker down; the next query reconnects.
    this.#pool.on('error', () => undefined);
  }

  /** Connects and creates the table when missing. @throws StoreError when the database cannot be reached. */
  static async open(options: PostgresBlobStoreOptions): Promise<PostgresBlobStore> {
    const store = new PostgresBlobStore(options);
    try {
      await store.#ensureTable();
    } catch (error) {
      await store.close();
      throw unavailable(store.description, 'cannot prepare the blob table', error);
    }
    return store;
  }

  async #ensureTable(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      // Workers starting together would race on CREATE TABLE IF NOT EXISTS (it is not atomic in PostgreSQL); an
      // advisory lock makes them take turns.
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.#table]);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${this.#table} (hash text PRIMARY KEY, bytes integer NOT NULL, data bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
      );
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.#owners} (owner text NOT NULL, hash text NOT NULL, PRIMARY KEY (owner, hash))`);
      await client.query(`CREATE INDEX IF NOT EXISTS ${this.#owners}_hash ON ${this.#owners} (hash)`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async put(hash: string, data: Uint8Array): Promise<void> {
    // ON CONFLICT DO NOTHING: a row is never torn (one transaction), so an existing one is whole.
    try {
      await this.#pool.query(`INSERT INTO ${this.#table} (hash, bytes, data) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING`, [
        hash,
        data.byteLength,
        Buffer.from(data.buffer, data.byteOffset, data.byteLength),
      ]);
    } catch (error) {
      throw unavailable(this.description, `cannot write ${hash}`, error);
    }
  }

  async get(hash: string): Promise<Uint8Array | undefined> {
    try {
      const result = await this.#pool.query<{ data: Buffer }>(`SELECT data FROM ${this.#table} WHERE hash = $1`, [hash]);
      return result.rows[0]?.data;
    } catch (error) {
      throw unavailable(this.description, `cannot read ${hash}`, error);
    }
  }

  async claim(owner: string, hash: string): Promise<void> {
    try {
      await this.#pool.query(`INSERT INTO ${this.#owners} (owner, hash) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [owner, hash]);
    } catch (error) {
      throw unavailable(this.description, `cannot record the owner of ${hash}`, error);
    }
  }

  async owns(owner: string, hash: string): Promise<boolean> {
    try {
      const result = await this.#pool.query(`SELECT 1 FROM ${this.#owners} WHERE owner = $1 AND hash = $2`, [owner, hash]);
      return (result.rowCount ?? 0) > 0;
    } catch (error) {
      throw unavailable(this.description, `cannot read the owners of ${hash}`, error);
    }
  }

  async hashesOf(owner: string): Promise<string[]> {
    try {
      const result = await this.#pool.query<{ hash: string }>(`SELECT hash FROM ${this.#owners} WHERE owner = $1`, [owner]);
      return result.rows.map((row) => row.hash);
    } catch (error) {
      throw unavailable(this.description, 'cannot list owned content', error);
    }
  }

  async owners(): Promise<string[]> {
    try {
      const result = await this.#pool.query<{ owner: string }>(`SELECT DISTINCT owner FROM ${this.#owners}`);
      return result.rows.map((row) => row.owner);
    } catch (error) {
      throw unavailable(this.description, 'cannot list owners', error);
    }
  }

  async release(owner: string, hashes: string[]): Promise<{ released: number; deleted: number }> {
    const client = await this.#pool.connect().catch((error: unknown) => {
      throw unavailable(this.description, 'cannot release content', error);
    });
    try {
      await client.query('BEGIN');
      const released = await client.query(`DELETE FROM ${this.#owners} WHERE owner = $1 AND hash = ANY($2::text[])`, [owner, hashes]);
      // In the same transaction: a claim racing with it either commits first (its row keeps the blob) or waits.
      const deleted = await client.query(
        `DELETE FROM ${this.#table} b WHERE b.hash = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM ${this.#owners} o WHERE o.hash = b.hash)`,
        [hashes],
      );
      await client.query('COMMIT');
      return { released: released.rowCount ?? 0, deleted: deleted.rowCount ?? 0 };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw unavailable(this.description, 'cannot release content', error);
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    this.#closed ??= this.#pool.end().catch(() => undefined);
    return this.#closed;
  }
}
