/**
 * Deleting what a session left on a worker host and in the content store: its rights to stored blobs (and the blobs
 * no other session owns, so a fork keeps what it shares with its source), its sandbox snapshots (likewise), and its
 * session directory. Used by the retention sweeper and `keel purge`. Worker-side (and the CLI on a worker's host).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { removeSessionDirectory } from '../sandboxes/local/local-sandbox-provider.js';
import { SnapshotStore } from '../sandboxes/local/snapshot-store.js';
import type { ContentStore } from '../stores/content-store.js';

/** Where a worker keeps session data. */
export interface SessionDataLocations {
  store: ContentStore;
  /** The worker's data folder (`KEEL_DATA_DIR`): session directories under `sandboxes/`, snapshots under `snapshots/`. */
  dataDir: string;
}

export interface PurgeReport {
  sessionId: string;
  /** Stored blobs the session could read, and how many of them were deleted (the others are still another session's). */
  blobsReleased: number;
  blobsDeleted: number;
  snapshotsDeleted: number;
}

/** The snapshot store of a data folder (purging needs no keys: sealed files are deleted unopened). */
export function snapshotStoreOf(dataDir: string): SnapshotStore {
  return new SnapshotStore(join(dataDir, 'snapshots'));
}

/** Deletes a session's stored content, snapshots and directory. Idempotent. @throws StoreError (retryable) */
export async function purgeSession(locations: SessionDataLocations, sessionId: string): Promise<PurgeReport> {
  const { released, deleted } = await locations.store.purge(sessionId);
  const snapshotsDeleted = await snapshotStoreOf(locations.dataDir).purge(sessionId);
  await removeSessionDirectory(join(locations.dataDir, 'sandboxes'), sessionId);
  return { sessionId, blobsReleased: released, blobsDeleted: deleted, snapshotsDeleted };
}

/** Session ids of the session directories left under `<dataDir>/sandboxes` (their record names the session). */
async function sessionsWithDirectories(dataDir: string): Promise<string[]> {
  const folder = join(dataDir, 'sandboxes');
  const ids: string[] = [];
  for (const key of await readdir(folder).catch(() => [] as string[])) {
    const record = await readFile(join(folder, key, 'sandbox.json'), 'utf8').then(
      (text) => z.object({ sessionId: z.string().min(1) }).safeParse(JSON.parse(text)),
      () => undefined,
    ).catch(() => undefined);
    if (record?.success) ids.push(record.data.sessionId);
  }
  return ids;
}

/** Every session that still owns stored content, snapshots or a session directory here. */
export async function sessionsWithData(locations: SessionDataLocations): Promise<string[]> {
  const owners = new Set([
    ...(await locations.store.blobs.owners()),
    ...(await snapshotStoreOf(locations.dataDir).owners()),
    ...(await sessionsWithDirectories(locations.dataDir)),
  ]);
  return [...owners].sort();
}
