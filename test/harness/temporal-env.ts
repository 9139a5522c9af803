/**
 * One real Temporal dev server per test file (the CLI's `server start-dev`, found or installed by the project),
 * the workflow bundle built once, and a worker per test on its own task queue. `TEMPORAL_TEST_ADDRESS` points the
 * tests at an existing server instead.
 */
import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Runtime, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionClient } from '../../src/client/session-client.js';
import { ensureTemporalCli } from '../../src/dev/temporal-cli.js';
import type { ModelAdapter } from '../../src/models/model-adapter.js';
import type { ProfileConfig } from '../../src/shared/schemas/profile.js';
import type { ContentStore } from '../../src/stores/content-store.js';
import { openContentStore } from '../../src/stores/open-content-store.js';
import { keelSearchAttributeKeys } from '../../src/shared/search-attributes.js';
import { dynamicConfigArgs } from '../../src/dev/server-settings.js';
import { createKeelWorker, type KeelWorkerOptions } from '../../src/worker/create-keel-worker.js';
import { workflowBundleOptions } from '../../src/worker/workflow-bundle.js';
import { testProfiles } from './test-profiles.js';

let runtimeQuieted = false;

export interface RunningWorker {
  taskQueue: string;
  worker: Worker;
  sessions: SessionClient;
  /** Stops polling, lets in-flight work finish, and waits for the worker to end. */
  stop(): Promise<void>;
}

export interface WorkerSetup {
  /** Messages API base URL of the model server the worker's Anthropic adapter calls. */
  modelUrl?: string;
  model?: ModelAdapter;
  taskQueue?: string;
  profiles?: Record<string, ProfileConfig>;
  profilesFile?: string;
  /** @default `test-key` */
  apiKey?: string;
  /** Payload conversion of the worker (e.g. the encryption codec). @default plain JSON */
  dataConverter?: DataConverter;
  /** The worker's data folder (session directories). @default one temporary folder per test file */
  dataDir?: string;
  /** Custom tools. */
  tools?: KeelWorkerOptions['tools'];
  /** Graders of `keel eval`. */
  graders?: KeelWorkerOptions['graders'];
  /** MCP tool sources (the test closes them). */
  mcp?: KeelWorkerOptions['mcp'];
  localSandbox?: KeelWorkerOptions['localSandbox'];
  builtInTools?: KeelWorkerOptions['builtInTools'];
  toolHeartbeatTimeoutMs?: number;
  /** Sandbox providers beside the local one (e.g. E2B against its stand-in). */
  sandboxProviders?: KeelWorkerOptions['sandboxProviders'];
  /** Seals the worker's default store and its snapshots (pair with `dataConverter` and a `store` opened with them). */
  encryptionKeys?: KeelWorkerOptions['encryptionKeys'];
  /** The worker's content store. @default the environment's file store */
  store?: ContentStore;
  /** Tracing interceptors and sinks; pair with a `workflowBundle` built with their workflow modules. */
  tracing?: KeelWorkerOptions['tracing'];
  /** Where the worker's model calls publish their live stream. @default the process's local hub in the per-user folder */
  events?: KeelWorkerOptions['events'];
  /** Worker Versioning: the deployment and build of the worker. @default unversioned */
  deployment?: KeelWorkerOptions['deployment'];
  /** A bundle of the worker's own. @default the file's shared bundle */
  workflowBundle?: WorkflowBundleWithSourceMap;
}

export interface TestEnvironmentOptions {
  /** Extra `temporal server start-dev` arguments, e.g. `--dynamic-config-value` settings. */
  serverArgs?: string[];
}

export interface TestEnvironment {
  env: TestWorkflowEnvironment;
  address: string;
  client: Client;
  /** Path of the Temporal CLI that runs the server (for tests that drive the CLI itself). */
  cli: string;
  bundle: WorkflowBundleWithSourceMap;
  startWorker(setup: WorkerSetup): Promise<RunningWorker>;
  /** A profiles file holding the test profiles, for worker processes. */
  profilesFile: string;
  /** The workflow bundle as a file, for worker processes (`KEEL_WORKFLOW_BUNDLE`), so they need not bundle. */
  workflowBundleFile: string;
  /** The workers' default data folder (removed by `close`). */
  dataDir: string;
  /** The file content store that workers use unless a test gives them another, in a temporary folder. */
  store: ContentStore;
  /** That store's folder, for worker processes (`KEEL_STORE_URL`). */
  storeDirectory: string;
  close(): Promise<void>;
}

export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

