/**
 * Over 300 lines on purpose: one SandboxProvider; most of it is `runCommand`, whose steps (cgroup, uid, quota,
 * network, output capture) must be read in order.
 *
 * The local sandbox, Keel's embedded default: a working directory per session under the worker's data folder,
 * commands run in bubblewrap with rlimits and (where the host offers them) cgroup limits, file tools confined to
 * the directory. The directory is keyed by session id, so a worker that picks up a session after another died
 * sees the same files. Worker-side, Linux.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, lchown, lstat, mkdir, readFile, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SandboxError, ToolError } from '../../errors.js';
import { FailureTypes } from '../../shared/failure-types.js';
import type { CommandResult, FileEntry, RunCommandOptions, SandboxCreateOptions, SandboxProvider, SandboxRef } from '../sandbox-provider.js';
import { bubblewrapArguments, cgroupLauncherArguments, limitedBashArguments, runAsArguments, sandboxEnvironment, type HostIdentity } from './bubblewrap-command.js';
import { ConfinedDirectory } from './confined-directory.js';
import { DiskQuota, diskUsageBytes } from './disk-quota.js';
import type { LocalSandboxHost } from './local-sandbox-host.js';
import { openOutboundLink, type OutboundLink } from './outbound-network.js';
import { runProcess } from './run-process.js';
import { SnapshotStore, type SnapshotStoreOptions } from './snapshot-store.js';
import { claimSessionUid, releaseSessionUid } from './session-uids.js';

/** Where the session directory appears to commands, and the prefix file tools accept for absolute paths. */
export const workspacePath = '/workspace';

/** A directory name for a session id: readable, and unique through a hash of the whole id. */
export function sessionKey(sessionId: string): string {
  const slug = sessionId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 48);
  const hash = createHash('sha256').update(sessionId).digest('hex').slice(0, 12);
  return `${slug}-${hash}`;
}

/** What is kept beside a session directory (outside it, so commands cannot change it). */
interface SandboxRecord {
  sessionId: string;
  network: boolean;
  /** The session's own host uid (and gid), when the worker runs as root. */
  uid?: number;
}

function identityOf(record: SandboxRecord): HostIdentity | undefined {
  return record.uid === undefined ? undefined : { uid: record.uid, gid: record.uid };
}

/** Gives every file under `directory` (itself included, symbolic links themselves) to `identity`. */
async function chownTree(directory: string, identity: HostIdentity): Promise<void> {
  await lchown(directory, identity.uid, identity.gid);
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) await chownTree(path, identity);
    else await lchown(path, identity.uid, identity.gid);
  }
}

export class LocalSandboxProvider implements SandboxProvider {
  readonly name = 'local' as const;
  /** Turn-boundary snapshots: packed, sealed when encryption is on, owned by the sessions that may read them. */
  readonly snapshots: SnapshotStore;

  readonly #quota: DiskQuota;

  constructor(
    readonly host: LocalSandboxHost,
    snapshotOptions: SnapshotStoreOptions = {},
  ) {
    this.snapshots = new SnapshotStore(join(dirname(host.sessionsDirectory), 'snapshots'), snapshotOptions);
    this.#quota = new DiskQuota(host.options.diskQuotaMb);
  }

  /** Whether commands may run: bubblewrap works, or the unsafe opt-out is set. */
  get available(): boolean {
    return this.host.isolation === 'bubblewrap' || this.host.options.unsafeUnsandboxed;
  }

