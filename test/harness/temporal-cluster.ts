/**
 * The local production-shaped cluster (src/dev/temporal-cluster) for tests: the cluster itself, the workflow
 * bundle built once into a file, a profiles file, one data folder shared by the Keel worker processes (workers of
 * one machine), Keel's content store on the cluster's PostgreSQL, and a mutual-TLS client. Workers are started by
 * the test, as many as it wants, each a separate `src/worker/main.ts` process.
 */
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionClient } from '../../src/client/session-client.js';
import { startTemporalCluster, type TemporalCluster } from '../../src/dev/temporal-cluster/temporal-cluster.js';
import { spawnWorkerProcess, type WorkerProcess } from '../../src/dev/worker-process.js';
import type { ProfileConfig } from '../../src/shared/schemas/profile.js';
import type { ContentStore } from '../../src/stores/content-store.js';
import { openContentStore } from '../../src/stores/open-content-store.js';
import { workflowBundleOptions } from '../../src/worker/workflow-bundle.js';
import { testProfiles } from './test-profiles.js';

export interface ClusterEnvironment {
  cluster: TemporalCluster;
  client: Client;
  store: ContentStore;
  /** The workflow bundle the worker processes run (to replay their histories with). */
  bundle: WorkflowBundleWithSourceMap;
  /** The Keel workers' shared data folder (session directories). */
  dataDir: string;
  sessions(taskQueue: string): SessionClient;
  /** Starts a Keel worker process on the cluster, resolved once it polls. */
  startWorker(options: { taskQueue: string; modelUrl: string; env?: Record<string, string> }): Promise<WorkerProcess>;
  close(): Promise<void>;
}

export interface ClusterEnvironmentOptions {
  profiles?: Record<string, ProfileConfig>;
  historyShards?: number;
  /** The module worker processes run. @default src/worker/main.ts (`npm run worker`) */
  workerEntry?: string;
}

const silentLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export async function startClusterEnvironment(options: ClusterEnvironmentOptions = {}): Promise<ClusterEnvironment> {
  const cluster = await startTemporalCluster({
    ...(options.historyShards ? { historyShards: options.historyShards } : {}),
    log: (line) => process.stderr.write(`[cluster] ${line}\n`),
  });
  const folder = mkdtempSync(join(tmpdir(), 'keel-cluster-test-'));
  // A root worker runs each session as its own uid, which must pass through to the data folder inside this one.
  chmodSync(folder, 0o711);
  const workers: WorkerProcess[] = [];
  let connection: Awaited<ReturnType<TemporalCluster['connect']>> | undefined;
  let store: ContentStore | undefined;
  try {
    const bundle = await bundleWorkflowCode(workflowBundleOptions({ logger: silentLogger }));
    const bundleFile = join(folder, 'workflow-bundle.js');
    writeFileSync(bundleFile, bundle.code);
    const profilesFile = join(folder, 'profiles.json');
    writeFileSync(profilesFile, JSON.stringify({ profiles: { ...testProfiles, ...(options.profiles ?? {}) } }));
    const dataDir = join(folder, 'data');
    connection = await cluster.connect();
    const client = new Client({ connection, namespace: cluster.namespace });
    store = await openContentStore({ kind: 'postgres', url: cluster.storeUrl });
    const openStore = store;
    const openConnection = connection;
    return {
      cluster,
      client,
      store: openStore,
      bundle,
      dataDir,
      sessions: (taskQueue) => new SessionClient({ client, taskQueue, store: openStore }),
      async startWorker({ taskQueue, modelUrl, env }) {
        const worker = await spawnWorkerProcess({
          ...(options.workerEntry ? { entry: options.workerEntry } : {}),
          env: {
            ...cluster.clientEnvironment,
            KEEL_NAMESPACE: cluster.namespace,
            KEEL_TASK_QUEUE: taskQueue,
            ANTHROPIC_BASE_URL: modelUrl,
            ANTHROPIC_API_KEY: 'test-key',
            KEEL_PROFILES: profilesFile,
            KEEL_WORKFLOW_BUNDLE: bundleFile,
            KEEL_STORE: 'postgres',
            KEEL_STORE_URL: cluster.storeUrl,
            KEEL_DATA_DIR: dataDir,
            KEEL_SHUTDOWN_GRACE_SECONDS: '5',
            ...env,
          },
        });
        workers.push(worker);
        return worker;
      },
      async close() {
        await Promise.allSettled(workers.map((worker) => worker.kill('SIGKILL')));
        await openStore.close();
        await openConnection.close();
        await cluster.stop();
        rmSync(folder, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await store?.close();
    await connection?.close();
    await cluster.stop();
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
}
