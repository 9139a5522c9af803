/**
 * `runWorker(options?)`: a whole Keel worker process in one call, what `npm run worker` runs. Every setting comes
 * from the environment (loadWorkerConfig, temporalConnectionFromEnvironment, the secrets and the encryption key
 * ring), and the options add or override: custom tools, profiles, MCP servers and any {@link KeelWorkerOptions}
 * field. It refuses a bad profile before connecting, installs the SDK runtime (JSON logs, opt-in Prometheus
 * metrics), registers Keel's search attributes where it may, opens the content store, serves health and tracing
 * when asked, and polls until SIGINT/SIGTERM (or `signal`) stops it gracefully: polling stops and in-flight
 * activities get the grace period to finish and report. It resolves once the worker has stopped and everything it
 * opened is closed. Worker-side.
 */
import { Client, Connection } from '@temporalio/client';
import { IllegalStateError } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dataConverterFromEnvironment, encryptionKeysFromEnvironment } from '../codec/data-converter-from-environment.js';
import { loadGrantKey } from '../codec/fork-grant.js';
import { ProfileRegistry } from '../config/profile-registry.js';
import { describeTemporalConnection, temporalConnectionFromEnvironment } from '../config/temporal-connection.js';
import { loadWorkerConfig } from '../config/worker-config.js';
import { E2BSandboxProvider } from '../sandboxes/e2b/e2b-sandbox-provider.js';
import { readSecretVariable } from '../secrets/read-secret-variable.js';
import { secretsProvidersFromEnvironment } from '../secrets/secrets-from-environment.js';
import { loadMcpConfig } from '../mcp/mcp-config.js';
import { McpServers } from '../mcp/mcp-servers.js';
import type { ProfileConfig } from '../shared/schemas/profile.js';
import { openContentStore } from '../stores/open-content-store.js';
import type { ToolDefinition } from '../tools/define-tool.js';
import { createWorkerTracing } from '../tracing/worker-tracing.js';
import { createKeelWorker, type KeelWorkerOptions } from './create-keel-worker.js';
import { ensureSearchAttributes } from './ensure-search-attributes.js';
import { startHealthServer } from './health-server.js';
import { installRuntime } from './install-runtime.js';
import { createLogger, type LogDestination } from '../logging/logger.js';
import { startRetentionSweeper } from './retention-sweeper.js';
import { eventsSettingsFromEnvironment, openEventPublisher } from '../events/events-settings.js';

/** Options of {@link runWorker}; anything not given comes from the environment. */
export interface RunWorkerOptions extends Partial<Omit<KeelWorkerOptions, 'connection' | 'profiles' | 'profilesFile' | 'profileRegistry'>> {
  /** Custom tools (see `defineTool`), offered beside the built-ins; a session enables them by name. */
  tools?: ToolDefinition[];
  /**
   * Model profiles: a profiles file (YAML or JSON), or profiles as objects, added to the shipped ones.
   * @default env `KEEL_PROFILES` (a file), else the shipped profiles only
   */
  profiles?: string | Record<string, ProfileConfig>;
  /**
   * MCP tool sources in the format other MCP hosts use (`{"mcpServers": {...}}`), or a path to such a file. The
   * worker starts its stdio servers, restarts them when they die and stops them when it stops; `{"secret": "<name>"}`
   * env and header values come from the worker's secrets. @default env `KEEL_MCP_CONFIG` (a file), else none
   */
  mcpServers?: string | Record<string, unknown>;
  /** Temporal frontend, host:port. @default env `TEMPORAL_ADDRESS` (or the `temporal.toml` profile), else `localhost:7233` */
  address?: string;
  /** Stops the worker gracefully when aborted, as SIGTERM does. */
  signal?: AbortSignal;
  /** Where settings are read from. @default `process.env` */
  environment?: NodeJS.ProcessEnv;
  /** Where the worker's JSON log lines go (a command that embeds a worker keeps its stdout for itself). @default stdout */
  logDestination?: LogDestination;
}

/**
 * Runs a Keel worker until it is stopped. @throws ConfigError (before connecting) on a bad setting or profile;
 * rejects when the worker fails.
 */
