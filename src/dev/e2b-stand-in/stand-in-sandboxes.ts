/**
 * The stand-in's sandboxes: each is a directory on this machine that plays the sandbox's root filesystem, its
 * metadata, its expiry timer and the processes started in it. Shared by the control-plane server (create, list,
 * connect, set timeout, kill) and the envd server (commands and files). Dev/test code only.
 *
 * Not a sandbox in any security sense: commands run as the current user on this machine, in the mapped directory.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join, posix } from 'node:path';

/** Where envd resolves relative paths and starts commands when none is given, as in E2B's base template. */
export const standInHomeDirectory = '/home/user';

export interface StandInProcess {
  pid: number;
  child: ChildProcess;
  cmd: string;
  args: string[];
  envs: Record<string, string>;
  cwd?: string;
  tag?: string;
}

export interface StandInSandbox {
  sandboxId: string;
  templateId: string;
  metadata: Record<string, string>;
  envVars: Record<string, string>;
  /** As asked at create; recorded, not enforced (commands run on this machine's network). */
  allowInternetAccess: boolean | undefined;
  startedAt: Date;
  endAt: Date;
  envdAccessToken: string;
  /** The directory on this machine that plays the sandbox's `/`. */
  rootDirectory: string;
  processes: Map<number, StandInProcess>;
  expiryTimer: NodeJS.Timeout | undefined;
}

export interface SandboxEnd {
  sandboxId: string;
  reason: 'killed' | 'expired';
  at: Date;
}

export interface CreateSandboxInput {
  templateId: string;
  metadata: Record<string, string>;
  envVars: Record<string, string>;
  timeoutSeconds: number;
  allowInternetAccess: boolean | undefined;
}

/** E2B sandbox ids are short lowercase alphanumeric strings. */
function newSandboxId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(20), (byte) => alphabet[byte % alphabet.length]).join('');
}

export class StandInSandboxes {
  private readonly running = new Map<string, StandInSandbox>();
  /** Sandboxes that ended, oldest first. */
  readonly ended: SandboxEnd[] = [];

  constructor(private readonly baseDirectory: string) {}

  create(input: CreateSandboxInput): StandInSandbox {
    const sandboxId = newSandboxId();
    const rootDirectory = join(this.baseDirectory, sandboxId);
    mkdirSync(join(rootDirectory, standInHomeDirectory), { recursive: true });
    const now = new Date();
    const sandbox: StandInSandbox = {
      sandboxId,
      templateId: input.templateId,
      metadata: input.metadata,
      envVars: input.envVars,
      allowInternetAccess: input.allowInternetAccess,
      startedAt: now,
      endAt: now,
      envdAccessToken: randomBytes(16).toString('hex'),
      rootDirectory,
      processes: new Map(),
      expiryTimer: undefined,
    };
    this.running.set(sandboxId, sandbox);
    this.setTimeout(sandbox, input.timeoutSeconds);
    return sandbox;
  }

  get(sandboxId: string): StandInSandbox | undefined {
    return this.running.get(sandboxId);
  }

  list(): StandInSandbox[] {
    return [...this.running.values()];
  }

  /** The sandbox now ends `timeoutSeconds` from now (shorter or longer than before), as E2B's set-timeout does. */
  setTimeout(sandbox: StandInSandbox, timeoutSeconds: number): void {
    if (sandbox.expiryTimer) clearTimeout(sandbox.expiryTimer);
    sandbox.endAt = new Date(Date.now() + timeoutSeconds * 1000);
    sandbox.expiryTimer = setTimeout(() => this.end(sandbox.sandboxId, 'expired'), timeoutSeconds * 1000);
    sandbox.expiryTimer.unref();
  }

  /** Connect's rule: the end is moved later, never earlier. */
  extendTo(sandbox: StandInSandbox, timeoutSeconds: number): void {
    if (Date.now() + timeoutSeconds * 1000 > sandbox.endAt.getTime()) this.setTimeout(sandbox, timeoutSeconds);
  }

  /** Kills the sandbox's processes and removes its files. Returns false when no such sandbox runs. */
  end(sandboxId: string, reason: SandboxEnd['reason']): boolean {
    const sandbox = this.running.get(sandboxId);
    if (!sandbox) return false;
    this.running.delete(sandboxId);
    if (sandbox.expiryTimer) clearTimeout(sandbox.expiryTimer);
    for (const process of sandbox.processes.values()) killProcessGroup(process.child, 'SIGKILL');
    rmSync(sandbox.rootDirectory, { recursive: true, force: true });
    this.ended.push({ sandboxId, reason, at: new Date() });
    return true;
  }

  endAll(): void {
    for (const sandboxId of [...this.running.keys()]) this.end(sandboxId, 'killed');
  }
}

/**
 * A sandbox path (absolute, or relative to the home directory as envd resolves it) as the absolute path inside
 * the sandbox. `..` cannot climb above the sandbox's `/`.
 */
export function sandboxAbsolutePath(path: string): string {
  return posix.resolve(standInHomeDirectory, path);
}

/** The file on this machine behind a sandbox path. */
export function hostPath(sandbox: StandInSandbox, path: string): string {
  return join(sandbox.rootDirectory, sandboxAbsolutePath(path));
}

/** Signals the whole process group (commands start in their own), so a shell's children go with it. */
export function killProcessGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    return child.kill(signal);
  }
}