  #paths(key: string) {
    const base = join(this.host.sessionsDirectory, key);
    return { base, workspace: join(base, 'workspace'), record: join(base, 'sandbox.json') };
  }

  async create(sessionId: string, options: SandboxCreateOptions): Promise<SandboxRef> {
    const key = sessionKey(sessionId);
    const paths = this.#paths(key);
    if (options.fromSnapshot !== undefined) {
      // A retried create unpacks again in place of what an interrupted one left: the snapshot is the truth. Only a
      // snapshot the session owns (its own, or its source's once a fork was granted) is read, whatever its id says.
      await this.snapshots.restore(sessionId, options.fromSnapshot, paths.workspace);
    }
    await mkdir(paths.workspace, { recursive: true });
    const uids = this.host.sessionUids;
    const uid = uids ? await claimSessionUid(uids.claimsDirectory, key, uids.range) : undefined;
    const record: SandboxRecord = { sessionId, network: options.network ?? false, ...(uid === undefined ? {} : { uid }) };
    const identity = identityOf(record);
    if (identity) {
      // The session's files are its uid's alone; the folder above is passed through only. The tree is walked only
      // when it is new or copied from a snapshot, never while the session's commands could be swapping links in.
      if (options.fromSnapshot !== undefined || (await lstat(paths.workspace)).uid !== identity.uid) await chownTree(paths.workspace, identity);
      await chmod(paths.workspace, 0o700);
      await chmod(paths.base, 0o711);
    }
    await writeFile(paths.record, `${JSON.stringify(record)}\n`);
    return { provider: 'local', id: key, sessionId };
  }

  async #attach(ref: SandboxRef): Promise<{ workspace: string; record: SandboxRecord }> {
    if (ref.provider !== 'local' || ref.id !== sessionKey(ref.sessionId)) {
      throw new SandboxError(`not a local sandbox of session ${ref.sessionId}: ${ref.id}`, { retryable: false, failureType: FailureTypes.SandboxNotFound });
    }
    const paths = this.#paths(ref.id);
    let record: SandboxRecord;
    try {
      record = JSON.parse(await readFile(paths.record, 'utf8')) as SandboxRecord;
    } catch {
      throw new SandboxError(`the local sandbox of session ${ref.sessionId} does not exist (removed, or on another machine's data folder)`, {
        retryable: false,
        failureType: FailureTypes.SandboxNotFound,
      });
    }
    if (record.sessionId !== ref.sessionId) {
      throw new SandboxError(`the local sandbox ${ref.id} belongs to another session`, { retryable: false, failureType: FailureTypes.SandboxNotFound });
    }
    return { workspace: paths.workspace, record };
  }

  #directory(workspace: string, record: SandboxRecord): ConfinedDirectory {
    const owner = identityOf(record);
    return new ConfinedDirectory(workspace, { visiblePath: workspacePath, ...(owner ? { owner } : {}) });
  }

  async runCommand(ref: SandboxRef, command: string, options: RunCommandOptions): Promise<CommandResult> {
    if (!this.available) {
      throw new SandboxError(`the local sandbox cannot run commands on this worker: ${this.host.bubblewrapProblem}`, {
        retryable: false,
        failureType: FailureTypes.SandboxUnavailable,
      });
    }
    const { workspace, record } = await this.#attach(ref);
    const directory = this.#directory(workspace, record);
    const cwd = options.cwd ? directory.relativePath(options.cwd) : '';
    if (cwd) {
      const real = await realpath(join(workspace, cwd)).catch(() => undefined);
      const root = await realpath(workspace);
      if (!real || (real !== root && !real.startsWith(`${root}/`))) throw new ToolError(`no such directory in the session: ${options.cwd}`);
    }
    const { options: settings, cgroups } = this.host;
    if (record.network && this.host.isolation === 'bubblewrap' && this.host.outboundNetworkProblem) {
      throw new ToolError(`this session allows network, but this worker cannot give commands network: ${this.host.outboundNetworkProblem}`);
    }
    const identity = identityOf(record);
    // No file may grow past what is left of the quota; with nothing left, no file may grow at all.
    const remainingBytes = await this.#quota.remaining(workspace);
    const rlimits = {
      fileSizeBytes: Math.max(0, Math.min(settings.maxFileMb * 1024 * 1024, remainingBytes)),
      openFiles: settings.maxOpenFiles,
      cpuSeconds: settings.cpuSeconds,
      // Where the cgroup's pids controller holds the session's process limit, RLIMIT_NPROC stands a step behind it as
      // a backstop: the cgroup counts each refused fork (reported to the model below), RLIMIT_NPROC counts nothing,
      // and with both at the same number which one refuses first is a race the load on the host decides. Without
      // the controller, RLIMIT_NPROC alone is the limit.
      processes: cgroups.limitsProcesses ? settings.maxProcesses * 2 : settings.maxProcesses,
    };
    const commandId = `command-${randomBytes(6).toString('hex')}`;
    const cgroup = await cgroups.createCommandCgroup(ref.id, commandId).catch((error: Error) => {
      throw new SandboxError(`cannot create the command's cgroup: ${error.message}`, { retryable: true, failureType: FailureTypes.SandboxFailed }, { cause: error });
    });
    let link: OutboundLink | undefined;
    // The caller's cancellation, or a stop for going over the disk quota.
    const quotaStop = new AbortController();
    let quotaUsage: number | undefined;
    const onAbort = () => quotaStop.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    const stopWatching = this.#quota.watch(workspace, (usage) => {
      quotaUsage = usage;
      quotaStop.abort();
    });
    try {
      let argv: string[];
      let environment: Record<string, string>;
      let processCwd: string | undefined;
      if (this.host.isolation === 'bubblewrap') {
        if (record.network) {
          link = await openOutboundLink(identity ? { identity } : {}).catch((error: Error) => {
            throw new SandboxError(`cannot set up the command's network: ${error.message}`, { retryable: true, failureType: FailureTypes.SandboxFailed }, { cause: error });
          });
        }
        argv = [
          ...(link?.enterArguments ?? []),
          this.host.bubblewrapPath,
          ...bubblewrapArguments({
            workspace,
            visiblePath: workspacePath,
            ...(cwd ? { cwd } : {}),
            network: record.network,
            environment: sandboxEnvironment(workspacePath, options.env),
            systemPaths: this.host.systemPaths,
            identityFiles: this.host.identityFiles,
            userNamespace: this.host.userNamespace,
            tmpBytes: settings.tmpMb * 1024 * 1024,
            shmBytes: settings.shmMb * 1024 * 1024,
            disableNestedUserNamespaces: this.host.disableNestedUserNamespaces,
            rlimits,
            command,
          }),
        ];
        // bubblewrap starts from a clean environment (--clearenv); it only needs to find itself.
        environment = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
      } else {
        argv = limitedBashArguments(rlimits, command);
        environment = sandboxEnvironment(workspace, options.env);
        processCwd = join(workspace, cwd);
      }
      // Never as root: the session's own uid (the worker's own where the worker is not root).
      if (identity) argv = runAsArguments(identity, argv);
      if (cgroup) argv = cgroupLauncherArguments(cgroup.procsFiles, argv);
      const result = await runProcess({
        argv,
        environment,
        ...(processCwd ? { cwd: processCwd } : {}),
        timeoutMs: options.timeoutMs,
        maxOutputBytes: options.maxOutputBytes,
        ...(options.onOutput ? { onOutput: options.onOutput } : {}),
        signal: quotaStop.signal,
        ...(cgroup ? { killTree: () => cgroup.killAll() } : {}),
      });
      const usage = quotaUsage ?? (await diskUsageBytes(workspace));
      const stoppedForQuota = quotaUsage !== undefined && !options.signal?.aborted;
      const events = cgroup ? await cgroup.events() : { oomKills: 0, processLimitHits: 0 };
      // At the quota: the file-size limit was the quota's, and a write ran into it or nearly nothing is left.
      const quotaBound = rlimits.fileSizeBytes < settings.maxFileMb * 1024 * 1024;
      const atQuota = quotaBound && (/File size limit exceeded/.test(result.stderr) || usage >= this.#quota.bytes * 0.99);
      const notes = [
        usage > this.#quota.bytes || atQuota ? this.#quota.note(usage, stoppedForQuota) : '',
        events.oomKills > 0 ? `[keel: the session's memory limit (${settings.memoryMb} MiB) was reached; ${events.oomKills} process(es) killed]` : '',
        events.processLimitHits > 0 ? `[keel: the session's process limit (${settings.maxProcesses}) was reached; ${events.processLimitHits} fork(s) refused]` : '',
      ].filter(Boolean);
      if (notes.length === 0) return result;
      // A stop for the quota is not the caller's cancellation.
      const stderr = stoppedForQuota ? result.stderr.replace(/\n?\[cancelled\]$/, '') : result.stderr;
      const separator = stderr && !stderr.endsWith('\n') ? '\n' : '';
      const limitsReached = [...(events.oomKills > 0 ? ['memory' as const] : []), ...(events.processLimitHits > 0 ? ['processes' as const] : [])];
      return { ...result, stderr: `${stderr}${separator}${notes.join('\n')}`, ...(limitsReached.length > 0 ? { limitsReached } : {}) };
    } finally {
      stopWatching();
      options.signal?.removeEventListener('abort', onAbort);
      link?.close();
      await cgroup?.remove().catch(() => undefined);
    }
  }

  async readFile(ref: SandboxRef, path: string): Promise<Uint8Array> {
    const { workspace, record } = await this.#attach(ref);
    return this.#directory(workspace, record).readFile(path);
  }

  /** @throws ToolError also when the write would take the session directory over its disk quota. */
  async writeFile(ref: SandboxRef, path: string, data: Uint8Array): Promise<number> {
    const { workspace, record } = await this.#attach(ref);
    const refusal = this.#quota.refusal(await diskUsageBytes(workspace), data.byteLength);
    if (refusal) throw new ToolError(refusal);
    return this.#directory(workspace, record).writeFile(path, data);
  }

  async listFiles(ref: SandboxRef, path?: string): Promise<FileEntry[]> {
    const { workspace, record } = await this.#attach(ref);
    return this.#directory(workspace, record).list(path ?? '');
  }

  /**
   * Packs the session's files (symlinks as links, never followed) as the snapshot, replacing an older copy, owned by
   * the session; its snapshots beyond the last `keep` are pruned.
   */
  async snapshot(ref: SandboxRef, snapshotId: string): Promise<{ skipped?: string }> {
    const { workspace } = await this.#attach(ref);
    const limitMb = this.host.options.snapshotMaxMb;
    if (limitMb === 0) return { skipped: 'snapshots are off (snapshotMaxMb 0)' };
    const bytes = await directoryBytes(workspace, limitMb * 1024 * 1024);
    if (bytes > limitMb * 1024 * 1024) return { skipped: `the session's files are over the ${limitMb} MiB snapshot limit` };
    await this.snapshots.save(ref.sessionId, snapshotId, workspace);
    return {};
  }

  /** Gives the session `to` read access to every snapshot of `from` (a fork). @returns how many. */
  grantSnapshots(from: string, to: string): Promise<number> {
    return this.snapshots.grant(from, to);
  }


  /** The directory lives until the session ends: nothing to extend. */
  async keepAlive(): Promise<void> {}

  async destroy(ref: SandboxRef): Promise<void> {
    const key = sessionKey(ref.sessionId);
    await this.host.cgroups.removeSession(key);
    const record = await readFile(this.#paths(key).record, 'utf8').then((text) => JSON.parse(text) as SandboxRecord, () => undefined);
    await removeSessionDirectory(this.host.sessionsDirectory, ref.sessionId);
    const uids = this.host.sessionUids;
    if (uids && record?.uid !== undefined) await releaseSessionUid(uids.claimsDirectory, key, record.uid);
  }

  /** The host path of a session's directory (for operators and tests). */
  workspaceOf(sessionId: string): string {
    return this.#paths(sessionKey(sessionId)).workspace;
  }

  /** Whether a session's directory exists. */
  exists(sessionId: string): boolean {
    return existsSync(this.#paths(sessionKey(sessionId)).base);
  }
}

/** Removes a session's directory under `sessionsDirectory` (`<data>/sandboxes`), if any. */
export async function removeSessionDirectory(sessionsDirectory: string, sessionId: string): Promise<void> {
  const base = join(sessionsDirectory, sessionKey(sessionId));
  try {
    await rm(base, { recursive: true, force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EACCES') throw error;
    // A command may have taken its own write permission away from directories; give it back, then remove.
    await restoreWritePermission(base);
    await rm(base, { recursive: true, force: true });
  }
}

/** Bytes of regular files under `directory` (symlinks not followed), counting stops once past `stopAfter`. */
async function directoryBytes(directory: string, stopAfter: number): Promise<number> {
  let total = 0;
  const pending = [directory];
  while (pending.length > 0 && total <= stopAfter) {
    const current = pending.pop()!;
    for (const entry of await readdir(current, { withFileTypes: true }).catch(() => [])) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) total += (await lstat(path).catch(() => undefined))?.size ?? 0;
    }
  }
  return total;
}

async function restoreWritePermission(directory: string): Promise<void> {
  await chmod(directory, 0o700).catch(() => undefined);
  const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) if (entry.isDirectory()) await restoreWritePermission(join(directory, entry.name));
}
