/**
 * A Keel worker in its own process (`src/worker.ts`), for tests that kill it: `kill -9` must lose nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const workerEntry = fileURLToPath(new URL('../../src/worker.ts', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the process wrote, stdout and stderr. */
  output(): string;
  /** Sends a signal and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface WorkerProcessOptions {
  address: string;
  taskQueue: string;
  modelUrl: string;
  profilesFile: string;
  apiKey?: string;
  env?: Record<string, string>;
  /** Command-line arguments after the entry point, e.g. `['--profiles', file]`. */
  args?: string[];
}

/** Starts `src/worker.ts` and resolves once it polls. */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', workerEntry, ...(options.args ?? [])], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TEMPORAL_ADDRESS: options.address,
      KEEL_TASK_QUEUE: options.taskQueue,
      ANTHROPIC_BASE_URL: options.modelUrl,
      ANTHROPIC_API_KEY: options.apiKey ?? 'test-key',
      KEEL_PROFILES: options.profilesFile,
      KEEL_SHUTDOWN_GRACE_SECONDS: '10',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('keel worker started')) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    void exited.then(() => {
      clearInterval(timer);
      reject(new Error(`worker process exited before it started:\n${output}`));
    });
  });
  return {
    child,
    output: () => output,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const [code, exitSignal] = (await exited) as [number | null, NodeJS.Signals | null];
      return { code, signal: exitSignal };
    },
  };
}
