/**
 * Starts and drives a benchmark worker process (`bench-worker-main.ts`): one worker per process, so that its
 * memory can be read on its own and it can be killed with SIGKILL as a crash would.
 */
import type { WorkerOptions } from '@temporalio/worker';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { EventsSettings } from '../../src/events/events-settings.js';
import { fileURLToPath } from 'node:url';
import type { ProfileConfig } from '../../src/shared/schemas/profile.js';

const workerEntry = fileURLToPath(new URL('./bench-worker-main.ts', import.meta.url));

/** Worker options a benchmark may set (plain JSON, passed to the process). */
export type WorkerTuning = Pick<
  WorkerOptions,
  | 'maxCachedWorkflows'
  | 'maxConcurrentActivityTaskExecutions'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentActivityTaskPolls'
  | 'maxConcurrentWorkflowTaskPolls'
  | 'maxEagerActivityReservationsPerWorkflowTask'
> & { stickyQueueScheduleToStartTimeout?: string };

export interface BenchWorkerConfig {
  /** `keel`: Keel's own worker; `naive`: the bench's naive-loop baseline workflows with Keel's activities. */
  kind: 'keel' | 'naive';
  address: string;
  namespace: string;
  taskQueue: string;
  modelUrl: string;
  /** A workflow bundle file (`bundleWorkflowCode` output). */
  bundlePath: string;
  profiles: Record<string, ProfileConfig>;
  /** The worker's data folder (sandboxes, stores); every worker of a run shares it. */
  dataDir: string;
  workerOptions?: WorkerTuning;
  /** Temporal's connection variables (`TEMPORAL_TLS_*`) for a server that takes TLS only. @default none: plain */
  temporalEnvironment?: Record<string, string>;
  /** Where model calls publish their live stream; `false`: nowhere. @default the product's (the local hub) */
  events?: EventsSettings | false;
}

export type WorkerRequest = { type: 'memory'; collectGarbage?: boolean } | { type: 'stop' };
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'memory'; rssBytes: number; peakRssBytes: number; heapUsedBytes: number; cachedWorkflows: number };
export type WorkerMemory = Omit<Extract<WorkerReply, { type: 'memory' }>, 'type'>;

export interface BenchWorker {
  child: ChildProcess;
  /** Time from fork to the worker polling, ms. */
  startMs: number;
  memory(options?: { collectGarbage?: boolean }): Promise<WorkerMemory>;
  /** Graceful shutdown; waits for exit. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash; resolves once the process is gone. */
  kill(): Promise<void>;
}

/** Forks a worker process and resolves once it polls. @throws Error with the process's output if it exits first. */
export async function startBenchWorker(config: BenchWorkerConfig): Promise<BenchWorker> {
  const startedAt = performance.now();
  const child = fork(workerEntry, [], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...(process.env.KEEL_BENCH_WORKER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.KEEL_BENCH_WORKER_PROF}`] : [])],
    env: { ...process.env, KEEL_BENCH_WORKER: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000)));
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000)));
  const exited = once(child, 'exit');
  const pendingMemory: Array<(memory: WorkerMemory) => void> = [];
  await new Promise<void>((resolve, reject) => {
    child.on('message', (reply: WorkerReply) => {
      if (reply.type === 'ready') resolve();
      else if (reply.type === 'memory') {
        const { type: _type, ...memory } = reply;
        pendingMemory.shift()?.(memory);
      }
    });
    void exited.then(() => reject(new Error(`bench worker exited before it polled:\n${output}`)));
  });
  const startMs = performance.now() - startedAt;
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    child,
    startMs,
    memory(options = {}) {
      if (!alive()) return Promise.reject(new Error(`bench worker is not running:\n${output}`));
      return new Promise((resolve) => {
        pendingMemory.push(resolve);
        child.send({ type: 'memory', collectGarbage: options.collectGarbage ?? false } satisfies WorkerRequest);
      });
    },
    async stop() {
      if (!alive()) return;
      child.send({ type: 'stop' } satisfies WorkerRequest);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
  };
}
