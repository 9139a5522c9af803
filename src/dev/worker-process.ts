/**
 * A Keel worker in its own process (`src/worker/main.ts`), as `npm run worker` runs it: for the local cluster, which
 * runs several, and for tests that kill one (`kill -9` must lose nothing). Dev tooling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const workerEntry = fileURLToPath(new URL('../worker/main.ts', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the process wrote, stdout and stderr. */
  output(): string;
  /** Sends a signal and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface WorkerProcessSpawnOptions {
  /** The worker's whole environment besides PATH and HOME (its settings: see the README's worker table). */
  env: Record<string, string>;
  /** Command-line arguments after the entry point, e.g. `['--profiles', file]`. */
  args?: string[];
  /** Called with each chunk the process writes. */
  onOutput?: (chunk: string) => void;
  /** A module of its own that runs the worker (e.g. `runWorker` with custom tools). @default src/worker/main.ts */
  entry?: string;
}

/** Starts `src/worker/main.ts` and resolves once it polls; rejects with its output when it exits first. */
export async function spawnWorkerProcess(options: WorkerProcessSpawnOptions): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', options.entry ?? workerEntry, ...(options.args ?? [])], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
    options.onOutput?.(chunk.toString());
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = once(child, 'exit');
  // Never outlive the process that started it, even when that one ends before the worker has started.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
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
