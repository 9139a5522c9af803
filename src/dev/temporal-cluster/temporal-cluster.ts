/**
 * A production-shaped Temporal cluster on this machine: a throwaway PostgreSQL holding Temporal's main store, its
 * SQL visibility and Keel's content store (database `keel`); the schemas set up with `temporal-sql-tool` as
 * Temporal's admin tools do; the four services (history, matching, the internal worker, frontend) as separate
 * processes of the server built from its Go module, with several history shards and mutual TLS on the frontend;
 * the namespace and Keel's search attributes registered. Each service, and PostgreSQL, can be killed and restarted
 * on its own, which is what the fault suite does. `npm run cluster` and the cluster tests start it. Dev tooling.
 */
import { Connection, type TLSConfig } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureSearchAttributes } from '../../worker/ensure-search-attributes.js';
import { isListening } from '../dev-server.js';
import { startPostgresServer, type PostgresServer } from '../postgres-server.js';
import { projectRoot } from '../project-root.js';
import { createClusterCertificates, type ClusterCertificates } from './cluster-certificates.js';
import { clusterServices, renderClusterConfig, temporalDatabases, type ClusterPorts, type ClusterService } from './cluster-config.js';
import { freeLowPorts } from './cluster-ports.js';
import { ensureTemporalServerTools, type TemporalServerTools } from './temporal-server-build.js';

const execFileAsync = promisify(execFile);

/** The dynamic config file the cluster and docker-compose.yml share. */
export function sharedDynamicConfigFile(root = projectRoot()): string {
  return join(root, 'deploy', 'temporal', 'dynamicconfig', 'development-sql.yaml');
}

export interface TemporalClusterOptions {
  /** Where config, certificates and logs go; removed by `stop()` when the cluster made it. @default a temporary folder */
  directory?: string;
  /** @default 4 */
  historyShards?: number;
  /** @default 'default' */
  namespace?: string;
  /** Progress lines. @default none */
  log?: (line: string) => void;
  /** How long a service may take to come up, ms. @default 120000 */
  startTimeoutMs?: number;
}

