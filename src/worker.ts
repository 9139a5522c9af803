/**
 * `npm run worker [-- --profiles <file>]`: a Keel worker process. Reads its settings from the environment (see
 * loadWorkerConfig and `workerEnvironmentVariables`; `--profiles` overrides `KEEL_PROFILES`), refuses to start on an
 * invalid profile, installs the SDK runtime (JSON logs, opt-in Prometheus metrics), makes sure the namespace has
 * Keel's search attributes, and polls the task queue. On SIGINT/SIGTERM it stops polling, lets in-flight activities
 * (a model call mid-stream) finish and report within the grace period, then exits 0.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { parseArgs } from 'node:util';
import { dataConverterFromEnvironment, encryptionKeysFromEnvironment } from './codec/data-converter-from-environment.js';
import { loadGrantKey } from './codec/fork-grant.js';
import { ProfileRegistry } from './config/profile-registry.js';
import { temporalTlsFromEnvironment } from './config/temporal-tls.js';
import { loadWorkerConfig } from './config/worker-config.js';
import { E2BSandboxProvider } from './sandboxes/e2b/e2b-sandbox-provider.js';
import { readSecretVariable } from './secrets/read-secret-variable.js';
import { openContentStore } from './stores/open-content-store.js';
import { createKeelWorker } from './worker/create-keel-worker.js';
import { ensureSearchAttributes } from './worker/ensure-search-attributes.js';
import { startHealthServer } from './worker/health-server.js';
import { startRetentionSweeper } from './worker/retention-sweeper.js';
import { installRuntime } from './worker/install-runtime.js';
import { createLogger } from './logging/logger.js';
import { createWorkerTracing } from './tracing/worker-tracing.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { profiles: { type: 'string' } }, strict: true });
  const config = loadWorkerConfig({ ...process.env, ...(values.profiles ? { KEEL_PROFILES: values.profiles } : {}) });
  const logger = createLogger(config.logLevel);
  // Before connecting: a bad profiles file is refused at once, naming file, profile and field.
  const profiles = new ProfileRegistry(config.profilesFile ? { file: config.profilesFile } : {});
  // Both read here, validated before anything connects, and kept out of the config object that gets logged.
  const encryptionKeys = encryptionKeysFromEnvironment();
  const dataConverter = dataConverterFromEnvironment();
  const grantKey = loadGrantKey(config.dataDir, { create: true });
  const anthropicApiKey = readSecretVariable('ANTHROPIC_API_KEY');
  const e2bApiKey = readSecretVariable('E2B_API_KEY');
  installRuntime({ logger, ...(config.metricsAddress ? { metricsAddress: config.metricsAddress } : {}) });

  const tls = temporalTlsFromEnvironment(process.env);
  const connection = await NativeConnection.connect({ address: config.temporalAddress, ...(tls ? { tls } : {}) });
  try {
    const added = await ensureSearchAttributes(connection, config.namespace);
    if (added.length > 0) logger.info({ added }, 'registered Keel search attributes');
  } catch (error) {
    logger.warn({ error: (error as Error).message }, 'could not check search attributes; register KeelStatus, KeelProfile (Keyword), KeelTurns, KeelTokens (Int), KeelCostUsd (Double) by hand');
  }
  const graceMs = config.shutdownGraceSeconds * 1000;
  // For PostgreSQL the URL may hold a password: read like the other secrets, never logged (the store describes
  // itself without it).
  const storeUrl = readSecretVariable('KEEL_STORE_URL');
  const store = await openContentStore({
    ...config.store,
    ...(storeUrl ? { url: storeUrl } : {}),
    dataDir: config.dataDir,
    ...(encryptionKeys ? { keys: encryptionKeys } : {}),
  });
  // Opt-in: KEEL_OTEL=1 or an OTLP endpoint in OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT.
  const tracing = createWorkerTracing(process.env);
  const worker = await createKeelWorker({
    store,
    ...(tracing ? { tracing } : {}),
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    ...(config.workflowBundlePath ? { workflowBundle: { codePath: config.workflowBundlePath } } : {}),
    profileRegistry: profiles,
    ...(config.anthropicBaseUrl ? { anthropicBaseUrl: config.anthropicBaseUrl } : {}),
    ...(anthropicApiKey ? { anthropicApiKey } : {}),
    ...(dataConverter ? { dataConverter } : {}),
    ...(encryptionKeys ? { encryptionKeys } : {}),
    grantKey,
    shutdownGraceTimeMs: graceMs,
    dataDir: config.dataDir,
    localSandbox: config.localSandbox,
    builtInTools: config.builtInTools,
    toolHeartbeatTimeoutMs: config.toolHeartbeatTimeoutMs,
    logger: { info: (message) => logger.info(message), warn: (message) => logger.warn(message) },
    ...(e2bApiKey ? { sandboxProviders: [new E2BSandboxProvider({ apiKey: e2bApiKey, ...config.e2b, env: {} })] } : {}),
    workerOptions: {
      // Past the grace period (plus time to report), give up rather than hang: the server retries what is left.
      shutdownForceTime: graceMs + 10_000,
      maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
      maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTasks,
      ...(config.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: config.maxCachedWorkflows } : {}),
      ...(config.stickyQueueTimeoutSeconds !== undefined ? { stickyQueueScheduleToStartTimeout: config.stickyQueueTimeoutSeconds * 1000 } : {}),
      ...(config.taskQueueActivitiesPerSecond !== undefined ? { maxTaskQueueActivitiesPerSecond: config.taskQueueActivitiesPerSecond } : {}),
    },
  });
  // Opt-in: KEEL_RETENTION_DAYS. Its own client connection: the worker's native one serves the worker only.
  const retentionClient = config.retentionDays !== undefined ? new Client({ connection: await Connection.connect({ address: config.temporalAddress }), namespace: config.namespace }) : undefined;
  const retention =
    retentionClient && config.retentionDays !== undefined
      ? startRetentionSweeper({
          client: retentionClient,
          store,
          dataDir: config.dataDir,
          retentionDays: config.retentionDays,
          logger: { info: (fields, message) => logger.info(fields, message), warn: (fields, message) => logger.warn(fields, message) },
        })
      : undefined;
  const health = config.health
    ? await startHealthServer({ ...config.health, state: () => worker.getState(), isHealthy: () => worker.getState() === 'RUNNING' })
    : undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => logger.info({ signal, graceSeconds: config.shutdownGraceSeconds }, 'shutting down: no new work, in-flight activities may finish'));
  }
  logger.info(
    {
      address: config.temporalAddress,
      tls: tls ? (tls.clientCertPair ? 'mutual' : 'on') : 'off',
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      model: config.anthropicBaseUrl ?? 'Anthropic API',
      modelApiKey: anthropicApiKey ? 'set' : 'not set',
      e2bSandbox: e2bApiKey ? 'on' : 'off (no E2B_API_KEY)',
      store: store.description,
      encryption: dataConverter ? 'on' : 'off',
      metrics: config.metricsAddress ?? 'off',
      health: health?.url ?? 'off',
      maxConcurrentActivities: config.maxConcurrentActivities,
      maxConcurrentWorkflowTasks: config.maxConcurrentWorkflowTasks,
      maxCachedWorkflows: config.maxCachedWorkflows ?? 'sdk default',
      stickyQueueTimeoutSeconds: config.stickyQueueTimeoutSeconds ?? 'sdk default',
      taskQueueActivitiesPerSecond: config.taskQueueActivitiesPerSecond ?? 'no cap',
      tracing: tracing ? 'on (OTLP)' : 'off',
      retention: config.retentionDays !== undefined ? `${config.retentionDays} days` : 'off (keel purge)',
    },
    'keel worker started',
  );
  // The SDK's runtime handles SIGINT/SIGTERM by calling worker.shutdown(): polling stops and in-flight activities
  // get shutdownGraceTime to finish and report before run() resolves.
  await worker.run();
  await tracing?.shutdown();
  await health?.close();
  await retention?.stop();
  await retentionClient?.connection.close();
  await store.close();
  await connection.close();
  logger.info('keel worker stopped');
}

main().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 50, time: Date.now(), name: 'keel', msg: `keel worker: ${error instanceof Error ? error.message : String(error)}` })}\n`);
  process.exit(1);
});
