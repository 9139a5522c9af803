/**
 * Builds a Keel worker: the session workflow and its activities on one task queue. Used by `src/worker.ts`, the
 * demo and the tests (which pass a prebuilt workflow bundle and their own model adapter URL).
 */
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities } from '../activities/index.js';
import { ProfileRegistry } from '../config/profile-registry.js';
import { AnthropicModelAdapter } from '../models/anthropic/anthropic-model-adapter.js';
import type { ModelAdapter } from '../models/model-adapter.js';
import type { ProfileConfig } from '../shared/schemas/profile.js';

/** The workflow bundle's entry, for `workflowsPath` and `bundleWorkflowCode`. */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

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
  profilesFile?: string;
  profiles?: Record<string, ProfileConfig>;
  /** A registry built already (the worker process validates profiles before it connects); else built from the two above. */
  profileRegistry?: ProfileRegistry;
  /** Time in-flight activities get to finish on shutdown, ms. @default 30000 */
  shutdownGraceTimeMs?: number;
  /**
   * Payload conversion, e.g. `{ payloadCodecs: [new AesGcmCodec(keys)] }` for encryption at rest. Codecs run
   * outside the workflow sandbox, so the workflow bundle is the same with or without them. @default plain JSON
   */
  dataConverter?: DataConverter;
  /** Passed through to the SDK worker (tuning). */
  workerOptions?: Partial<WorkerOptions>;
}

/** @throws ConfigError when a profile is invalid (checked before the worker polls). */
export async function createKeelWorker(options: KeelWorkerOptions): Promise<Worker> {
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
    });
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities: createActivities({ model, profiles }),
    shutdownGraceTime: options.shutdownGraceTimeMs ?? 30_000,
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...options.workerOptions,
  });
}
