/**
 * Opens the content store the configuration names: `file` (embedded, the default) or `postgres` (shared by workers
 * on several machines). Worker-side; clients use it too, to resolve stored blocks.
 */
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { ContentStore, type ContentStoreOptions } from './content-store.js';
import { FileBlobStore } from './file-blob-store.js';
import { PostgresBlobStore } from './postgres-blob-store.js';

export type StoreKind = 'file' | 'postgres';

export interface ContentStoreConfig extends ContentStoreOptions {
  /** Which store. @default `file` (env `KEEL_STORE`) */
  kind?: StoreKind;
  /**
   * For `postgres`, the connection string (required); for `file`, the folder. (env `KEEL_STORE_URL`)
   * @default for `file`: `<dataDir>/store`
   */
  url?: string;
  /** The worker's data folder. @default `.keel/data` (env `KEEL_DATA_DIR`) */
  dataDir?: string;
}

/** @throws ConfigError when `postgres` has no URL; StoreError when the database cannot be reached. */
export async function openContentStore(config: ContentStoreConfig = {}): Promise<ContentStore> {
  const kind = config.kind ?? 'file';
  const options = {
    ...(config.cacheBytes !== undefined ? { cacheBytes: config.cacheBytes } : {}),
    ...(config.keys ? { keys: config.keys } : {}),
  };
  if (kind === 'postgres') {
    if (!config.url) throw new ConfigError('KEEL_STORE=postgres needs KEEL_STORE_URL (postgres://user:password@host:port/database)');
    return new ContentStore(await PostgresBlobStore.open({ connectionString: config.url }), options);
  }
  return new ContentStore(new FileBlobStore(config.url ?? join(config.dataDir ?? '.keel/data', 'store')), options);
}
