/**
 * Worker settings from the environment, validated once at start. Every field documents its variable, default and
 * unit. Worker-side.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { DEFAULT_TASK_QUEUE } from '../shared/constants.js';
import type { LocalSandboxOptionsInput } from '../sandboxes/local/local-sandbox-options.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import type { BuiltInToolOptions } from '../tools/built-in/built-in-tool-options.js';

const workerEnvironmentSchema = z.object({
  /** @default `keel` (env `KEEL_TASK_QUEUE`) */
  KEEL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  /** A profiles file adding to the shipped profiles (env `KEEL_PROFILES`). */
  KEEL_PROFILES: z.string().min(1).optional(),
  /** A JSON file of MCP servers, `{"mcpServers": {...}}` as other MCP hosts write it (env `KEEL_MCP_CONFIG`). @default none */
  KEEL_MCP_CONFIG: z.string().min(1).optional(),
  /** Messages API base URL (env `ANTHROPIC_BASE_URL`); any server that speaks the Messages API. */
  ANTHROPIC_BASE_URL: z.url().optional(),
  /** Seconds that in-flight activities get to finish after SIGINT/SIGTERM. @default 30 (env `KEEL_SHUTDOWN_GRACE_SECONDS`) */
  KEEL_SHUTDOWN_GRACE_SECONDS: z.coerce.number().nonnegative().default(30),
  /** Where the worker keeps session data (sandboxes, stores). @default `.keel/data` (env `KEEL_DATA_DIR`) */
  KEEL_DATA_DIR: z.string().min(1).default('.keel/data'),
  /** Local sandbox limits; see src/sandboxes/local/local-sandbox-options.ts for units and defaults. */
  KEEL_SANDBOX_MEMORY_MB: z.coerce.number().int().positive().optional(),
  KEEL_SANDBOX_MAX_PROCESSES: z.coerce.number().int().positive().optional(),
  KEEL_SANDBOX_MAX_FILE_MB: z.coerce.number().int().positive().optional(),
  KEEL_SANDBOX_MAX_OPEN_FILES: z.coerce.number().int().positive().optional(),
  KEEL_SANDBOX_CPU_SECONDS: z.coerce.number().int().positive().optional(),
  KEEL_SANDBOX_TMP_MB: z.coerce.number().int().positive().optional(),
  KEEL_SANDBOX_SHM_MB: z.coerce.number().int().positive().optional(),
  KEEL_SANDBOX_DISK_QUOTA_MB: z.coerce.number().int().positive().optional(),
  KEEL_SANDBOX_UIDS: z.string().min(1).optional(),
  KEEL_SANDBOX_SNAPSHOT_MAX_MB: z.coerce.number().int().nonnegative().optional(),
  KEEL_SANDBOX_SNAPSHOT_KEEP: z.coerce.number().int().positive().optional(),
  KEEL_SANDBOX_CGROUP: z.string().min(1).optional(),
  KEEL_BWRAP: z.string().min(1).optional(),
  /** Run local sandbox commands WITHOUT isolation where bubblewrap cannot run. @default off (env `KEEL_UNSAFE_UNSANDBOXED_LOCAL=1`) */
  KEEL_UNSAFE_UNSANDBOXED_LOCAL: z.enum(['0', '1', 'true', 'false']).optional(),
  /** Wall-clock limit of a bash command when the model sets none, seconds. @default 120 (env `KEEL_COMMAND_TIMEOUT_SECONDS`) */
  KEEL_COMMAND_TIMEOUT_SECONDS: z.coerce.number().positive().default(120),
  /** Most a bash command may ask for, seconds. @default 600 (env `KEEL_COMMAND_MAX_TIMEOUT_SECONDS`) */
  KEEL_COMMAND_MAX_TIMEOUT_SECONDS: z.coerce.number().positive().default(600),
  /** Bytes kept of each output stream of a command, and of a read_file answer. @default 32768 (env `KEEL_TOOL_OUTPUT_BYTES`) */
  KEEL_TOOL_OUTPUT_BYTES: z.coerce.number().int().positive().default(32 * 1024),
  /** Heartbeat timeout of tool calls, seconds: how soon a call on a lost worker is noticed. @default 20 (env `KEEL_TOOL_HEARTBEAT_TIMEOUT_SECONDS`) */
  KEEL_TOOL_HEARTBEAT_TIMEOUT_SECONDS: z.coerce.number().positive().default(20),
  /** E2B control plane, when not E2B's own (the key is `E2B_API_KEY` or `E2B_API_KEY_FILE`, read apart). (env `E2B_API_URL`) */
  E2B_API_URL: z.url().optional(),
  /** One envd address for every E2B sandbox (a proxy). (env `E2B_SANDBOX_URL`) */
  E2B_SANDBOX_URL: z.url().optional(),
  /** E2B domain. @default the SDK's (env `E2B_DOMAIN`) */
  E2B_DOMAIN: z.string().min(1).optional(),
  /** Which content store: `file` (embedded, under KEEL_DATA_DIR) or `postgres` (shared). @default `file` (env `KEEL_STORE`) */
  KEEL_STORE: z.enum(['file', 'postgres']).default('file'),
  /**
   * Days a finished session's stored content, snapshots and session directory are kept before the worker deletes
   * them (checked hourly). @default off: kept until `keel purge` (env `KEEL_RETENTION_DAYS`)
   */
  KEEL_RETENTION_DAYS: z.coerce.number().positive().optional(),
  /** pino log level. @default `info` (env `KEEL_LOG_LEVEL`) */
  KEEL_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** A workflow bundle built ahead of time (`npm run bundle`); else the worker bundles at start (env `KEEL_WORKFLOW_BUNDLE`). */
  KEEL_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  /** Activities (model calls, tools) this worker runs at once. @default 100 (env `KEEL_MAX_CONCURRENT_ACTIVITIES`) */
  KEEL_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().positive().default(100),
  /** Workflow tasks this worker runs at once. @default 40 (env `KEEL_MAX_CONCURRENT_WORKFLOW_TASKS`) */
  KEEL_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).default(40),
  /** Sessions kept in the worker's cache (sticky execution). @default the SDK's, sized from the heap (env `KEEL_MAX_CACHED_WORKFLOWS`) */
  KEEL_MAX_CACHED_WORKFLOWS: z.coerce.number().int().nonnegative().optional(),
  /**
   * How long a session's next step waits for the worker that holds it in its cache before any worker may take it
   * (replaying its history), seconds. Shorter: a session whose worker died answers sooner (bench: the interrupted
   * turn's reply 17 s after a kill at the default, 8 s at 1 s); longer: fewer replays when a busy worker is slow to
   * pick its tasks. @default the SDK's, 10 (env `KEEL_STICKY_QUEUE_TIMEOUT_SECONDS`)
   */
  KEEL_STICKY_QUEUE_TIMEOUT_SECONDS: z.coerce.number().positive().optional(),
  /**
   * Activities per second across ALL workers of the task queue, enforced by the Temporal server: a cap on the rate
   * of model calls (the queue's dominant activity) to stay under a provider's rate limit. @default no cap (env
   * `KEEL_TASK_QUEUE_ACTIVITIES_PER_SECOND`)
   */
  KEEL_TASK_QUEUE_ACTIVITIES_PER_SECOND: z.coerce.number().positive().optional(),
  /** Serve the SDK's Prometheus metrics at `http://<host>:<port>/metrics`. @default off (env `KEEL_METRICS_PORT`) */
  KEEL_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** Interface for the metrics endpoint. @default `0.0.0.0` (env `KEEL_METRICS_HOST`) */
  KEEL_METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  /** Serve `GET /healthz` (200 while polling, 503 otherwise) for container health checks. @default off (env `KEEL_HEALTH_PORT`) */
  KEEL_HEALTH_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /**
   * Worker Versioning: the worker deployment this worker belongs to, and its build (set both, or neither). Sessions
   * stay on the build they started on and move at their next continue-as-new. @default unversioned (env
   * `KEEL_DEPLOYMENT_NAME`, `KEEL_BUILD_ID`)
   */
  KEEL_DEPLOYMENT_NAME: z.string().min(1).max(255).optional(),
  KEEL_BUILD_ID: z.string().min(1).max(255).optional(),
  /** Interface for the health endpoint. @default `0.0.0.0` (env `KEEL_HEALTH_HOST`) */
  KEEL_HEALTH_HOST: z.string().min(1).default('0.0.0.0'),
});