export async function startTestEnvironment(options: TestEnvironmentOptions = {}): Promise<TestEnvironment> {
  if (!runtimeQuieted) {
    // The SDK's INFO lines would bury test output; warnings still show.
    Runtime.install({ logger: new (await import('@temporalio/worker')).DefaultLogger('WARN') });
    runtimeQuieted = true;
  }
  // Without a CLI of our own (no pip on this machine), the SDK downloads one: that needs internet access.
  const cli = ensureTemporalCli();
  const existing = process.env.TEMPORAL_TEST_ADDRESS;
  const env = existing
    ? await TestWorkflowEnvironment.createFromExistingServer({ address: existing })
    : await TestWorkflowEnvironment.createLocal({
        server: {
          executable: cli ? { type: 'existing-path', path: cli } : { type: 'cached-download' },
          ip: '127.0.0.1',
          searchAttributes: keelSearchAttributeKeys,
          extraArgs: ['--log-level', 'error', ...dynamicConfigArgs(), ...(options.serverArgs ?? [])],
        },
      });
  const bundle = await bundleWorkflowCode(workflowBundleOptions({ logger: { ...silentLogger } }));
  const profilesDirectory = mkdtempSync(join(tmpdir(), 'keel-test-profiles-'));
  const profilesFile = join(profilesDirectory, 'profiles.json');
  writeFileSync(profilesFile, JSON.stringify({ profiles: testProfiles }, null, 2));
  const workflowBundleFile = join(profilesDirectory, 'workflow-bundle.js');
  writeFileSync(workflowBundleFile, bundle.code);
  const dataDir = mkdtempSync(join(tmpdir(), 'keel-test-data-'));
  const storeDirectory = join(profilesDirectory, 'store');
  const store = await openContentStore({ kind: 'file', url: storeDirectory });
  const workers: RunningWorker[] = [];

  return {
    env,
    address: env.address,
    client: env.client,
    get cli(): string {
      if (!cli) throw new Error('this test drives the Temporal CLI, and none is installed (set TEMPORAL_CLI)');
      return cli;
    },
    bundle,
    profilesFile,
    workflowBundleFile,
    storeDirectory,
    dataDir,
    store,
    async startWorker(setup: WorkerSetup): Promise<RunningWorker> {
      const taskQueue = setup.taskQueue ?? uniqueTaskQueue();
      const worker = await createKeelWorker({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue,
        workflowBundle: setup.workflowBundle ?? bundle,
        ...(setup.tracing ? { tracing: setup.tracing } : {}),
        ...(setup.model ? { model: setup.model } : {}),
        ...(setup.modelUrl ? { anthropicBaseUrl: setup.modelUrl } : {}),
        anthropicApiKey: setup.apiKey ?? 'test-key',
        profiles: { ...testProfiles, ...(setup.profiles ?? {}) },
        ...(setup.profilesFile ? { profilesFile: setup.profilesFile } : {}),
        shutdownGraceTimeMs: 5_000,
        ...(setup.dataConverter ? { dataConverter: setup.dataConverter } : {}),
        ...(setup.encryptionKeys ? { encryptionKeys: setup.encryptionKeys } : {}),
        dataDir: setup.dataDir ?? dataDir,
        ...(setup.tools ? { tools: setup.tools } : {}),
        ...(setup.graders ? { graders: setup.graders } : {}),
        ...(setup.mcp ? { mcp: setup.mcp } : {}),
        ...(setup.localSandbox ? { localSandbox: setup.localSandbox } : {}),
        ...(setup.builtInTools ? { builtInTools: setup.builtInTools } : {}),
        ...(setup.toolHeartbeatTimeoutMs ? { toolHeartbeatTimeoutMs: setup.toolHeartbeatTimeoutMs } : {}),
        ...(setup.sandboxProviders ? { sandboxProviders: setup.sandboxProviders } : {}),
        ...(setup.events !== undefined ? { events: setup.events } : {}),
        ...(setup.deployment ? { deployment: setup.deployment } : {}),
        store: setup.store ?? store,
      });
      const running = worker.run();
      const entry: RunningWorker = {
        taskQueue,
        worker,
        sessions: new SessionClient({
          client: setup.dataConverter
            ? new Client({ connection: env.connection, namespace: env.namespace ?? 'default', dataConverter: setup.dataConverter })
            : env.client,
          taskQueue,
          store: setup.store ?? store,
        }),
        async stop() {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running;
        },
      };
      workers.push(entry);
      return entry;
    },
    async close() {
      await Promise.allSettled(workers.map((worker) => worker.stop()));
      await env.teardown();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const silentLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
};
