/**
 * The one fixture of a Temporal test file: called at the top of a `describe` (or of the file), it registers a
 * `before` that starts the dev server, the scripted model servers and the in-process workers the file asks for, and an
 * `after` that always takes down everything that was started, also when `before` failed half-way. What a test needs
 * beyond that (a codec server, an OTLP collector, a worker process) is handed to the fixture, which closes it too.
 */
import { after, before } from 'node:test';
import { startScriptedModelServer, type ScriptedModelServer, type ScriptedModelServerOptions } from '../../src/dev/scripted-model/index.js';
import { startTestEnvironment, type RunningWorker, type TestEnvironment, type WorkerSetup } from './temporal-env.js';
import { startWorkerProcess, type WorkerProcess, type WorkerProcessOptions } from './worker-process.js';

export interface KeelWorkerSetup extends WorkerSetup {
  /** Which of the file's scripted models the worker calls, by its name in `models`. @default the file's `model` */
  scriptedModel?: string;
}

/** A worker's setup, or a function that makes it once the server and models run (e.g. from a resource it starts). */
export type KeelWorkerOption = KeelWorkerSetup | ((keel: Keel) => KeelWorkerSetup | Promise<KeelWorkerSetup>);

export interface UseKeelOptions {
  /** Extra `temporal server start-dev` arguments, e.g. `--dynamic-config-value` settings. */
  serverArgs?: string[];
  /** Start a scripted model server with these options (`{}` for the defaults). @default no model server */
  model?: ScriptedModelServerOptions;
  /** Further scripted model servers, by name (e.g. one that does not check requests). */
  models?: Record<string, ScriptedModelServerOptions>;
  /** Start an in-process worker with this setup (`{}` for the defaults), calling the file's model. @default no worker */
  worker?: KeelWorkerOption;
  /** Further in-process workers, by name, each on its own task queue. */
  workers?: Record<string, KeelWorkerOption>;
}

/** A worker process: where to find the server, the model and the profiles defaults to the file's own. */
export type KeelWorkerProcessOptions = Omit<WorkerProcessOptions, 'address' | 'modelUrl' | 'profilesFile'> & Partial<WorkerProcessOptions>;

export interface Keel {
  readonly environment: TestEnvironment;
  /** The scripted model server of the `model` option. */
  readonly model: ScriptedModelServer;
  /** The worker of the `worker` option. */
  readonly worker: RunningWorker;
  /** A scripted model server of the `models` option. */
  namedModel(name: string): ScriptedModelServer;
  /** A worker of the `workers` option. */
  namedWorker(name: string): RunningWorker;
  /** Closes `resource` when the file ends, after the server and the models, the last handed in first; returns it. */
  closeAfter<T extends { close(): unknown }>(resource: T): T;
  /** Starts a worker process (`src/worker/main.ts`) that is killed (SIGKILL) when the file ends, if still running. */
  startWorkerProcess(options: KeelWorkerProcessOptions): Promise<WorkerProcess>;
}

/** The fixture without the node:test hooks: `useKeel` registers `start` and `close`. */
export interface KeelFixture {
  keel: Keel;
  /** Starts what the options ask for; on a failure, closes what had started and rethrows. */
  start(): Promise<void>;
  /** Takes down whatever was started; safe to call twice or before `start` ended. */
  close(): Promise<void>;
}

export function useKeel(options: UseKeelOptions = {}): Keel {
  const fixture = createKeelFixture(options);
  before(() => fixture.start());
  after(() => fixture.close());
  return fixture.keel;
}

const mainName = '';

export function createKeelFixture(options: UseKeelOptions = {}): KeelFixture {
  let environment: TestEnvironment | undefined;
  const models = new Map<string, ScriptedModelServer>();
  const workers = new Map<string, RunningWorker>();
  const processes: WorkerProcess[] = [];
  const resources: Array<{ close(): unknown }> = [];

  const notYet = (what: string) =>
    new Error(`useKeel: ${what} is not there: it is started by the describe's before hook, so use it inside a test or a later hook`);
  const started = <T>(found: Map<string, T>, name: string, option: string): T => {
    const value = found.get(name);
    if (value) return value;
    if (!environment) throw notYet(`the ${option}`);
    throw new Error(`useKeel: no ${option} (give it in the useKeel options)`);
  };

  const keel: Keel = {
    get environment() {
      if (!environment) throw notYet('the Temporal environment');
      return environment;
    },
    get model() {
      return started(models, mainName, 'model');
    },
    get worker() {
      return started(workers, mainName, 'worker');
    },
    namedModel: (name) => started(models, name, `model "${name}"`),
    namedWorker: (name) => started(workers, name, `worker "${name}"`),

    closeAfter(resource) {
      resources.push(resource);
      return resource;
    },
    async startWorkerProcess(processOptions) {
      const child = await startWorkerProcess({
        address: keel.environment.address,
        modelUrl: processOptions.modelUrl ?? keel.model.url,
        profilesFile: keel.environment.profilesFile,
        ...processOptions,
      });
      processes.push(child);
      return child;
    },
  };

  async function startWorker(name: string, option: KeelWorkerOption): Promise<void> {
    const { scriptedModel, ...setup } = typeof option === 'function' ? await option(keel) : option;
    // A worker given its own model adapter or URL keeps it; any other calls one of the file's scripted models.
    const calls = setup.model || setup.modelUrl ? {} : { modelUrl: (scriptedModel ? keel.namedModel(scriptedModel) : keel.model).url };
    workers.set(name, await keel.environment.startWorker({ ...setup, ...calls }));

  }

  async function close(): Promise<void> {
    // Worker processes first (they would only retry against a server that is gone), then the server with its
    // in-process workers, then what the workers called. Every step runs even when an earlier one fails.
    const steps: Array<() => unknown> = [
      () => Promise.allSettled(processes.splice(0).map((child) => child.kill('SIGKILL'))),
      () => environment?.close(),
      ...[...models.values()].map((model) => () => model.close()),
      ...resources.splice(0).reverse().map((resource) => () => resource.close()),
    ];
    const current = environment;
    const failures: unknown[] = [];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    }
    // The getters keep answering "not there" rather than handing out closed things.
    if (environment === current) environment = undefined;
    models.clear();
    workers.clear();
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, 'useKeel: several resources failed to close');
  }

  return {
    keel,
    async start() {
      try {
        environment = await startTestEnvironment({ serverArgs: options.serverArgs ?? [] });
        if (options.model) models.set(mainName, await startScriptedModelServer(options.model));
        for (const [name, modelOptions] of Object.entries(options.models ?? {})) models.set(name, await startScriptedModelServer(modelOptions));
        if (options.worker) await startWorker(mainName, options.worker);
        for (const [name, option] of Object.entries(options.workers ?? {})) await startWorker(name, option);
      } catch (error) {
        await close().catch(() => undefined);
        throw error;
      }
    },
    close,
  };
}