/**
 * Every variable the worker reads, for deployment files and their checks. Besides the settings above: the model
 * key (`ANTHROPIC_API_KEY` or a file named by `ANTHROPIC_API_KEY_FILE`), the encryption key ring
 * (`KEEL_ENCRYPTION_KEYS` or `KEEL_ENCRYPTION_KEYS_FILE`), the content store's address (`KEEL_STORE_URL` or
 * `KEEL_STORE_URL_FILE`: for `postgres` a connection string that may hold a password; for `file` the folder), and
 * where activities find credentials (`KEEL_SECRETS_DIR`; `KEEL_SECRET_<NAME>`
 * variables are per deployment). These are read where they are used and never enter a config object or a log.
 */
export const workerEnvironmentVariables: readonly string[] = [
  // Where Temporal is and which namespace: read by temporalConnectionFromEnvironment (with the rest of Temporal's
  // standard variables: TLS, API key, profiles), not by this schema.
  'TEMPORAL_ADDRESS',
  'KEEL_NAMESPACE',
  ...Object.keys(workerEnvironmentSchema.shape),
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_API_KEY_FILE',
  'KEEL_ENCRYPTION_KEYS',
  'KEEL_ENCRYPTION_KEYS_FILE',
  'KEEL_SECRETS_DIR',
  'E2B_API_KEY',
  'E2B_API_KEY_FILE',
  'KEEL_STORE_URL',
  'KEEL_STORE_URL_FILE',
  'KEEL_GRANT_KEY',
  'KEEL_GRANT_KEY_FILE',
];

