/**
 * Runs the `keel` command (bin/keel.js, as a user would) in a child process, for the CLI tests: either to
 * completion, or live with its output read as it streams.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.js';

const bin = fileURLToPath(new URL('../../bin/keel.js', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

export interface KeelOptions {
  /** TEMPORAL_ADDRESS for the command. */
  address?: string;
  /** KEEL_TASK_QUEUE for the command. */
  taskQueue?: string;
  env?: Record<string, string>;
  /** Written to stdin, which is then closed. */
  input?: string;
}

export interface KeelRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface LiveKeel {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Waits until stdout matches `pattern`; the error shows what was printed. */
  waitForOutput(pattern: RegExp | string, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

function environment(options: KeelOptions): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NO_COLOR: '1',
    ...(options.address ? { TEMPORAL_ADDRESS: options.address } : {}),
    ...(options.taskQueue ? { KEEL_TASK_QUEUE: options.taskQueue } : {}),
    ...options.env,
  };
}

/** Starts `keel args...` and returns while it runs. */
export function startKeel(args: string[], options: KeelOptions = {}): LiveKeel {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: environment(options), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  if (options.input !== undefined) child.stdin!.end(options.input);
  // 'close' comes after the process has exited and its output pipes are drained.
  const exited = once(child, 'close').then(([code]) => code as number | null);
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    async waitForOutput(pattern, timeoutMs = 30_000) {
      const matches = () => (typeof pattern === 'string' ? stdout.includes(pattern) : pattern.test(stdout));
      try {
        await waitFor(`keel ${args[0]} to print ${String(pattern)}`, matches, timeoutMs);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`);
      }
    },
    exited,
    kill: (signal = 'SIGTERM') => void child.kill(signal),
  };
}

/** Runs `keel args...` to completion. */
export async function runKeel(args: string[], options: KeelOptions = {}): Promise<KeelRun> {
  const live = startKeel(args, { ...options, input: options.input ?? '' });
  const code = await live.exited;
  return { code, stdout: live.stdout(), stderr: live.stderr() };
}