export interface TemporalCluster {
  /** The frontend, `127.0.0.1:<port>`; mutual TLS only. */
  address: string;
  namespace: string;
  tools: TemporalServerTools;
  certificates: ClusterCertificates;
  /** TLS options of a TypeScript SDK connection with Keel's client certificate. */
  tls: TLSConfig;
  /** The environment a Keel worker or client needs to reach the cluster (`TEMPORAL_ADDRESS`, `TEMPORAL_TLS_*`). */
  clientEnvironment: Record<string, string>;
  /** `temporal` CLI flags that reach the cluster with Keel's client certificate. */
  cliArgs: string[];
  postgres: PostgresServer;
  /** The content store's database (`KEEL_STORE=postgres`, `KEEL_STORE_URL`). */
  storeUrl: string;
  ports: ClusterPorts;
  directory: string;
  /** Log file of a service. */
  logFile(service: ClusterService): string;
  /** Process id of a running service, else `undefined`. */
  pid(service: ClusterService): number | undefined;
  /** A new client connection with Keel's client certificate. */
  connect(): Promise<Connection>;
  /** Sends a signal (default SIGKILL) and waits for the service to exit. */
  kill(service: ClusterService, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped service and waits until it serves. */
  start(service: ClusterService): Promise<void>;
  /** `kill` then `start`. */
  restart(service: ClusterService, signal?: NodeJS.Signals): Promise<void>;
  /** Stops PostgreSQL at once and starts it again; the services reconnect on their own. */
  restartPostgres(): Promise<void>;
  /** Stops every service and PostgreSQL; removes the folder when the cluster made it. Idempotent. */
  stop(): Promise<void>;
}

async function sqlTool(tools: TemporalServerTools, postgres: PostgresServer, database: string, args: string[]): Promise<void> {
  await execFileAsync(tools.sqlTool, ['--plugin', 'postgres12', '--ep', postgres.host, '-p', String(postgres.port), '-u', postgres.user, '--db', database, ...args]);
}

/** Creates both of Temporal's databases and migrates them to the newest schema version, as admin-tools does. */
async function setUpSchemas(tools: TemporalServerTools, postgres: PostgresServer): Promise<void> {
  for (const [database, schema] of [
    [temporalDatabases.main, 'temporal'],
    [temporalDatabases.visibility, 'visibility'],
  ] as const) {
    await sqlTool(tools, postgres, database, ['create']);
    await sqlTool(tools, postgres, database, ['setup-schema', '-v', '0.0']);
    await sqlTool(tools, postgres, database, ['update-schema', '-d', join(tools.postgresSchemaDirectory, schema, 'versioned')]);
  }
  await sqlTool(tools, postgres, 'keel', ['create']);
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, failed?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    const failure = failed?.();
    if (failure) throw new Error(`${what}: ${failure}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Builds the server when needed, then starts everything; resolves once the namespace serves Keel's attributes. */
export async function startTemporalCluster(options: TemporalClusterOptions = {}): Promise<TemporalCluster> {
  const log = options.log ?? (() => {});
  const namespace = options.namespace ?? 'default';
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const tools = await ensureTemporalServerTools({ log });
  const ownsDirectory = options.directory === undefined;
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'keel-cluster-'));
  mkdirSync(join(directory, 'logs'), { recursive: true });
  const certificates = createClusterCertificates(join(directory, 'certificates'));
  // Each of the four services keeps up to 20 + 10 connections, plus the content store's pools of the workers.
  const postgres = await startPostgresServer({ settings: { max_connections: '400' } });
  const children = new Map<ClusterService, { child: ChildProcess; exited: Promise<unknown> }>();
  const killAllNow = (): void => {
    for (const { child } of children.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killAllNow);

  try {
    log(`PostgreSQL on ${postgres.host}:${postgres.port}; setting up Temporal's schemas`);
    await setUpSchemas(tools, postgres);
    const [historyGrpc, historyMembership, matchingGrpc, matchingMembership, workerGrpc, workerMembership, frontendGrpc, frontendMembership, frontendHttp] = await freeLowPorts(9);
    const ports: ClusterPorts = {
      history: { grpc: historyGrpc!, membership: historyMembership! },
      matching: { grpc: matchingGrpc!, membership: matchingMembership! },
      worker: { grpc: workerGrpc!, membership: workerMembership! },
      frontend: { grpc: frontendGrpc!, membership: frontendMembership! },
      frontendHttp: frontendHttp!,
    };
    const configFile = join(directory, 'temporal.yaml');
    writeFileSync(
      configFile,
      renderClusterConfig({
        ports,
        postgres,
        historyShards: options.historyShards ?? 4,
        certificates,
        dynamicConfigFile: sharedDynamicConfigFile(),
      }),
    );
    const address = `127.0.0.1:${ports.frontend.grpc}`;
    const tls: TLSConfig = {
      serverNameOverride: certificates.serverName,
      serverRootCACertificate: readFileSync(certificates.authority),
      clientCertPair: { crt: readFileSync(certificates.client.certificate), key: readFileSync(certificates.client.key) },
    };
    const connect = (): Promise<Connection> => Connection.connect({ address, tls, connectTimeout: 5_000 });
    const logFile = (service: ClusterService): string => join(directory, 'logs', `${service}.log`);

    const serves = async (service: ClusterService): Promise<boolean> => {
      if (service !== 'frontend') return isListening('127.0.0.1', ports[service].grpc);
      const connection = await connect();
      try {
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    };
    const start = async (service: ClusterService): Promise<void> => {
      const running = children.get(service);
      if (running && running.child.exitCode === null && running.child.signalCode === null) return;
      const output = openSync(logFile(service), 'a');
      const child = spawn(tools.server, ['--config-file', configFile, '--allow-no-auth', 'start', '--service', service], { stdio: ['ignore', output, output] });
      closeSync(output);
      children.set(service, { child, exited: once(child, 'exit') });
      await waitUntil(`the ${service} service to serve`, () => serves(service), startTimeoutMs, () =>
        child.exitCode !== null ? `exited with ${child.exitCode}; see ${logFile(service)}:\n${readFileSync(logFile(service), 'utf8').slice(-3000)}` : undefined,
      );
    };
    const kill = async (service: ClusterService, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
      const running = children.get(service);
      if (!running || running.child.exitCode !== null || running.child.signalCode !== null) return;
      running.child.kill(signal);
      const timer = setTimeout(() => running.child.kill('SIGKILL'), 15_000);
      await running.exited;
      clearTimeout(timer);
    };

    // On a fresh database the history service must be up first (it writes the cluster metadata the others read),
    // then matching and the internal worker, then the frontend.
    log('starting history, then matching and the internal worker, then the frontend');
    await start('history');
    await Promise.all([start('matching'), start('worker')]);
    await start('frontend');

    const connection = await connect();
    try {
      const exists = await connection.workflowService.describeNamespace({ namespace }).then(
        () => true,
        () => false,
      );
      if (!exists) {
        await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('3 days') });
      }
      // A new namespace reaches the frontend's cache after a few seconds.
      await waitUntil(`namespace ${namespace}`, async () => (await ensureSearchAttributes(connection, namespace), true), startTimeoutMs);
      await waitUntil('Keel search attributes', async () => (await ensureSearchAttributes(connection, namespace)).length === 0, startTimeoutMs);
    } finally {
      await connection.close();
    }
    log(`Temporal cluster ready at ${address} (mutual TLS), namespace ${namespace}`);

    let stopped = false;
    return {
      address,
      namespace,
      tools,
      certificates,
      tls,
      clientEnvironment: {
        TEMPORAL_ADDRESS: address,
        TEMPORAL_TLS_CLIENT_CERT_PATH: certificates.client.certificate,
        TEMPORAL_TLS_CLIENT_KEY_PATH: certificates.client.key,
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: certificates.authority,
        TEMPORAL_TLS_SERVER_NAME: certificates.serverName,
      },
      cliArgs: ['--address', address, '--tls-cert-path', certificates.client.certificate, '--tls-key-path', certificates.client.key, '--tls-ca-path', certificates.authority, '--tls-server-name', certificates.serverName],
      postgres,
      storeUrl: postgres.databaseUrl('keel'),
      ports,
      directory,
      logFile,
      pid: (service) => {
        const running = children.get(service);
        return running && running.child.exitCode === null && running.child.signalCode === null ? running.child.pid : undefined;
      },
      connect,
      kill,
      start,
      async restart(service, signal) {
        await kill(service, signal);
        await start(service);
      },
      async restartPostgres() {
        await postgres.restart();
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        // The frontend first, so that clients see it go before the services behind it.
        for (const service of [...clusterServices].reverse()) await kill(service, 'SIGTERM');
        process.off('exit', killAllNow);
        await postgres.stop();
        if (ownsDirectory) rmSync(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    killAllNow();
    process.off('exit', killAllNow);
    await postgres.stop();
    throw error;
  }
}
