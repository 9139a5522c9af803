/**
 * What every scenario shares within one bench run: the dev server, the workflow bundles (built once, loaded by
 * every worker process), a client, and helpers to start model servers and worker processes that are stopped at
 * the end of the scenario that started them.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEventSource, type EventsSettings } from '../../src/events/events-settings.js';
import { SessionClient } from '../../src/client/session-client.js';
import { startScriptedModelServer, type ScriptedModelServer } from '../../src/dev/scripted-model/index.js';
import { workflowsPath } from '../../src/worker/create-keel-worker.js';
import { createBenchResponder, type BenchResponderOptions } from './bench-responder.js';
import { benchProfiles } from './bench-profiles.js';
import type { BenchServer } from './bench-server.js';
import { startBenchWorker, type BenchWorker, type WorkerTuning } from './bench-worker.js';

const benchWorkflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface Bundles {
  keel: string;
  naive: string;
}

/** Builds both workflow bundles into `directory` (the worker processes load them from there). */
export async function buildBundles(directory: string): Promise<Bundles> {
  mkdirSync(directory, { recursive: true });
  const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };
  const keel = join(directory, 'keel-workflows.js');
  const naive = join(directory, 'naive-workflows.js');
  writeFileSync(keel, (await bundleWorkflowCode({ workflowsPath, logger: quiet })).code);
  writeFileSync(naive, (await bundleWorkflowCode({ workflowsPath: benchWorkflowsPath, logger: quiet })).code);
  return { keel, naive };
}

export interface ModelSetup extends BenchResponderOptions {
  latencyMs: number;
}

export interface WorkerSetup {
  modelUrl: string;
  kind?: 'keel' | 'naive';
  tuning?: WorkerTuning;
  taskQueue?: string;
  /** @default the context's heartbeat timeout */
  heartbeatTimeoutSeconds?: number;
  /** @default the run's dev server */
  server?: BenchTarget;
  /** The live-event transport of the worker (and of the returned client). @default the product's: the local hub */
  events?: EventsSettings | false;
}

/** A Temporal server a worker can be started against: the run's dev server, or a cluster of a scenario's own. */
export type BenchTarget = Pick<BenchServer, 'address' | 'namespace' | 'client'> & { temporalEnvironment?: Record<string, string> };

export interface StartedWorker {
  worker: BenchWorker;
  taskQueue: string;
  sessions: SessionClient;
}

export class BenchContext {
  readonly #cleanups: Array<() => Promise<void>> = [];

  constructor(
    readonly server: BenchServer,
    readonly bundles: Bundles,
    readonly workDirectory: string,
    readonly heartbeatTimeoutSeconds: number,
    readonly log: (line: string) => void,
  ) {}

  /** A scripted model server with the bench responder at a fixed latency; closed at the scenario's end. */
  async startModel(setup: ModelSetup): Promise<ScriptedModelServer> {
    const model = await startScriptedModelServer({ latencyMs: setup.latencyMs, responder: createBenchResponder(setup) });
    this.#cleanups.push(() => model.close());
    return model;
  }

  /** A worker process on its own task queue; stopped at the scenario's end. */
  async startWorker(setup: WorkerSetup): Promise<StartedWorker> {
    const server: BenchTarget = setup.server ?? this.server;
    const taskQueue = setup.taskQueue ?? `bench-${randomUUID()}`;
    const kind = setup.kind ?? 'keel';
    const worker = await startBenchWorker({
      kind,
      address: server.address,
      namespace: server.namespace,
      taskQueue,
      modelUrl: setup.modelUrl,
      bundlePath: kind === 'keel' ? this.bundles.keel : this.bundles.naive,
      profiles: benchProfiles(setup.heartbeatTimeoutSeconds ?? this.heartbeatTimeoutSeconds),
      dataDir: join(this.workDirectory, 'data'),
      ...(setup.tuning ? { workerOptions: setup.tuning } : {}),
      ...(server.temporalEnvironment ? { temporalEnvironment: server.temporalEnvironment } : {}),
      ...(setup.events !== undefined ? { events: setup.events } : {}),
    });
    this.#cleanups.push(() => worker.stop());
    const events = setup.events ? { events: openEventSource(setup.events) } : {};
    const sessions = new SessionClient({ client: server.client, taskQueue, ...events });
    // The client's event feed and transport; the shared Temporal client stays open.
    this.#cleanups.push(async () => {
      await sessions.eventFeed().close();
      await events.events?.close();
    });
    return { worker, taskQueue, sessions };
  }

  /** Registers a cleanup to run at the end of the current scenario. */
  defer(cleanup: () => Promise<void>): void {
    this.#cleanups.push(cleanup);
  }

  /** Runs and clears the cleanups, newest first; errors are logged, not thrown. */
  async cleanUp(): Promise<void> {
    while (this.#cleanups.length > 0) {
      const cleanup = this.#cleanups.pop()!;
      await cleanup().catch((error: unknown) => this.log(`cleanup failed: ${String(error)}`));
    }
  }
}