export async function runWorker(options: RunWorkerOptions = {}): Promise<void> {
  const { tools, profiles: profilesOption, mcpServers, address, signal, environment = process.env, logDestination, ...overrides } = options;
  const config = loadWorkerConfig(environment);
  const logger = createLogger(config.logLevel, logDestination);
  const temporal = temporalConnectionFromEnvironment(environment, {
    ...(address ? { address } : {}),
    ...(overrides.namespace ? { namespace: overrides.namespace } : {}),
  });
  // Before connecting: a bad profiles file is refused at once, naming file, profile and field.
  const profilesFile = typeof profilesOption === 'string' ? profilesOption : config.profilesFile;
  const profiles = new ProfileRegistry({
    ...(profilesFile ? { file: profilesFile } : {}),
    ...(profilesOption && typeof profilesOption === 'object' ? { profiles: profilesOption } : {}),
  });
  // Secrets are read here, validated before anything connects, and kept out of the config object that gets logged.
  const encryptionKeys = overrides.encryptionKeys ?? encryptionKeysFromEnvironment(environment);
  const dataConverter = overrides.dataConverter ?? dataConverterFromEnvironment(environment);
  const grantKey = overrides.grantKey ?? loadGrantKey(config.dataDir, { create: true }, environment);
  const anthropicApiKey = overrides.anthropicApiKey ?? readSecretVariable('ANTHROPIC_API_KEY', environment);
  const e2bApiKey = readSecretVariable('E2B_API_KEY', environment);
  // Before connecting too: a bad MCP configuration is refused naming the server and the field.
  const mcpSource = mcpServers ?? config.mcpConfigFile;
  const mcpConfigs = mcpSource ? loadMcpConfig(mcpSource) : [];
  const mcpLogger = { info: (message: string) => logger.info(message), warn: (message: string) => logger.warn(message) };
  const mcp =
    mcpConfigs.length > 0
      ? new McpServers(mcpConfigs, { secrets: secretsProvidersFromEnvironment(environment), logger: mcpLogger, heartbeatTimeoutMs: overrides.toolHeartbeatTimeoutMs ?? config.toolHeartbeatTimeoutMs })
      : undefined;
  const eventsSettings = eventsSettingsFromEnvironment(environment);
  installSdkRuntime(logger, config.metricsAddress);

  const connection = await NativeConnection.connect(temporal.connectionOptions);
  const opened: Array<() => Promise<void>> = [() => connection.close()];
  try {
    try {
      const added = await ensureSearchAttributes(connection, temporal.namespace);
      if (added.length > 0) logger.info({ added }, 'registered Keel search attributes');
    } catch (error) {
      logger.warn(
        { error: (error as Error).message },
        'could not check search attributes; register KeelStatus, KeelProfile (Keyword), KeelTurns, KeelTokens (Int), KeelCostUsd (Double) by hand',
      );
    }
    if (mcp) {
      // Stopped after the worker: in-flight calls may finish in the grace period.
      opened.unshift(() => mcp.close());
      mcp.start();
    }
    const graceMs = config.shutdownGraceSeconds * 1000;
    // For PostgreSQL the URL may hold a password: read like the other secrets, never logged.
    const storeUrl = readSecretVariable('KEEL_STORE_URL', environment);
    const store =
      overrides.store ??
      (await openContentStore({ ...config.store, ...(storeUrl ? { url: storeUrl } : {}), dataDir: config.dataDir, ...(encryptionKeys ? { keys: encryptionKeys } : {}) }));
    if (!overrides.store) opened.unshift(() => store.close());
    const events = overrides.events ?? (await openEventPublisher(eventsSettings));
    if (overrides.events === undefined && events) opened.unshift(() => events.close());
    // Opt-in: KEEL_OTEL=1 or an OTLP endpoint in OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT.
    const tracing = overrides.tracing ?? createWorkerTracing(environment);
    if (tracing && !overrides.tracing) opened.unshift(() => tracing.shutdown());
    const workflowBundlePath = config.workflowBundlePath ?? (tracing ? undefined : shippedWorkflowBundle());
    const worker = await createKeelWorker({
      ...(tracing ? { tracing } : {}),
      ...(workflowBundlePath ? { workflowBundle: { codePath: workflowBundlePath } } : {}),
      ...(config.anthropicBaseUrl ? { anthropicBaseUrl: config.anthropicBaseUrl } : {}),
      ...(anthropicApiKey ? { anthropicApiKey } : {}),
      ...(dataConverter ? { dataConverter } : {}),
      ...(encryptionKeys ? { encryptionKeys } : {}),
      grantKey,
      ...(e2bApiKey ? { sandboxProviders: [new E2BSandboxProvider({ apiKey: e2bApiKey, ...config.e2b, env: {} })] } : {}),
      shutdownGraceTimeMs: graceMs,
      dataDir: config.dataDir,
      events,
      localSandbox: config.localSandbox,
      builtInTools: config.builtInTools,
      toolHeartbeatTimeoutMs: config.toolHeartbeatTimeoutMs,
      ...(config.deployment ? { deployment: config.deployment } : {}),
      logger: { info: (message) => logger.info(message), warn: (message) => logger.warn(message) },
      ...overrides,
      workerOptions: {
        // Past the grace period (plus time to report), give up rather than hang: the server retries what is left.
        shutdownForceTime: graceMs + 10_000,
        maxConcurrentActivityTaskExecutions: config.maxConcurrentActivities,
        maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTasks,
        ...(config.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: config.maxCachedWorkflows } : {}),
        ...(config.stickyQueueTimeoutSeconds !== undefined ? { stickyQueueScheduleToStartTimeout: config.stickyQueueTimeoutSeconds * 1000 } : {}),
        ...(config.taskQueueActivitiesPerSecond !== undefined ? { maxTaskQueueActivitiesPerSecond: config.taskQueueActivitiesPerSecond } : {}),
        ...overrides.workerOptions,
      },
      connection,
      namespace: temporal.namespace,
      taskQueue: overrides.taskQueue ?? config.taskQueue,
      profileRegistry: profiles,
      store,
      ...(tools ? { tools } : {}),
      ...(mcp ? { mcp } : {}),
    });
    // Opt-in: KEEL_RETENTION_DAYS. Its own client connection: the worker's native one serves the worker only.
    if (config.retentionDays !== undefined) {
      const retentionConnection = await Connection.connect(temporal.connectionOptions);
      opened.unshift(() => retentionConnection.close());
      const retention = startRetentionSweeper({
        client: new Client({ connection: retentionConnection, namespace: temporal.namespace }),
        store,
        dataDir: config.dataDir,
        retentionDays: config.retentionDays,
        logger: { info: (fields, message) => logger.info(fields, message), warn: (fields, message) => logger.warn(fields, message) },
      });
      opened.unshift(() => retention.stop());
    }
    const health = config.health
      ? await startHealthServer({ ...config.health, state: () => worker.getState(), isHealthy: () => worker.getState() === 'RUNNING' })
      : undefined;
    if (health) opened.unshift(() => health.close());
    const reportSignal = (name: string) => () =>
      logger.info({ signal: name, graceSeconds: config.shutdownGraceSeconds }, 'shutting down: no new work, in-flight activities may finish');
    const listeners = (['SIGINT', 'SIGTERM'] as const).map((name) => [name, reportSignal(name)] as const);
    for (const [name, listener] of listeners) process.once(name, listener);
    const abort = () => {
      logger.info({ graceSeconds: config.shutdownGraceSeconds }, 'shutting down on request: no new work, in-flight activities may finish');
      worker.shutdown();
    };
    signal?.addEventListener('abort', abort, { once: true });
    logger.info(
      {
        ...describeTemporalConnection(temporal),
        taskQueue: overrides.taskQueue ?? config.taskQueue,
        model: config.anthropicBaseUrl ?? 'Anthropic API',
        modelApiKey: anthropicApiKey ? 'set' : 'not set',
        customTools: (tools ?? []).map((tool) => tool.name),
        mcpServers: mcpConfigs.map((server) => server.name),
        e2bSandbox: e2bApiKey ? 'on' : 'off (no E2B_API_KEY)',
        store: store.description,
        encryption: dataConverter ? 'on' : 'off',
        metrics: config.metricsAddress ?? 'off',
        health: health?.url ?? 'off',
        workerVersioning: config.deployment ? `${config.deployment.name}, build ${config.deployment.buildId}` : 'off',
        workflowBundle: workflowBundlePath ?? 'bundled at start',
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
    if (signal?.aborted) abort();
    try {
      // The SDK's runtime handles SIGINT/SIGTERM by calling worker.shutdown(): polling stops and in-flight
      // activities get shutdownGraceTime to finish and report before run() resolves.
      await worker.run();
    } finally {
      signal?.removeEventListener('abort', abort);
      for (const [name, listener] of listeners) process.removeListener(name, listener);
    }
  } finally {
    for (const close of opened) await close();
  }
  logger.info('keel worker stopped');
}

/**
 * The workflow bundle built at pack time beside the compiled code (`dist/workflow-bundle.js`), so an installed
 * worker polls at once instead of running webpack first. None when running from the sources, whose bundle would
 * be stale.
 */
function shippedWorkflowBundle(): string | undefined {
  if (import.meta.url.endsWith('.ts')) return undefined;
  const path = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));
  return existsSync(path) ? path : undefined;
}

/** The SDK's runtime is per process: install it once, and keep one already installed (a second worker in-process). */
function installSdkRuntime(logger: ReturnType<typeof createLogger>, metricsAddress: string | undefined): void {
  try {
    installRuntime({ logger, ...(metricsAddress ? { metricsAddress } : {}) });
  } catch (error) {
    if (!(error instanceof IllegalStateError)) throw error;
    logger.info('the SDK runtime is installed already: keeping its logger and metrics');
  }
}
