/**
 * Builds a Keel worker: the session workflow and its activities on one task queue. Used by `src/worker/main.ts`, the
 * demo and the tests (which pass a prebuilt workflow bundle and their own model adapter URL).
 */
import type { DataConverter } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { EventPublisher } from '../events/event-transport.js';
import { openEventPublisher } from '../events/events-settings.js';
import { defaultLocalEventsDirectory } from '../events/local/local-hub-registry.js';
import { ProfileRegistry } from '../config/profile-registry.js';
import type { EncryptionKeyRing } from '../codec/encryption-keys.js';
import { loadGrantKey } from '../codec/fork-grant.js';
import { ConfigError } from '../errors.js';
import { AnthropicModelAdapter } from '../models/anthropic/anthropic-model-adapter.js';
import type { ModelAdapter } from '../models/model-adapter.js';
import type { VertexAuthClient } from '../models/anthropic/create-messages-client.js';
import { describeLocalSandbox, prepareLocalSandboxHost } from '../sandboxes/local/local-sandbox-host.js';
import { localSandboxOptionsSchema, type LocalSandboxOptionsInput } from '../sandboxes/local/local-sandbox-options.js';
import { LocalSandboxProvider } from '../sandboxes/local/local-sandbox-provider.js';
import type { SandboxProvider } from '../sandboxes/sandbox-provider.js';
import { SandboxRegistry } from '../sandboxes/sandbox-registry.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import type { WorkerTracing } from '../tracing/worker-tracing.js';
import type { ProfileConfig } from '../shared/schemas/profile.js';
import { createBuiltInTools, defaultBuiltInToolOptions, type BuiltInToolOptions } from '../tools/built-in/index.js';
import type { ToolDefinition } from '../tools/define-tool.js';
import type { GraderDefinition } from '../eval/define-grader.js';
import { createReadOutputTool } from '../tools/built-in/read-output-tool.js';
import { ToolRegistry } from '../tools/tool-registry.js';
import type { ContentStore } from '../stores/content-store.js';
import { openContentStore } from '../stores/open-content-store.js';
import { JsonPayloadGuard } from './json-payload-guard.js';
import { sharedWorkflowModules, workflowsPath } from './workflow-bundle.js';
import type { McpServers } from '../mcp/mcp-servers.js';

export interface KeelWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** A prebuilt bundle (tests build it once per file); else the worker bundles `workflowsPath` itself. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** The model adapter. @default the Anthropic adapter reading `ANTHROPIC_API_KEY` / `ANTHROPIC_BASE_URL` */
  model?: ModelAdapter;
  /** Messages API base URL for the default adapter. */
  anthropicBaseUrl?: string;
  /** API key for the default adapter. @default env `ANTHROPIC_API_KEY` */
  anthropicApiKey?: string;
  /**
   * Google credentials for profiles on Vertex AI (an impersonated or workload-identity client from
   * google-auth-library). @default Application Default Credentials
   */
  vertexAuthClient?: VertexAuthClient;
  profilesFile?: string;
  profiles?: Record<string, ProfileConfig>;
  /** A registry built already (the worker process validates profiles before it connects); else built from the two above. */
  profileRegistry?: ProfileRegistry;
  /**
   * Where conversations and large outputs are kept; every worker of a task queue must use the same store. The
   * caller owns it (and closes it after the worker stops).
   * @default a file store under `dataDir`
   */
  store?: ContentStore;
  /**
   * Seals the default content store's blobs and the local sandbox's snapshots at rest (a `store` passed in must
   * have been opened with the same keys). @default none (src/worker/main.ts: env `KEEL_ENCRYPTION_KEYS`)
   */
  encryptionKeys?: EncryptionKeyRing;
  /** The key fork grants are checked with. @default env `KEEL_GRANT_KEY` / `_FILE`, else `<dataDir>/grant.key` (created) */
  grantKey?: Buffer;
  /** Time in-flight activities get to finish on shutdown, ms. @default 30000 */
  shutdownGraceTimeMs?: number;
  /**
   * Payload conversion, e.g. `{ payloadCodecs: [new AesGcmCodec(keys)] }` for encryption at rest. Codecs run
   * outside the workflow sandbox, so the workflow bundle is the same with or without them. @default plain JSON
   */
  dataConverter?: DataConverter;
  /** Passed through to the SDK worker (tuning). */
  workerOptions?: Partial<WorkerOptions>;
  /** Custom tools (see `defineTool`), offered beside the built-ins; a session enables them by name. */
  tools?: ToolDefinition[];
  /** Graders for `keel eval --grader <name>` (see `defineGrader`), run as the `gradeSession` activity. @default none */
  graders?: GraderDefinition[];
  /**
   * MCP tool sources: `new McpServers(loadMcpConfig(file), { secrets })`; a session enables their tools as
   * `mcp__<server>__<tool>` or a whole server as `mcp__<server>`. The caller owns them (`start()` to start the stdio
   * servers at once, `close()` after the worker stops). `runWorker` does all this from `mcpServers` or
   * `KEEL_MCP_CONFIG`. @default none
   */
  mcp?: McpServers;
  /** Where the worker keeps session data: the local sandbox's session directories (and the default store). @default `.keel/data` (src/worker/main.ts: env `KEEL_DATA_DIR`) */
  dataDir?: string;
  /** Limits and isolation of the local sandbox; see {@link LocalSandboxOptionsInput} for defaults. */
  localSandbox?: LocalSandboxOptionsInput;
  /** Command timeouts and output cap of the built-in tools; see {@link BuiltInToolOptions} for defaults. */
  builtInTools?: Partial<BuiltInToolOptions>;
  /** Heartbeat timeout of tools that set none, ms: how soon a call on a lost worker is noticed. @default 20000 */
  toolHeartbeatTimeoutMs?: number;
  /** More sandbox providers (such as E2B); one named `local` replaces the built-in local sandbox. */
  sandboxProviders?: SandboxProvider[];
  /**
   * OpenTelemetry tracing (opt-in: `createWorkerTracing(process.env)`): activity and workflow interceptors and the
   * sink that exports workflow spans. When `workflowBundle` is prebuilt, it must have been bundled with
   * `tracing.workflowInterceptorModules`. @default none
   */
  tracing?: WorkerTracing;
  /**
   * Where model calls publish their live stream (`SessionHandle.events()`, `keel serve`); `false` for none. The
   * caller owns one it passes (and closes it after the worker stops).
   * @default the local hub of this process, in the per-user folder clients on this machine look in (src/worker/main.ts: env `KEEL_EVENTS`)
   */
  events?: EventPublisher | false;
  /**
   * Worker Versioning: the worker deployment and build this worker belongs to (env `KEEL_DEPLOYMENT_NAME`,
   * `KEEL_BUILD_ID`). Sessions are pinned to the build they started on and move to the deployment's current build
   * at their next continue-as-new. A build takes new sessions once it is made the deployment's current version.
   * @default none: the worker takes any session of its task queue
   */
  deployment?: { name: string; buildId: string };
  /** Receives the start report (which sandbox limits are in force). @default none: silent */
  logger?: { info(message: string): void; warn(message: string): void };
}

