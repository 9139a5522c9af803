/**
 * A Keel worker in its own process (`src/worker/main.ts`) with the test settings, for tests that kill it: `kill -9`
 * must lose nothing.
 */
import { spawnWorkerProcess, type WorkerProcess } from '../../src/dev/worker-process.js';

export type { WorkerProcess } from '../../src/dev/worker-process.js';

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

/** Starts `src/worker/main.ts` and resolves once it polls. */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  return spawnWorkerProcess({
    env: {
      TEMPORAL_ADDRESS: options.address,
      KEEL_TASK_QUEUE: options.taskQueue,
      ANTHROPIC_BASE_URL: options.modelUrl,
      ANTHROPIC_API_KEY: options.apiKey ?? 'test-key',
      KEEL_PROFILES: options.profilesFile,
      KEEL_SHUTDOWN_GRACE_SECONDS: '10',
      ...options.env,
    },
    ...(options.args ? { args: options.args } : {}),
  });
}
