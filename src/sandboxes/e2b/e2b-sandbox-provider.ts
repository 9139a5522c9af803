/**
 * Over 300 lines on purpose: one SandboxProvider against one SDK, each method its SDK call plus its error mapping.
 *
 * The E2B sandbox provider: sessions' sandboxes as E2B cloud sandboxes, through the real `e2b` SDK. Worker-side.
 *
 * A workflow keeps only the {@link SandboxRef} (the E2B sandbox id); every call re-attaches with
 * `Sandbox.connect`, which hands this worker the sandbox's access token, so a new worker carries on with the same
 * sandbox and no token or key ever enters workflow history. Each sandbox is tagged with its session id
 * (`keelSessionId` metadata), which makes create idempotent: a retried create finds the sandbox an earlier attempt
 * made (even one whose answer was lost) instead of leaking a second one. Errors become {@link SandboxError}s with a
 * failure type and a retryable flag (see `map-e2b-error.ts`); a tool's own mistakes (a path outside the session
 * directory, a missing file) become {@link ToolError}s for the model.
 *
 * The SDK's own retries are turned off (`retries: 0`): Temporal's retry policy is the only retry loop.
 */
import { E2B, type EntryInfo, type Sandbox, type SandboxInfo } from 'e2b';
import { LRUCache } from 'lru-cache';
import { SandboxError, ToolError } from '../../errors.js';
import { FailureTypes } from '../../shared/failure-types.js';
import type {
  CommandResult,
  FileEntry,
  RunCommandOptions,
  SandboxCreateOptions,
  SandboxProvider,
  SandboxRef,
} from '../sandbox-provider.js';
import { CappedOutput } from './capped-output.js';
import { mapE2BError } from './map-e2b-error.js';
import { resolveSessionPath } from './resolve-session-path.js';

/** The metadata key that tags a sandbox with the session it belongs to. */
export const e2bSessionMetadataKey = 'keelSessionId';

export interface E2BSandboxProviderOptions {
  /** E2B API key. Lives on the worker only: never in session input, workflow history or logs. @default env `E2B_API_KEY` */
  apiKey?: string;
  /** Control-plane base URL. @default env `E2B_API_URL`, else the SDK's `https://api.<domain>` */
  apiUrl?: string;
  /**
   * One envd base URL for every sandbox (a proxy, or a local stand-in); requests name their sandbox in the
   * `E2b-Sandbox-Id` header. @default env `E2B_SANDBOX_URL`, else the SDK's per-sandbox hosts under `domain`
   */
  sandboxUrl?: string;
  /** @default env `E2B_DOMAIN`, else the SDK's `e2b.app` */
  domain?: string;
  /** Template for sessions that name none. @default `base` */
  defaultTemplate?: string;
  /** How long a sandbox lives without a keep-alive when the session names no timeout, seconds. @default 300 */
  defaultTimeoutSeconds?: number;
  /** Limit on each control-plane call, file transfer and command start, ms. Commands run under their own limit. @default 30000 */
  requestTimeoutMs?: number;
  /** The session's working directory in the sandbox; tool paths are confined to it. @default `/home/user/workspace` */
  workingDirectory?: string;
  /** How many directory levels `listFiles` descends. @default 1 */
  listDepth?: number;
  /** Where unset options are read from. @default `process.env` */
  env?: Record<string, string | undefined>;
}

/**
 * Time the server-side deadline of a command is given beyond the command's own limit, ms. The provider stops a
 * command itself when its limit passes; envd's deadline is the backstop that kills it if this worker is gone.
 */
const serverDeadlineGraceMs = 5_000;

export class E2BSandboxProvider implements SandboxProvider {
  readonly name = 'e2b' as const;
  private readonly apiKey: string | undefined;
  private readonly client: E2B;
  private readonly defaultTemplate: string;
  private readonly defaultTimeoutSeconds: number;
  private readonly requestTimeoutMs: number;
  private readonly workingDirectory: string;
  private readonly listDepth: number;

  constructor(options: E2BSandboxProviderOptions = {}) {
    const env = options.env ?? process.env;
    this.apiKey = options.apiKey ?? env.E2B_API_KEY;
    this.defaultTemplate = options.defaultTemplate ?? 'base';
    this.defaultTimeoutSeconds = options.defaultTimeoutSeconds ?? 300;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.workingDirectory = options.workingDirectory ?? '/home/user/workspace';
    this.listDepth = options.listDepth ?? 1;
    const apiUrl = options.apiUrl ?? env.E2B_API_URL;
    const sandboxUrl = options.sandboxUrl ?? env.E2B_SANDBOX_URL;
    const domain = options.domain ?? env.E2B_DOMAIN;
    this.client = new E2B({
      ...(this.apiKey ? { apiKey: this.apiKey } : {}),
      ...(apiUrl ? { apiUrl } : {}),
      ...(sandboxUrl ? { sandboxUrl } : {}),
      ...(domain ? { domain } : {}),
      requestTimeoutMs: this.requestTimeoutMs,
      retries: 0,
      // The SDK's debug mode fakes create and kill; a provider must never run in it, whatever E2B_DEBUG says.
      debug: false,
    });
  }