/** The sandbox providers, with the local one prepared (host probed) unless replaced; reports what it found. */
async function prepareSandboxes(options: KeelWorkerOptions): Promise<SandboxRegistry> {
  const registry = new SandboxRegistry();
  const replacesLocal = options.sandboxProviders?.some((provider) => provider.name === 'local') ?? false;
  if (!replacesLocal) {
    const parsed = localSandboxOptionsSchema.safeParse(options.localSandbox ?? {});
    if (!parsed.success) throw new ConfigError(`local sandbox options: ${describeIssues(parsed.error)}`);
    const host = await prepareLocalSandboxHost(options.dataDir ?? '.keel/data', parsed.data);
    const report = describeLocalSandbox(host);
    const degraded = !report.available || host.isolation !== 'bubblewrap';
    for (const line of report.lines) (degraded ? options.logger?.warn : options.logger?.info)?.call(options.logger, line);
    if (report.available) {
      registry.register(new LocalSandboxProvider(host, { keep: parsed.data.snapshotKeep, ...(options.encryptionKeys ? { keys: options.encryptionKeys } : {}) }));
    }
    else registry.markUnavailable('local', host.bubblewrapProblem ?? 'bubblewrap cannot run');
  }
  registry.markUnavailable('e2b', 'no E2B provider is configured on this worker (set E2B_API_KEY)');
  for (const provider of options.sandboxProviders ?? []) registry.register(provider);
  return registry;
}

/** @throws ConfigError when a profile is invalid (checked before the worker polls). */
export async function createKeelWorker(options: KeelWorkerOptions): Promise<Worker> {
  const store =
    options.store ??
    (await openContentStore({ kind: 'file', ...(options.dataDir ? { dataDir: options.dataDir } : {}), ...(options.encryptionKeys ? { keys: options.encryptionKeys } : {}) }));
  const grantKey = options.grantKey ?? loadGrantKey(options.dataDir ?? '.keel/data', { create: true });
  const tools = new ToolRegistry(
    [
      ...createBuiltInTools({ ...defaultBuiltInToolOptions, ...options.builtInTools }),
      createReadOutputTool(store),
      ...(options.tools ?? []),
    ],
    options.toolHeartbeatTimeoutMs ?? 20_000,
  );
  const sandboxes = await prepareSandboxes(options);
  const profiles =
    options.profileRegistry ??
    new ProfileRegistry({
      ...(options.profilesFile ? { file: options.profilesFile } : {}),
      ...(options.profiles ? { profiles: options.profiles } : {}),
    });
  const model =
    options.model ??
    new AnthropicModelAdapter({
      ...(options.anthropicBaseUrl ? { baseURL: options.anthropicBaseUrl } : {}),
      ...(options.anthropicApiKey ? { apiKey: options.anthropicApiKey } : {}),
      ...(options.vertexAuthClient ? { vertexAuthClient: options.vertexAuthClient } : {}),
    });
  const events = options.events === false ? undefined : (options.events ?? (await openEventPublisher({ kind: 'local', directory: defaultLocalEventsDirectory() })));
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath, bundlerOptions: { preloadModules: sharedWorkflowModules } }),
    activities: createActivities({
      model,
      profiles,
      tools,
      sandboxes,
      store,
      grantKey,
      mcp: options.mcp,
      ...(events ? { events } : {}),
      ...(options.graders ? { graders: options.graders } : {}),
    }),
    shutdownGraceTime: options.shutdownGraceTimeMs ?? 30_000,
    // The guard decodes last (codecs decode in reverse order), so it sees what other codecs (encryption) opened.
    dataConverter: { ...options.dataConverter, payloadCodecs: [new JsonPayloadGuard(), ...(options.dataConverter?.payloadCodecs ?? [])] },
    ...(options.tracing ? { interceptors: options.tracing.interceptors, sinks: options.tracing.sinks } : {}),
    ...(options.deployment
      ? {
          workerDeploymentOptions: {
            useWorkerVersioning: true,
            version: { deploymentName: options.deployment.name, buildId: options.deployment.buildId },
            // A running session's workflow tasks stay on its build; continue-as-new moves it (session-continuation.ts).
            defaultVersioningBehavior: 'PINNED' as const,
          },
        }
      : {}),
    ...options.workerOptions,
  });
}
