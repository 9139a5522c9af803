/**
 * The local sandbox, Keel's embedded default: a working directory per session under the worker's data folder,
 * commands run in bubblewrap with rlimits and (where the host offers them) cgroup limits, file tools confined to
 * the directory. The directory is keyed by session id, so a worker that picks up a session after another died
 * sees the same files. Worker-side, Linux.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readFile, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SandboxError, ToolError } from '../../errors.js';
import { FailureTypes } from '../../shared/failure-types.js';
import type { CommandResult, FileEntry, RunCommandOptions, SandboxCreateOptions, SandboxProvider, SandboxRef } from '../sandbox-provider.js';
import { bubblewrapArguments, cgroupLauncherArguments, limitedBashArguments, sandboxEnvironment } from './bubblewrap-command.js';
import { ConfinedDirectory } from './confined-directory.js';
import type { LocalSandboxHost } from './local-sandbox-host.js';
import { runProcess } from './run-process.js';
import { SnapshotStore, type SnapshotStoreOptions } from './snapshot-store.js';

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
}

export class LocalSandboxProvider implements SandboxProvider {
  readonly name = 'local' as const;
  /** Turn-boundary snapshots: packed, sealed when encryption is on, owned by the sessions that may read them. */
  readonly snapshots: SnapshotStore;

  constructor(
    readonly host: LocalSandboxHost,
    snapshotOptions: SnapshotStoreOptions = {},
  ) {
    this.snapshots = new SnapshotStore(join(dirname(host.sessionsDirectory), 'snapshots'), snapshotOptions);
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
    const record: SandboxRecord = { sessionId, network: options.network ?? false };
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
    return { workspace: paths.workspace, record };
  }

  #directory(workspace: string): ConfinedDirectory {
    return new ConfinedDirectory(workspace, { visiblePath: workspacePath });
  }

  async runCommand(ref: SandboxRef, command: string, options: RunCommandOptions): Promise<CommandResult> {
    if (!this.available) {
      throw new SandboxError(`the local sandbox cannot run commands on this worker: ${this.host.bubblewrapProblem}`, {
        retryable: false,
        failureType: FailureTypes.SandboxUnavailable,
      });
    }
    const { workspace, record } = await this.#attach(ref);
    const directory = this.#directory(workspace);
    const cwd = options.cwd ? directory.relativePath(options.cwd) : '';
    if (cwd) {
      const real = await realpath(join(workspace, cwd)).catch(() => undefined);
      const root = await realpath(workspace);
      if (!real || (real !== root && !real.startsWith(`${root}/`))) throw new ToolError(`no such directory in the session: ${options.cwd}`);
    }
    const { options: settings, cgroups } = this.host;
    const rlimits = { fileSizeBytes: settings.maxFileMb * 1024 * 1024, openFiles: settings.maxOpenFiles, cpuSeconds: settings.cpuSeconds };
    const commandId = `command-${randomBytes(6).toString('hex')}`;
    const cgroup = await cgroups.createCommandCgroup(ref.id, commandId).catch((error: Error) => {
      throw new SandboxError(`cannot create the command's cgroup: ${error.message}`, { retryable: true, failureType: FailureTypes.SandboxFailed }, { cause: error });
    });
    try {
      let argv: string[];
      let environment: Record<string, string>;
      let processCwd: string | undefined;
      if (this.host.isolation === 'bubblewrap') {
        argv = [
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
      if (cgroup) argv = cgroupLauncherArguments(cgroup.procsFiles, argv);
      const result = await runProcess({
        argv,
        environment,
        ...(processCwd ? { cwd: processCwd } : {}),
        timeoutMs: options.timeoutMs,
        maxOutputBytes: options.maxOutputBytes,
        ...(options.onOutput ? { onOutput: options.onOutput } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(cgroup ? { killTree: () => cgroup.killAll() } : {}),
      });
      if (!cgroup) return result;
      const events = await cgroup.events();
      const notes = [
        events.oomKills > 0 ? `[keel: the session's memory limit (${settings.memoryMb} MiB) was reached; ${events.oomKills} process(es) killed]` : '',
        events.processLimitHits > 0 ? `[keel: the session's process limit (${settings.maxProcesses}) was reached; ${events.processLimitHits} fork(s) refused]` : '',
      ].filter(Boolean);
      if (notes.length === 0) return result;
      const separator = result.stderr && !result.stderr.endsWith('\n') ? '\n' : '';
      const limitsReached = [...(events.oomKills > 0 ? ['memory' as const] : []), ...(events.processLimitHits > 0 ? ['processes' as const] : [])];
      return { ...result, stderr: `${result.stderr}${separator}${notes.join('\n')}`, limitsReached };
    } finally {
      await cgroup?.remove().catch(() => undefined);
    }
  }

  async readFile(ref: SandboxRef, path: string): Promise<Uint8Array> {
    const { workspace } = await this.#attach(ref);
    return this.#directory(workspace).readFile(path);
  }

  async writeFile(ref: SandboxRef, path: string, data: Uint8Array): Promise<number> {
    const { workspace } = await this.#attach(ref);
    return this.#directory(workspace).writeFile(path, data);
  }

  async listFiles(ref: SandboxRef, path?: string): Promise<FileEntry[]> {
    const { workspace } = await this.#attach(ref);
    return this.#directory(workspace).list(path ?? '');
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
    await removeSessionDirectory(this.host.sessionsDirectory, ref.sessionId);
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
