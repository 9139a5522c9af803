/**
 * What every scenario shares within one bench run: the dev server, the workflow bundles (built once, loaded by
 * every worker process), a client, and helpers to start model servers and worker processes that are stopped at
 * the end of the scenario that started them.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEventSource, type EventsSettings } from '../../src/events/events-settings.js';
import { SessionClient } from '../../src/client/session-client.js';
import { startScriptedModelServer, type ScriptedModelServer } from '../../src/dev/scripted-model/index.js';
import { workflowBundleOptions } from '../../src/worker/workflow-bundle.js';
import { createBenchResponder, type BenchResponderOptions } from './bench-responder.js';
import { benchProfiles } from './bench-profiles.js';
import type { BenchServer } from './bench-server.js';
import { startBenchWorker, type BenchWorker, type WorkerTuning } from './bench-worker.js';

const benchWorkflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface Bundles {
  keel: string;
  /**
   * Keel's workflows with no module preloaded, so that each workflow builds its own zod schemas: the workflow code
   * as it ran before src/workflows/shared-schemas.ts, for the same-run comparisons of memory and CPU.
   */
  keelUnshared: string;
  naive: string;
  /** Keel's workflow code as of another commit (`--baseline <ref>`), run by today's activities. */
  baseline?: { ref: string; commit: string; path: string };
}

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

/**
 * Bundles the workflow code of `ref`: its `src/` is extracted under the project's `.keel/` (so that its imports
 * resolve against this checkout's node_modules) and bundled like today's. Workflow code imports only
 * `@temporalio/workflow`, `zod` and `src/shared`, so a bundle of another commit runs with today's activities as long
 * as the activities' interface did not change between the two: what a refactor of workflow code needs to compare.
 */
async function buildBaselineBundle(directory: string, ref: string, projectRoot: string): Promise<NonNullable<Bundles['baseline']>> {
  const commit = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: projectRoot, encoding: 'utf8' }).trim();
  const tree = join(projectRoot, '.keel', 'bench-baseline', commit);
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${commit} src | tar -x -C '${tree}'`], { cwd: projectRoot });
  const path = join(directory, 'baseline-workflows.js');
  writeFileSync(path, (await bundleWorkflowCode({ workflowsPath: join(tree, 'src', 'workflows', 'index.ts'), logger: quiet })).code);
  return { ref, commit, path };
}

/** Builds the workflow bundles into `directory` (the worker processes load them from there). */
export async function buildBundles(directory: string, options: { baselineRef?: string; projectRoot?: string } = {}): Promise<Bundles> {
  mkdirSync(directory, { recursive: true });
  const keel = join(directory, 'keel-workflows.js');
  const keelUnshared = join(directory, 'keel-workflows-unshared.js');
  const naive = join(directory, 'naive-workflows.js');
  writeFileSync(keel, (await bundleWorkflowCode(workflowBundleOptions({ logger: quiet }))).code);
  writeFileSync(keelUnshared, (await bundleWorkflowCode({ ...workflowBundleOptions({ logger: quiet }), preloadModules: [] })).code);
  writeFileSync(naive, (await bundleWorkflowCode({ workflowsPath: benchWorkflowsPath, logger: quiet })).code);
  const baseline = options.baselineRef && options.projectRoot ? await buildBaselineBundle(directory, options.baselineRef, options.projectRoot) : undefined;
  return { keel, keelUnshared, naive, ...(baseline ? { baseline } : {}) };
}

export interface ModelSetup extends BenchResponderOptions {
  latencyMs: number;
}

export interface WorkerSetup {
  modelUrl: string;
  /**
   * `baseline`: Keel's worker with the `--baseline` commit's workflow code; `keel-unshared`: with each workflow
   * building its own schemas (Bundles.keelUnshared).
   */
  kind?: 'keel' | 'keel-unshared' | 'naive' | 'baseline';
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
    if (kind === 'baseline' && !this.bundles.baseline) throw new Error('a baseline worker needs `--baseline <ref>`');
    const bundlePath = { keel: this.bundles.keel, 'keel-unshared': this.bundles.keelUnshared, naive: this.bundles.naive, baseline: this.bundles.baseline?.path }[kind]!;
    const worker = await startBenchWorker({
      kind: kind === 'naive' ? 'naive' : 'keel',
      address: server.address,
      namespace: server.namespace,
      taskQueue,
      modelUrl: setup.modelUrl,
      bundlePath,
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