  /**
   * Returns the session's running (or paused) sandbox when one exists, else creates one tagged with the session id.
   * When racing attempts each created one, all converge on the oldest and kill the others.
   */
  async create(sessionId: string, options: SandboxCreateOptions): Promise<SandboxRef> {
    this.requireApiKey();
    const timeoutMs = (options.timeoutSeconds ?? this.defaultTimeoutSeconds) * 1000;
    try {
      let sandbox = await this.reconnectToSession(sessionId, timeoutMs);
      if (!sandbox) {
        const created = await this.client.Sandbox.create(options.template ?? this.defaultTemplate, {
          metadata: { [e2bSessionMetadataKey]: sessionId },
          timeoutMs,
          allowInternetAccess: options.network ?? false,
        }).catch((error: unknown) => {
          throw mapE2BError(error, `create a sandbox for session ${sessionId}`, { notFoundType: FailureTypes.SandboxTemplateNotFound });
        });
        sandbox = await this.convergeOnOldest(sessionId, created, timeoutMs);
      }
      await sandbox.files.makeDir(this.workingDirectory, { requestTimeoutMs: this.requestTimeoutMs });
      return { provider: 'e2b', id: sandbox.sandboxId, sessionId };
    } catch (error) {
      throw mapE2BError(error, `create a sandbox for session ${sessionId}`);
    }
  }

