/**
 * A worker process for benchmarks: Keel's worker (`createKeelWorker` with the bench's tools, product defaults
 * unless a tuning knob is set) or the naive-loop baseline's worker (a model activity over Keel's Anthropic adapter
 * and a tool activity), loading a workflow bundle built ahead of time so that the process's memory
 * is the worker's alone. Configured by `KEEL_BENCH_WORKER` (JSON, see `BenchWorkerConfig`); answers memory and
 * cache questions over the IPC channel of `child_process.fork`. Started by `bench-worker.ts`, never by hand.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { temporalConnectionFromEnvironment } from '../../src/config/temporal-connection.js';
import { AnthropicModelAdapter } from '../../src/models/anthropic/anthropic-model-adapter.js';
import { createKeelWorker } from '../../src/worker/create-keel-worker.js';
import { openEventPublisher } from '../../src/events/events-settings.js';
import { createBenchActivities } from '../workflows/bench-activities.js';
import { benchTools } from './bench-tools.js';
import type { BenchWorkerConfig, WorkerReply, WorkerRequest } from './bench-worker.js';

function readProcStatusKb(field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.KEEL_BENCH_WORKER ?? '') as BenchWorkerConfig;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  // The standard TEMPORAL_* settings (TLS for the production topology), with the address the bench chose.
  const { connectionOptions } = temporalConnectionFromEnvironment(config.temporalEnvironment ?? {}, { address: config.address });
  const connection = await NativeConnection.connect(connectionOptions);
  const workflowBundle = { code: readFileSync(config.bundlePath, 'utf8') };
  const model = new AnthropicModelAdapter({ baseURL: config.modelUrl, apiKey: 'bench-key' });
  const worker =
    config.kind === 'keel'
      ? await createKeelWorker({
          connection,
          namespace: config.namespace,
          taskQueue: config.taskQueue,
          workflowBundle,
          model,
          profiles: config.profiles,
          tools: benchTools(),
          dataDir: config.dataDir,
          shutdownGraceTimeMs: 2_000,
          workerOptions: config.workerOptions,
          ...(config.events !== undefined ? { events: config.events && (await openEventPublisher(config.events)) } : {}),
        })
      : await Worker.create({
          connection,
          namespace: config.namespace,
          taskQueue: config.taskQueue,
          workflowBundle,
          activities: createBenchActivities(model),
          shutdownGraceTime: 2_000,
          ...config.workerOptions,
        });

  process.on('message', (request: WorkerRequest) => {
    if (request.type === 'memory') {
      if (request.collectGarbage && typeof global.gc === 'function') global.gc();
      const status = worker.getStatus();
      const reply: WorkerReply = {
        type: 'memory',
        rssBytes: process.memoryUsage.rss(),
        peakRssBytes: (readProcStatusKb('VmHWM') ?? 0) * 1024,
        heapUsedBytes: process.memoryUsage().heapUsed,
        cachedWorkflows: status.numCachedWorkflows,
      };
      process.send?.(reply);
    } else if (request.type === 'stop') {
      worker.shutdown();
    }
  });

  const running = worker.run();
  process.send?.({ type: 'ready' } satisfies WorkerReply);
  await running;
  await connection.close();
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
