/**
 * Runs one process to completion with a wall-clock limit, capped output and a way to kill its whole tree.
 * Worker-side.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { OutputCapture } from '../output-capture.js';
import type { CommandResult } from '../sandbox-provider.js';

export interface RunProcessOptions {
  argv: string[];
  cwd?: string;
  /** The process's whole environment (nothing is inherited). */
  environment: Record<string, string>;
  timeoutMs: number;
  maxOutputBytes: number;
  onOutput?: (bytes: number) => void;
  signal?: AbortSignal;
  /** Kills every process the command started (beyond its process group), e.g. through its cgroup. */
  killTree?: () => Promise<void>;
}

/** After the main process exits, how long its pipes may stay open (held by a straggler) before they are cut, ms. */
const pipeGraceMs = 500;

/**
 * Starts `argv` in its own process group and waits for it. On timeout or abort, SIGKILLs the group and calls
 * `killTree`. Never rejects for what the command does; rejects only when the process cannot be started.
 */
export function runProcess(options: RunProcessOptions): Promise<CommandResult> {
  const started = Date.now();
  return new Promise<CommandResult>((resolve, reject) => {
    const [program, ...args] = options.argv;
    const child = spawn(program!, args, {
      cwd: options.cwd,
      env: options.environment,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so that a kill reaches what it forked (bubblewrap's PID namespace and the cgroup
      // do the rest).
      detached: true,
    });
    const stdout = new OutputCapture(options.maxOutputBytes);
    const stderr = new OutputCapture(options.maxOutputBytes);
    let timedOut = false;
    let aborted = false;
    let exitCode: number | null = null;
    let settled = false;

    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is gone already.
      }
      void options.killTree?.().catch(() => undefined);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      kill();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();

    child.stdout!.on('data', (chunk: Buffer) => {
      stdout.write(chunk);
      options.onOutput?.(chunk.length);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr.write(chunk);
      options.onOutput?.(chunk.length);
    });

    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      const out = stdout.result();
      const err = stderr.result();
      resolve({
        exitCode: timedOut || aborted ? null : exitCode,
        stdout: out.text,
        stderr: aborted ? `${err.text}${err.text && !err.text.endsWith('\n') ? '\n' : ''}[cancelled]` : err.text,
        truncatedStdoutBytes: out.cutBytes,
        truncatedStderrBytes: err.cutBytes,
        timedOut,
        durationMs: Date.now() - started,
      });
    };
    child.once('error', (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : null);
      // A process that left the group may hold the pipes open; do not wait on it for long.
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish();
      }, pipeGraceMs).unref();
    });
    child.once('close', finish);
  });
}

