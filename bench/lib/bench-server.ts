/**
 * The Temporal dev server a benchmark runs against: the project's own CLI (found or installed by
 * `ensureTemporalCli`), started through the SDK's ephemeral-server support with Keel's search attributes and, when
 * asked, dynamic config (eager execution, raised limits for baselines that need them).
 */
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { keelServerDynamicConfig, dynamicConfigArgs } from '../../src/dev/server-settings.js';
import { ensureTemporalCli, temporalCliVersion } from '../../src/dev/temporal-cli.js';
import { keelSearchAttributeKeys } from '../../src/shared/search-attributes.js';
import { childPids } from './process-cpu.js';

/** Server settings the bench runs Keel with: Keel's own (the demo's and the tests'); section "Tunings" measures them against the server's defaults. */
export const benchServerDynamicConfig: Record<string, string | number | boolean> = { ...keelServerDynamicConfig };

export interface BenchServerOptions {
  /** Dynamic config values, e.g. `{ 'system.enableActivityEagerExecution': true }`. @default none */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** SQLite file for the server's state (durable on disk); removed first. @default none: in-memory SQLite */
  dbFile?: string;
}

export interface BenchServer {
  env: TestWorkflowEnvironment;
  address: string;
  namespace: string;
  client: Client;
  /**
   * A client whose connection takes messages of any size the server sends: a long session's history comes back in
   * pages far larger than gRPC's default 4 MB limit.
   */
  historyClient: Client;
  /** The server process, for CPU accounting; undefined if it could not be told apart. */
  pid: number | undefined;
  /** `temporal --version` of the CLI that runs the server. */
  cliVersion: string;
  close(): Promise<void>;
}

/** @throws Error when no Temporal CLI can be found or installed. */
export async function startBenchServer(options: BenchServerOptions = {}): Promise<BenchServer> {
  const cli = ensureTemporalCli();
  if (!cli) throw new Error('no Temporal CLI: run `npm run bench` (its setup step installs one) or set TEMPORAL_CLI');
  const extraArgs = ['--log-level', 'error'];
  extraArgs.push(...dynamicConfigArgs(options.dynamicConfig ?? {}));
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${options.dbFile}${suffix}`, { force: true });
  }
  const before = new Set(childPids(process.pid, 'temporal'));
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cli },
      ip: '127.0.0.1',
      searchAttributes: keelSearchAttributeKeys,
      extraArgs,
      ...(options.dbFile ? { dbFilename: options.dbFile } : {}),
    },
  });
  const started = childPids(process.pid, 'temporal').filter((pid) => !before.has(pid));
  const historyConnection = await Connection.connect({
    address: env.address,
    channelArgs: { 'grpc.max_receive_message_length': 1024 * 1024 * 1024 },
  });
  const namespace = env.namespace ?? 'default';
  return {
    env,
    pid: started.length === 1 ? started[0] : undefined,
    address: env.address,
    namespace,
    client: env.client,
    historyClient: new Client({ connection: historyConnection, namespace }),
    cliVersion: temporalCliVersion(cli),
    async close() {
      await historyConnection.close();
      await env.teardown();
    },
  };
}
