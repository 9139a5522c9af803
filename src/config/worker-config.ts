/**
 * Worker settings from the environment, validated once at start. Every field documents its variable, default and
 * unit. Worker-side.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE } from '../shared/constants.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';

const workerEnvironmentSchema = z.object({
  /** Temporal frontend, host:port. @default `localhost:7233` (env `TEMPORAL_ADDRESS`) */
  TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
  /** @default `default` (env `KEEL_NAMESPACE`) */
  KEEL_NAMESPACE: z.string().min(1).default(DEFAULT_NAMESPACE),
  /** @default `keel` (env `KEEL_TASK_QUEUE`) */
  KEEL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  /** A profiles file adding to the shipped profiles (env `KEEL_PROFILES`). */
  KEEL_PROFILES: z.string().min(1).optional(),
  /** Messages API base URL (env `ANTHROPIC_BASE_URL`); any server that speaks the Messages API. */
  ANTHROPIC_BASE_URL: z.url().optional(),
  /** Seconds that in-flight activities get to finish after SIGINT/SIGTERM. @default 30 (env `KEEL_SHUTDOWN_GRACE_SECONDS`) */
  KEEL_SHUTDOWN_GRACE_SECONDS: z.coerce.number().nonnegative().default(30),
  /** Where the worker keeps session data (sandboxes, stores). @default `.keel/data` (env `KEEL_DATA_DIR`) */
  KEEL_DATA_DIR: z.string().min(1).default('.keel/data'),
  /** pino log level. @default `info` (env `KEEL_LOG_LEVEL`) */
  KEEL_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export interface WorkerConfig {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  profilesFile?: string;
  anthropicBaseUrl?: string;
  shutdownGraceSeconds: number;
  dataDir: string;
  logLevel: z.infer<typeof workerEnvironmentSchema>['KEEL_LOG_LEVEL'];
}

/** @throws ConfigError naming the variable. The API key is deliberately not part of this object: it is read by the model adapter alone. */
export function loadWorkerConfig(environment: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = workerEnvironmentSchema.safeParse(
    Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value !== '')),
  );
  if (!parsed.success) throw new ConfigError(`worker environment: ${describeIssues(parsed.error)}`);
  const env = parsed.data;
  return {
    temporalAddress: env.TEMPORAL_ADDRESS,
    namespace: env.KEEL_NAMESPACE,
    taskQueue: env.KEEL_TASK_QUEUE,
    ...(env.KEEL_PROFILES ? { profilesFile: env.KEEL_PROFILES } : {}),
    ...(env.ANTHROPIC_BASE_URL ? { anthropicBaseUrl: env.ANTHROPIC_BASE_URL } : {}),
    shutdownGraceSeconds: env.KEEL_SHUTDOWN_GRACE_SECONDS,
    dataDir: env.KEEL_DATA_DIR,
    logLevel: env.KEEL_LOG_LEVEL,
  };
}