  /**
   * Runs `command` with bash in the sandbox (`commands.run`), from the session directory or `cwd` under it. A
   * non-zero exit is a result; past `timeoutMs` the command is killed and the result says `timedOut`; an aborted
   * `signal` kills it and rejects with the signal's reason.
   * @throws ToolError when `cwd` leaves the session directory or the command cannot start there.
   * @throws SandboxError when the sandbox is gone (`Sandbox.NotFound`) or unreachable (retryable).
   */
  async runCommand(ref: SandboxRef, command: string, options: RunCommandOptions): Promise<CommandResult> {
    const cwd = resolveSessionPath(this.workingDirectory, options.cwd ?? '.');
    const sandbox = await this.attach(ref);
    const stdout = new CappedOutput(options.maxOutputBytes);
    const stderr = new CappedOutput(options.maxOutputBytes);
    const stop = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stop.abort(new Error(`command timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    const forwardAbort = () => stop.abort(options.signal?.reason);
    if (options.signal?.aborted) forwardAbort();
    else options.signal?.addEventListener('abort', forwardAbort, { once: true });
    const started = performance.now();
    let pid: number | undefined;
    let exitCode: number | null = null;
    try {
      // In the background, so the pid is known for a kill when the limit passes; `wait()` then gives the result.
      const handle = await sandbox.commands.run(command, {
        background: true,
        cwd,
        ...(options.env ? { envs: options.env } : {}),
        timeoutMs: options.timeoutMs + serverDeadlineGraceMs,
        requestTimeoutMs: this.requestTimeoutMs,
        signal: stop.signal,
        onStdout: (text) => {
          stdout.append(text);
          options.onOutput?.(Buffer.byteLength(text));
        },
        onStderr: (text) => {
          stderr.append(text);
          options.onOutput?.(Buffer.byteLength(text));
        },
      });
      pid = handle.pid;
      exitCode = (await handle.wait()).exitCode;
    } catch (error) {
      if (!timedOut && !options.signal?.aborted) {
        if (isNamed(error, 'CommandExitError')) {
          exitCode = (error as { exitCode: number }).exitCode;
        } else if (isNamed(error, 'InvalidArgumentError')) {
          // envd could not start it (a missing working directory): the model's to fix.
          throw new ToolError(`command could not start: ${(error as Error).message}`, { cause: error });
        } else {
          throw mapE2BError(error, `run a command in sandbox ${ref.id}`);
        }
      }
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', forwardAbort);
    }
    if (timedOut || options.signal?.aborted) {
      // The stream was cut, not the command: stop it (and envd's deadline backs this up if this call fails).
      if (pid !== undefined) await sandbox.commands.kill(pid, { requestTimeoutMs: this.requestTimeoutMs }).catch(() => false);
      if (!timedOut) throw options.signal?.reason ?? new Error('command aborted');
    }
    return {
      exitCode: timedOut ? null : exitCode,
      stdout: stdout.text,
      stderr: stderr.text,
      truncatedStdoutBytes: stdout.truncatedBytes,
      truncatedStderrBytes: stderr.truncatedBytes,
      timedOut,
      durationMs: Math.round(performance.now() - started),
    };
  }

  /** @throws ToolError when the path leaves the session directory, does not exist or is a directory. */
  async readFile(ref: SandboxRef, path: string): Promise<Uint8Array> {
    const target = resolveSessionPath(this.workingDirectory, path);
    const sandbox = await this.attach(ref);
    try {
      return await sandbox.files.read(target, { format: 'bytes', requestTimeoutMs: this.requestTimeoutMs });
    } catch (error) {
      throw toolOrSandboxError(error, path, `read ${path} in sandbox ${ref.id}`);
    }
  }

  /** Creates missing parent directories. @throws ToolError when the path leaves the session directory or is a directory. */
  async writeFile(ref: SandboxRef, path: string, data: Uint8Array): Promise<number> {
    const target = resolveSessionPath(this.workingDirectory, path);
    const sandbox = await this.attach(ref);
    try {
      await sandbox.files.write(target, new Blob([data]), { requestTimeoutMs: this.requestTimeoutMs });
      return data.byteLength;
    } catch (error) {
      throw toolOrSandboxError(error, path, `write ${path} in sandbox ${ref.id}`);
    }
  }

  /**
   * Entries under `path` (default: the session directory), `listDepth` levels deep, named relative to `path`.
   * @throws ToolError when the path leaves the session directory, does not exist or is not a directory.
   */
  async listFiles(ref: SandboxRef, path = '.'): Promise<FileEntry[]> {
    const directory = resolveSessionPath(this.workingDirectory, path);
    const sandbox = await this.attach(ref);
    let entries: EntryInfo[];
    try {
      entries = await sandbox.files.list(directory, { depth: this.listDepth, requestTimeoutMs: this.requestTimeoutMs });
    } catch (error) {
      throw toolOrSandboxError(error, path, `list ${path} in sandbox ${ref.id}`);
    }
    return entries.map((entry) => ({
      name: relativeTo(directory, entry.path),
      type: entry.type === 'dir' ? 'directory' : entry.type === 'file' ? 'file' : 'other',
      size: entry.size,
    }));
  }

  /** Sets the sandbox to live `timeoutSeconds` from now (E2B's set-timeout, which can also shorten it). */
  async keepAlive(ref: SandboxRef, timeoutSeconds: number): Promise<void> {
    this.requireRef(ref);
    this.requireApiKey();
    await this.requireTaggedWith(ref);
    try {
      await this.client.Sandbox.setTimeout(ref.id, timeoutSeconds * 1000, { requestTimeoutMs: this.requestTimeoutMs });
    } catch (error) {
      throw mapE2BError(error, `extend the life of sandbox ${ref.id}`);
    }
  }

  /** Kills the sandbox, and any other sandbox tagged with the same session; one already gone is no error. */
  async destroy(ref: SandboxRef): Promise<void> {
    this.requireRef(ref);
    this.requireApiKey();
    // One already gone is no error: only a sandbox that exists and is another session's is refused.
    const exists = await this.requireTaggedWith(ref);
    try {
      if (exists) await this.client.Sandbox.kill(ref.id, { requestTimeoutMs: this.requestTimeoutMs });
      for (const other of await this.listSessionSandboxes(ref.sessionId)) {
        await this.client.Sandbox.kill(other.sandboxId, { requestTimeoutMs: this.requestTimeoutMs });
      }
    } catch (error) {
      throw mapE2BError(error, `kill sandbox ${ref.id}`);
    }
  }

  /** Sandboxes seen tagged with a session: the tag never changes, so each is asked about once per worker (while kept). */
  private readonly sessionOfSandbox = new LRUCache<string, string>({ max: 10_000 });

  /** The session a sandbox is tagged with (`''` for none), or undefined when it no longer exists. */
  private async sandboxSession(sandboxId: string): Promise<string | undefined> {
    const known = this.sessionOfSandbox.get(sandboxId);
    if (known !== undefined) return known;
    let info: SandboxInfo;
    try {
      info = await this.client.Sandbox.getInfo(sandboxId, { requestTimeoutMs: this.requestTimeoutMs });
    } catch (error) {
      if (isNamed(error, 'SandboxNotFoundError') || isNamed(error, 'NotFoundError')) return undefined;
      throw mapE2BError(error, `look up sandbox ${sandboxId}`);
    }
    const session = info.metadata?.[e2bSessionMetadataKey] ?? '';
    this.sessionOfSandbox.set(sandboxId, session);
    return session;
  }

  /**
   * Refuses a sandbox tagged with another session than `ref.sessionId` (a reference forged, or carried over from
   * another session). Resolves with whether the sandbox still exists. @throws SandboxError (Sandbox.NotFound)
   */
  private async requireTaggedWith(ref: SandboxRef): Promise<boolean> {
    const session = await this.sandboxSession(ref.id);
    if (session !== undefined && session !== ref.sessionId) {
      throw new SandboxError(`E2B: sandbox ${ref.id} is not a sandbox of session ${ref.sessionId}`, { retryable: false, failureType: FailureTypes.SandboxNotFound });
    }
    return session !== undefined;
  }

  private async attach(ref: SandboxRef): Promise<Sandbox> {
    this.requireRef(ref);
    this.requireApiKey();
    await this.requireTaggedWith(ref);
    try {
      return await this.client.Sandbox.connect(ref.id, { requestTimeoutMs: this.requestTimeoutMs });
    } catch (error) {
      if (isNamed(error, 'SandboxNotFoundError')) {
        throw new SandboxError(`E2B: sandbox ${ref.id} no longer exists (it expired or was killed)`, {
          retryable: false,
          failureType: FailureTypes.SandboxNotFound,
        }, { cause: error });
      }
      throw mapE2BError(error, `connect to sandbox ${ref.id}`);
    }
  }

  /** The session's oldest sandbox, connected (and its life extended to `timeoutMs`), or undefined when none is left. */
  private async reconnectToSession(sessionId: string, timeoutMs: number): Promise<Sandbox | undefined> {
    for (const info of await this.listSessionSandboxes(sessionId)) {
      try {
        return await this.client.Sandbox.connect(info.sandboxId, { timeoutMs, requestTimeoutMs: this.requestTimeoutMs });
      } catch (error) {
        // It ended between the list and the connect: try the next, or create afresh.
        if (!isNamed(error, 'SandboxNotFoundError')) throw error;
      }
    }
    return undefined;
  }

  /**
   * After a create, the session's sandboxes are listed again: when racing attempts (an attempt Temporal gave up on
   * that still ran) created more than one, every attempt keeps the oldest and kills the rest, so they agree.
   */
  private async convergeOnOldest(sessionId: string, created: Sandbox, timeoutMs: number): Promise<Sandbox> {
    const all = await this.listSessionSandboxes(sessionId);
    for (const other of all.slice(1)) await this.client.Sandbox.kill(other.sandboxId, { requestTimeoutMs: this.requestTimeoutMs });
    const oldest = all[0];
    if (!oldest || oldest.sandboxId === created.sandboxId) return created;
    return this.client.Sandbox.connect(oldest.sandboxId, { timeoutMs, requestTimeoutMs: this.requestTimeoutMs });
  }

  /** Running and paused sandboxes tagged with the session, oldest first (ties broken by id, so every caller agrees). */
  private async listSessionSandboxes(sessionId: string): Promise<SandboxInfo[]> {
    const paginator = this.client.Sandbox.list({
      query: { metadata: { [e2bSessionMetadataKey]: sessionId }, state: ['running', 'paused'] },
      requestTimeoutMs: this.requestTimeoutMs,
    });
    const found: SandboxInfo[] = [];
    while (paginator.hasNext) found.push(...(await paginator.nextItems()));
    return found.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.sandboxId.localeCompare(b.sandboxId));
  }

  private requireApiKey(): void {
    if (!this.apiKey) {
      throw new SandboxError('E2B: no API key on this worker (set E2B_API_KEY)', { retryable: false, failureType: FailureTypes.SandboxAuth });
    }
  }

  private requireRef(ref: SandboxRef): void {
    if (ref.provider !== 'e2b') {
      throw new SandboxError(`E2B provider was handed a ${ref.provider} sandbox (${ref.id})`, {
        retryable: false,
        failureType: FailureTypes.SandboxBadRequest,
      });
    }
  }
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

/** A file the model named that is missing, or is the wrong kind, is its mistake; the rest is the sandbox's. */
function toolOrSandboxError(error: unknown, path: string, action: string): Error {
  if (isNamed(error, 'FileNotFoundError')) return new ToolError(`no such file or directory: ${path}`, { cause: error });
  if (isNamed(error, 'InvalidArgumentError')) return new ToolError(`cannot use ${path}: ${(error as Error).message}`, { cause: error });
  return mapE2BError(error, action);
}

function relativeTo(directory: string, path: string): string {
  const prefix = directory.endsWith('/') ? directory : `${directory}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}