export interface WorkerConfig {
  taskQueue: string;
  profilesFile?: string;
  /** The MCP servers' configuration file. */
  mcpConfigFile?: string;
  anthropicBaseUrl?: string;
  shutdownGraceSeconds: number;
  dataDir: string;
  /** Days a finished session's data is kept; undefined: until purged. */
  retentionDays?: number;
  /** Which content store; its URL (`KEEL_STORE_URL` / `_FILE`, which may hold a password) is read where it is used. */
  store: { kind: 'file' | 'postgres' };
  logLevel: z.infer<typeof workerEnvironmentSchema>['KEEL_LOG_LEVEL'];
  workflowBundlePath?: string;
  maxConcurrentActivities: number;
  maxConcurrentWorkflowTasks: number;
  maxCachedWorkflows?: number;
  stickyQueueTimeoutSeconds?: number;
  taskQueueActivitiesPerSecond?: number;
  /** `host:port` of the Prometheus endpoint, when on. */
  metricsAddress?: string;
  health?: { host: string; port: number };
  /** Worker Versioning's deployment name and build id, when set. */
  deployment?: { name: string; buildId: string };
  localSandbox: LocalSandboxOptionsInput;
  builtInTools: BuiltInToolOptions;
  toolHeartbeatTimeoutMs: number;
  /** Where the E2B provider connects (its key is read apart); empty for E2B's own service. */
  e2b: { apiUrl?: string; sandboxUrl?: string; domain?: string };
}

