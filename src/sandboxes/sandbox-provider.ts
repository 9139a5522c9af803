/**
 * Where sandbox tools run. A provider keeps nothing a workflow needs in memory: the workflow stores only the
 * {@link SandboxRef}, and every activity re-attaches through it, so a session survives a worker that dies.
 * Worker-side. Every method is idempotent or safe to retry unless it says otherwise.
 */

/** What a workflow keeps of its sandbox: plain JSON. */
export interface SandboxRef {
  provider: 'local' | 'e2b';
  /** The provider's id (E2B sandbox id; for the local sandbox, the session directory's key). */
  id: string;
  sessionId: string;
}

export interface SandboxCreateOptions {
  template?: string;
  /** How long the sandbox may live without a keep-alive, seconds. */
  timeoutSeconds?: number;
  /** Whether commands may open network connections. @default false */
  network?: boolean;
  /** A snapshot (from {@link SandboxProvider.snapshot}) whose files the new sandbox starts with; the session must own it. */
  fromSnapshot?: string;
}

export interface RunCommandOptions {
  /** Wall-clock limit; the whole process tree is killed when it passes, ms. */
  timeoutMs: number;
  /** Bytes of stdout and of stderr kept each; the rest is counted and cut. */
  maxOutputBytes: number;
  /** Working directory relative to the session directory. */
  cwd?: string;
  env?: Record<string, string>;
  /** Called as output arrives (for heartbeats). */
  onOutput?: (bytes: number) => void;
  signal?: AbortSignal;
}

export interface CommandResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Bytes cut from each stream beyond `maxOutputBytes`. */
  truncatedStdoutBytes: number;
  truncatedStderrBytes: number;
  timedOut: boolean;
  durationMs: number;
  /** Resource limits the command ran into (a process killed for memory, a fork refused), if the provider knows. */
  limitsReached?: ('memory' | 'processes')[];
}

export interface FileEntry {
  /** Path relative to the listed directory. */
  name: string;
  type: 'file' | 'directory' | 'other';
  size: number;
}

export interface SandboxProvider {
  readonly name: SandboxRef['provider'];
  /** Creates the session's sandbox, or returns the one that exists for it (a retried activity leaks nothing). */
  create(sessionId: string, options: SandboxCreateOptions): Promise<SandboxRef>;
  runCommand(ref: SandboxRef, command: string, options: RunCommandOptions): Promise<CommandResult>;
  /** @throws ToolError when the path leaves the session directory or does not exist. */
  readFile(ref: SandboxRef, path: string): Promise<Uint8Array>;
  /** Returns bytes written. @throws ToolError when the path leaves the session directory. */
  writeFile(ref: SandboxRef, path: string, data: Uint8Array): Promise<number>;
  listFiles(ref: SandboxRef, path?: string): Promise<FileEntry[]>;
  /** Extends the sandbox's life while the session is active. */
  keepAlive(ref: SandboxRef, timeoutSeconds: number): Promise<void>;
  /** Removes the sandbox and its files; a second call is a no-op. */
  destroy(ref: SandboxRef): Promise<void>;
  /**
   * Keeps a copy of the sandbox's files under `snapshotId`, for a later sandbox to start from (`fromSnapshot`).
   * Idempotent: taking the same snapshot again replaces it. Resolves with the reason when it declines (e.g. the
   * files are over the size limit). Optional: providers without it take no snapshots.
   */
  snapshot?(ref: SandboxRef, snapshotId: string): Promise<{ skipped?: string }>;
  /** Gives the session `to` read access to every snapshot of `from` (a fork and its source). Optional. */
  grantSnapshots?(from: string, to: string): Promise<number>;
}
