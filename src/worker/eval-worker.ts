/**
 * The eval's own worker, for a candidate given as a profile file (`keel eval --profile-file`): a whole Keel worker
 * (`runWorker`) in the eval's process, on a task queue of the eval's own, with the profiles this environment gives
 * workers (`KEEL_PROFILES`, the shipped ones) plus the candidate. The shared workers never see the candidate: no
 * client can push profile settings into a worker that others use (CONTRACT.md, "Trust boundary"). Everything else
 * comes from this environment as for any worker: the model credentials (`ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL`,
 * a cloud's for Bedrock or Vertex), the content store and data folder (which must be the shared workers', so the
 * recorded sessions' content and snapshots can be read), the grant key, MCP servers. What belongs to a long-lived
 * worker (health and metrics endpoints, retention sweeps, Worker Versioning) is left out. Client-side.
 */
import type { Client } from '@temporalio/client';
import { ConfigError } from '../errors.js';
import type { LogDestination } from '../logging/logger.js';
import { ProfileRegistry, readProfilesFile } from '../config/profile-registry.js';
import type { Profile } from '../shared/schemas/profile.js';
import { runWorker } from './run-worker.js';

/** Settings of a long-lived worker that an eval's worker must not take over from the environment. */
const LONG_LIVED_SETTINGS = ['KEEL_HEALTH_PORT', 'KEEL_METRICS_PORT', 'KEEL_RETENTION_DAYS', 'KEEL_DEPLOYMENT_NAME', 'KEEL_BUILD_ID'];

/** The eval sessions' task queue for an eval with its own worker. */
export const evalTaskQueue = (evalId: string): string => `keel-eval-${evalId}`;

export interface CandidateProfile {
  name: string;
  profile: Profile;
}

/**
 * The candidate in a profiles file (YAML or JSON, the format of `KEEL_PROFILES`): the profile `name` names, or the
 * file's only one. It may not share a name with a profile the workers' configuration here already has, which
 * would win over it (and make the report ambiguous).
 * @throws ConfigError naming the file, the profile and the field.
 */
export function readCandidateProfile(file: string, name: string | undefined, environment: NodeJS.ProcessEnv): CandidateProfile {
  const profiles = readProfilesFile(file);
  const names = [...profiles.keys()];
  const chosen = name ?? (names.length === 1 ? names[0] : undefined);
  if (chosen === undefined) throw new ConfigError(`${file}: ${names.length} profiles (${names.join(', ')}); name the candidate with --profile`);
  const profile = profiles.get(chosen);
  if (!profile) throw new ConfigError(`${file}: no profile "${chosen}" (it has: ${names.join(', ')})`);
  const known = new ProfileRegistry(environment.KEEL_PROFILES ? { file: environment.KEEL_PROFILES } : {});
  if (known.names().includes(chosen)) {
    throw new ConfigError(`${file}: profile "${chosen}": the workers' profiles${environment.KEEL_PROFILES ? ` (${environment.KEEL_PROFILES} or the shipped ones)` : ' (the shipped ones)'} have one of that name; give the candidate a name of its own`);
  }
  // Its fallbacks and canary must name profiles the eval's worker has: checked as that worker will.
  new ProfileRegistry({ ...(environment.KEEL_PROFILES ? { file: environment.KEEL_PROFILES } : {}), profiles: { [chosen]: profile } });
  return { name: chosen, profile };
}

export interface EvalWorkerOptions {
  candidate: CandidateProfile;
  taskQueue: string;
  /** The eval's environment: the worker's settings and model credentials come from it. */
  environment: NodeJS.ProcessEnv;
  /** Temporal frontend and namespace, as the eval's client has them. @default the environment's */
  address?: string;
  namespace?: string;
  /** The workers' grant key (the eval sessions' grants are checked with it). */
  grantKey: Buffer;
  /** Where the worker's log lines go (warnings and up unless `KEEL_LOG_LEVEL` says otherwise). */
  logDestination: LogDestination;
}

export interface EvalWorker {
  readonly taskQueue: string;
  /** Rejects when the worker fails or stops before {@link stop}: race the eval against it. */
  readonly failed: Promise<never>;
  /**
   * Resolves once the worker polls its task queue (from a source checkout it bundles the workflow code first),
   * so that the eval's first queries do not wait on a queue nobody serves yet; rejects as {@link failed} does.
   */
  ready(client: Client): Promise<void>;
  /** Stops the worker (nothing is in flight by then) and resolves once it has stopped; a failure was {@link failed}'s to report. */
  stop(): Promise<void>;
}

/** Starts the worker; it polls until {@link EvalWorker.stop}. */
export function startEvalWorker(options: EvalWorkerOptions): EvalWorker {
  const environment: NodeJS.ProcessEnv = { ...options.environment, KEEL_LOG_LEVEL: options.environment.KEEL_LOG_LEVEL ?? 'warn' };
  for (const name of LONG_LIVED_SETTINGS) delete environment[name];
  const controller = new AbortController();
  let stopping = false;
  const run = runWorker({
    environment,
    taskQueue: options.taskQueue,
    // A profile as parsed is a valid configuration of itself.
    profiles: { [options.candidate.name]: options.candidate.profile },
    grantKey: options.grantKey,
    signal: controller.signal,
    logDestination: options.logDestination,
    ...(options.address ? { address: options.address } : {}),
    ...(options.namespace ? { namespace: options.namespace } : {}),
  });
  const failed = run.then(() => {
    if (!stopping) throw new Error(`the eval's worker (task queue ${options.taskQueue}) stopped before the eval ended`);
    return new Promise<never>(() => undefined);
  });
  // Raced only while the eval runs; afterwards its outcome is stop()'s.
  failed.catch(() => undefined);
  const polling = async (client: Client) => {
    for (;;) {
      const queue = await client.workflowService.describeTaskQueue({ namespace: client.options.namespace, taskQueue: { name: options.taskQueue } });
      if ((queue.pollers ?? []).length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  return {
    taskQueue: options.taskQueue,
    failed,
    ready: (client) => Promise.race([polling(client), failed]),
    async stop() {
      stopping = true;
      controller.abort();
      await run.catch(() => undefined);
    },
  };
}
