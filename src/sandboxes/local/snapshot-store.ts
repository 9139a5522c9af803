/**
 * Where the local sandbox keeps its snapshots: one packed file per snapshot under `<data>/snapshots/` (sealed with
 * the key ring when encryption is on, so neither file names nor contents are in plaintext), and ownership markers
 * beside them. A snapshot is readable by the session that took it and by forks granted its source, whatever its
 * id says; each session keeps its last `keep` snapshots. Worker-side.
 */
import { mkdir, readFile, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { EncryptionKeyRing } from '../../codec/encryption-keys.js';
import { isSealed, openSealedBytes, sealBytes } from '../../codec/sealed-bytes.js';
import { SandboxError } from '../../errors.js';
import { FailureTypes } from '../../shared/failure-types.js';
import { writeFileDurably } from '../../stores/durable-file.js';
import { OwnershipMarkers } from '../../stores/ownership-markers.js';
import { packDirectory, unpackInto } from './snapshot-pack.js';

export interface SnapshotStoreOptions {
  /** Seals snapshots at rest. @default none (env `KEEL_ENCRYPTION_KEYS`) */
  keys?: EncryptionKeyRing;
  /** Snapshots kept per session, the latest turns. @default 5 (env `KEEL_SANDBOX_SNAPSHOT_KEEP`) */
  keep?: number;
}

const idPattern = /^[A-Za-z0-9._-]+$/;
const label = (snapshotId: string): string => `snapshot:${snapshotId}`;

export class SnapshotStore {
  readonly #markers: OwnershipMarkers;
  readonly #keys: EncryptionKeyRing | undefined;
  readonly keep: number;

  constructor(
    readonly directory: string,
    options: SnapshotStoreOptions = {},
  ) {
    this.#markers = new OwnershipMarkers(join(directory, 'owners'));
    this.#keys = options.keys;
    this.keep = options.keep ?? 5;
  }

  #path(snapshotId: string): string {
    if (!idPattern.test(snapshotId) || snapshotId.startsWith('.')) {
      throw new SandboxError(`invalid snapshot id "${snapshotId}"`, { retryable: false, failureType: FailureTypes.SandboxBadRequest });
    }
    return join(this.directory, `${snapshotId}.pack`);
  }

  /** Packs `workspace` as `snapshotId`, owned by `owner` (replacing an older copy), then prunes the owner's oldest. */
  async save(owner: string, snapshotId: string, workspace: string): Promise<void> {
    const path = this.#path(snapshotId);
    const pack = await packDirectory(workspace);
    await this.#markers.claim(owner, snapshotId);
    await writeFileDurably(path, this.#keys ? sealBytes(this.#keys, pack, label(snapshotId)) : pack);
    await this.prune(owner);
  }

  /**
   * Replaces the folder `target` with the snapshot's files (nothing is touched when the session may not read it).
   * @throws SandboxError `Store.Forbidden` (not retryable) when `owner` may not read it, whether it exists or not;
   * `Sandbox.NotFound` when it is owned but gone (pruned or purged).
   */
  async restore(owner: string, snapshotId: string, target: string): Promise<void> {
    const path = this.#path(snapshotId);
    if (!(await this.#markers.owns(owner, snapshotId))) {
      throw new SandboxError(`sandbox snapshot "${snapshotId}" is not one of session ${owner} (a session starts only from its own snapshots, or from its source's once forked)`, {
        retryable: false,
        failureType: FailureTypes.StoreForbidden,
      });
    }
    const stored = await readFile(path).catch(() => undefined);
    if (!stored) {
      throw new SandboxError(`no sandbox snapshot "${snapshotId}" on this worker (pruned, purged, or taken on another machine)`, {
        retryable: false,
        failureType: FailureTypes.SandboxNotFound,
      });
    }
    if (isSealed(stored) && !this.#keys) {
      throw new SandboxError(`sandbox snapshot "${snapshotId}" is sealed and KEEL_ENCRYPTION_KEYS is not set`, { retryable: false, failureType: FailureTypes.StoreCorrupt });
    }
    try {
      await rm(target, { recursive: true, force: true });
      await mkdir(target, { recursive: true });
      await unpackInto(isSealed(stored) ? openSealedBytes(this.#keys!, stored, label(snapshotId)) : stored, target);
    } catch (error) {
      throw new SandboxError(`sandbox snapshot "${snapshotId}" cannot be restored: ${(error as Error).message}`, { retryable: false, failureType: FailureTypes.StoreCorrupt }, { cause: error });
    }
  }

  /** Keeps the owner's `keep` latest snapshots of each sandbox (by the turn in their id), releasing the rest. */
  async prune(owner: string): Promise<void> {
    const turns = new Map<string, { id: string; turn: number }[]>();
    for (const id of await this.#markers.itemsOf(owner)) {
      const match = /^(.*)-turn-(\d+)$/.exec(id);
      if (!match) continue;
      const list = turns.get(match[1]!) ?? [];
      list.push({ id, turn: Number(match[2]) });
      turns.set(match[1]!, list);
    }
    for (const list of turns.values()) {
      const old = list.sort((a, b) => b.turn - a.turn).slice(this.keep);
      for (const { id } of old) if (await this.#markers.release(owner, id)) await unlink(this.#path(id)).catch(() => undefined);
    }
  }

  /** Gives `to` every snapshot `from` may read (a fork and its source). @returns how many. */
  async grant(from: string, to: string): Promise<number> {
    const ids = await this.#markers.itemsOf(from);
    for (const id of ids) await this.#markers.claim(to, id);
    return ids.length;
  }

  /** Releases every snapshot of `owner`, deleting those no other session owns. @returns how many were deleted. */
  async purge(owner: string): Promise<number> {
    let deleted = 0;
    for (const id of await this.#markers.itemsOf(owner)) {
      if (!(await this.#markers.release(owner, id))) continue;
      await unlink(this.#path(id)).catch(() => undefined);
      deleted += 1;
    }
    await this.#markers.forget(owner);
    return deleted;
  }

  /** Every session that owns a snapshot. */
  owners(): Promise<string[]> {
    return this.#markers.owners();
  }
}