/** @throws ConfigError naming the variable. The API key is deliberately not part of this object: it is read by the model adapter alone. */
export function loadWorkerConfig(environment: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = workerEnvironmentSchema.safeParse(
    Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value !== '')),
  );
  if (!parsed.success) throw new ConfigError(`worker environment: ${describeIssues(parsed.error)}`);
  const env = parsed.data;
  if ((env.KEEL_DEPLOYMENT_NAME === undefined) !== (env.KEEL_BUILD_ID === undefined)) {
    throw new ConfigError('worker environment: KEEL_DEPLOYMENT_NAME and KEEL_BUILD_ID go together (Worker Versioning): set both, or neither');
  }
  return {
    taskQueue: env.KEEL_TASK_QUEUE,
    ...(env.KEEL_PROFILES ? { profilesFile: env.KEEL_PROFILES } : {}),
    ...(env.KEEL_MCP_CONFIG ? { mcpConfigFile: env.KEEL_MCP_CONFIG } : {}),
    ...(env.ANTHROPIC_BASE_URL ? { anthropicBaseUrl: env.ANTHROPIC_BASE_URL } : {}),
    shutdownGraceSeconds: env.KEEL_SHUTDOWN_GRACE_SECONDS,
    dataDir: env.KEEL_DATA_DIR,
    store: { kind: env.KEEL_STORE },
    ...(env.KEEL_RETENTION_DAYS !== undefined ? { retentionDays: env.KEEL_RETENTION_DAYS } : {}),
    logLevel: env.KEEL_LOG_LEVEL,
    ...(env.KEEL_WORKFLOW_BUNDLE ? { workflowBundlePath: env.KEEL_WORKFLOW_BUNDLE } : {}),
    maxConcurrentActivities: env.KEEL_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTasks: env.KEEL_MAX_CONCURRENT_WORKFLOW_TASKS,
    ...(env.KEEL_MAX_CACHED_WORKFLOWS !== undefined ? { maxCachedWorkflows: env.KEEL_MAX_CACHED_WORKFLOWS } : {}),
    ...(env.KEEL_STICKY_QUEUE_TIMEOUT_SECONDS !== undefined ? { stickyQueueTimeoutSeconds: env.KEEL_STICKY_QUEUE_TIMEOUT_SECONDS } : {}),
    ...(env.KEEL_TASK_QUEUE_ACTIVITIES_PER_SECOND !== undefined ? { taskQueueActivitiesPerSecond: env.KEEL_TASK_QUEUE_ACTIVITIES_PER_SECOND } : {}),
    ...(env.KEEL_METRICS_PORT !== undefined ? { metricsAddress: `${env.KEEL_METRICS_HOST}:${env.KEEL_METRICS_PORT}` } : {}),
    ...(env.KEEL_HEALTH_PORT !== undefined ? { health: { host: env.KEEL_HEALTH_HOST, port: env.KEEL_HEALTH_PORT } } : {}),
    ...(env.KEEL_DEPLOYMENT_NAME && env.KEEL_BUILD_ID ? { deployment: { name: env.KEEL_DEPLOYMENT_NAME, buildId: env.KEEL_BUILD_ID } } : {}),
    localSandbox: {
      ...(env.KEEL_SANDBOX_MEMORY_MB ? { memoryMb: env.KEEL_SANDBOX_MEMORY_MB } : {}),
      ...(env.KEEL_SANDBOX_MAX_PROCESSES ? { maxProcesses: env.KEEL_SANDBOX_MAX_PROCESSES } : {}),
      ...(env.KEEL_SANDBOX_MAX_FILE_MB ? { maxFileMb: env.KEEL_SANDBOX_MAX_FILE_MB } : {}),
      ...(env.KEEL_SANDBOX_MAX_OPEN_FILES ? { maxOpenFiles: env.KEEL_SANDBOX_MAX_OPEN_FILES } : {}),
      ...(env.KEEL_SANDBOX_CPU_SECONDS ? { cpuSeconds: env.KEEL_SANDBOX_CPU_SECONDS } : {}),
      ...(env.KEEL_SANDBOX_TMP_MB ? { tmpMb: env.KEEL_SANDBOX_TMP_MB } : {}),
      ...(env.KEEL_SANDBOX_SHM_MB ? { shmMb: env.KEEL_SANDBOX_SHM_MB } : {}),
      ...(env.KEEL_SANDBOX_DISK_QUOTA_MB ? { diskQuotaMb: env.KEEL_SANDBOX_DISK_QUOTA_MB } : {}),
      ...(env.KEEL_SANDBOX_UIDS ? { sessionUids: env.KEEL_SANDBOX_UIDS } : {}),
      ...(env.KEEL_SANDBOX_SNAPSHOT_MAX_MB !== undefined ? { snapshotMaxMb: env.KEEL_SANDBOX_SNAPSHOT_MAX_MB } : {}),
      ...(env.KEEL_SANDBOX_SNAPSHOT_KEEP !== undefined ? { snapshotKeep: env.KEEL_SANDBOX_SNAPSHOT_KEEP } : {}),
      ...(env.KEEL_SANDBOX_CGROUP ? { delegatedCgroup: env.KEEL_SANDBOX_CGROUP } : {}),
      ...(env.KEEL_BWRAP ? { bubblewrapPath: env.KEEL_BWRAP } : {}),
      unsafeUnsandboxed: env.KEEL_UNSAFE_UNSANDBOXED_LOCAL === '1' || env.KEEL_UNSAFE_UNSANDBOXED_LOCAL === 'true',
    },
    builtInTools: {
      defaultCommandTimeoutMs: env.KEEL_COMMAND_TIMEOUT_SECONDS * 1000,
      maxCommandTimeoutMs: env.KEEL_COMMAND_MAX_TIMEOUT_SECONDS * 1000,
      maxOutputBytes: env.KEEL_TOOL_OUTPUT_BYTES,
    },
    toolHeartbeatTimeoutMs: env.KEEL_TOOL_HEARTBEAT_TIMEOUT_SECONDS * 1000,
    e2b: {
      ...(env.E2B_API_URL ? { apiUrl: env.E2B_API_URL } : {}),
      ...(env.E2B_SANDBOX_URL ? { sandboxUrl: env.E2B_SANDBOX_URL } : {}),
      ...(env.E2B_DOMAIN ? { domain: env.E2B_DOMAIN } : {}),
    },
  };
}
