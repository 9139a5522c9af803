/**
 * The compose stack's Temporal server configuration run for real, without Docker: the server built from its Go
 * module (the version docker-compose.yml pins) reads deploy/temporal/config/temporal-server.yaml and renders it with
 * the environment the compose file gives the container, on a throwaway PostgreSQL, with the certificates of
 * deploy/temporal/scripts/generate-certs.sh; then the compose stack's own namespace step runs against it with the
 * standard TEMPORAL_TLS_* settings. Only what Docker itself adds is left out: the file's ports are moved to free ones
 * and its certificate folder to the script's (a cluster test: it builds the server the first time).
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { startPostgresServer, type PostgresServer } from '../../src/dev/postgres-server.js';
import { ensureTemporalCli } from '../../src/dev/temporal-cli.js';
import { temporalDatabases } from '../../src/dev/temporal-cluster/cluster-config.js';
import { freeLowPorts } from '../../src/dev/temporal-cluster/cluster-ports.js';
import { sharedDynamicConfigFile } from '../../src/dev/temporal-cluster/temporal-cluster.js';
import { ensureTemporalServerTools, type TemporalServerTools } from '../../src/dev/temporal-cluster/temporal-server-build.js';
import { waitFor } from '../harness/wait-for.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { environment?: Record<string, unknown> }> };
const serverEnvironment = Object.fromEntries(Object.entries(compose.services.temporal!.environment ?? {}).map(([key, value]) => [key, String(value)]));
const namespaceStepEnvironment = Object.fromEntries(Object.entries(compose.services['temporal-create-namespace']!.environment ?? {}).map(([key, value]) => [key, String(value)]));

describe('the compose stack\'s Temporal server configuration, run', () => {
  let directory: string;
  let tools: TemporalServerTools;
  let postgres: PostgresServer | undefined;
  let server: ChildProcess | undefined;
  let address: string;
  let certificates: string;
  let cli: string;
  const logFile = () => join(directory, 'server.log');
  /** The compose file's client settings for the namespace step, with its /certs mount pointed at the script's folder. */
  const clientTls = (): Record<string, string> =>
    Object.fromEntries(Object.entries(namespaceStepEnvironment).filter(([key]) => key.startsWith('TEMPORAL_TLS_')).map(([key, value]) => [key, value.replace(/^\/certs\//, `${certificates}/`)]));
  const temporal = (args: string[], env: Record<string, string>) => run(cli, [...args, '--address', address], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 60_000 });

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'keel-compose-server-'));
    tools = await ensureTemporalServerTools();
    cli = ensureTemporalCli()!;
    assert.ok(cli, 'a Temporal CLI is installed');
    postgres = await startPostgresServer();
    const sql = (database: string, args: string[]) =>
      run(tools.sqlTool, ['--plugin', 'postgres12', '--ep', postgres!.host, '-p', String(postgres!.port), '-u', postgres!.user, '--db', database, ...args]);
    // What the compose stack's admin-tools step does (deploy/temporal/scripts/setup-postgres.sh).
    for (const [database, schema] of [[temporalDatabases.main, 'temporal'], [temporalDatabases.visibility, 'visibility']] as const) {
      await sql(database, ['create']);
      await sql(database, ['setup-schema', '-v', '0.0']);
      await sql(database, ['update-schema', '-d', join(tools.postgresSchemaDirectory, schema, 'versioned')]);
    }

    certificates = join(directory, 'certs');
    execFileSync('sh', [join(root, 'deploy/temporal/scripts/generate-certs.sh'), certificates]);
    // The file as the container reads it, but for its ports (free ones here) and its certificate folder.
    const ports = await freeLowPorts(9);
    const moved = new Map<string, number>();
    let text = readFileSync(join(root, 'deploy/temporal/config/temporal-server.yaml'), 'utf8').replaceAll('/etc/temporal/certs/', `${certificates}/`);
    text = text.replace(/(grpcPort|membershipPort|httpPort): (\d+)/g, (_match, key: string, port: string) => {
      if (!moved.has(port)) moved.set(port, ports[moved.size]!);
      return `${key}: ${moved.get(port)}`;
    });
    const frontendPort = moved.get('7233');
    assert.ok(frontendPort, 'the frontend listens on 7233 in the file');
    text = text.replaceAll('}}:7233"', `}}:${frontendPort}"`);
    const configFile = join(directory, 'temporal-server.yaml');
    writeFileSync(configFile, text);
    address = `127.0.0.1:${frontendPort}`;

    // The container's environment, with the addresses of this machine; the template actions are the server's own.
    const env: Record<string, string> = {
      ...serverEnvironment,
      PATH: process.env.PATH ?? '',
      TEMPORAL_SERVER_CONFIG_FILE_PATH: configFile,
      POSTGRES_SEEDS: postgres.host,
      DB_PORT: String(postgres.port),
      POSTGRES_USER: postgres.user,
      POSTGRES_PWD: '',
      BIND_ON_IP: '127.0.0.1',
      TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
      DYNAMIC_CONFIG_FILE_PATH: sharedDynamicConfigFile(root),
    };
    const output = openSync(logFile(), 'a');
    // As the image's entrypoint starts it: `temporal-server start`, every service in one process.
    server = spawn(tools.server, ['start'], { env, stdio: ['ignore', output, output], cwd: dirname(configFile) });
    closeSync(output);
    await waitFor(
      'the frontend to serve over mutual TLS',
      async () => {
        if (server!.exitCode !== null) throw new Error(`the server exited:\n${readFileSync(logFile(), 'utf8').slice(-3000)}`);
        return (await temporal(['operator', 'cluster', 'health'], clientTls())).stdout.includes('SERVING');
      },
      180_000,
      1_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${readFileSync(logFile(), 'utf8').slice(-3000)}`);
    });
  });

  after(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      const timer = setTimeout(() => server?.kill('SIGKILL'), 15_000);
      await once(server, 'exit');
      clearTimeout(timer);
    }
    await postgres?.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  test('compose server config: the server renders it and serves the frontend to clients with a certificate of the stack, and refuses others', async () => {
    assert.match((await temporal(['operator', 'cluster', 'health'], clientTls())).stdout, /SERVING/);
    const { TEMPORAL_TLS_CLIENT_CERT_PATH: _cert, TEMPORAL_TLS_CLIENT_KEY_PATH: _key, ...withoutCertificate } = clientTls();
    await assert.rejects(temporal(['operator', 'cluster', 'health'], withoutCertificate), (error: { stderr: string }) => /certificate/i.test(error.stderr));
    // A certificate of another authority is refused as well.
    const stranger = join(directory, 'stranger');
    execFileSync('sh', [join(root, 'deploy/temporal/scripts/generate-certs.sh'), stranger]);
    await assert.rejects(temporal(['operator', 'cluster', 'health'], { ...clientTls(), TEMPORAL_TLS_CLIENT_CERT_PATH: join(stranger, 'keel-client.pem'), TEMPORAL_TLS_CLIENT_KEY_PATH: join(stranger, 'keel-client.key') }));
  });

  test('compose namespace step: create-namespace.sh, with the standard TEMPORAL_TLS_* settings, creates the namespace and Keel\'s search attributes', async () => {
    const directoryOfCli = dirname(cli);
    const { stdout } = await run('sh', [join(root, 'deploy/temporal/scripts/create-namespace.sh')], {
      env: { PATH: `${directoryOfCli}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? '', ...clientTls(), TEMPORAL_ADDRESS: address, KEEL_NAMESPACE: 'keel-compose' },
      timeout: 240_000,
    });
    assert.match(stdout, /namespace keel-compose created/);
    const { stdout: attributes } = await temporal(['operator', 'search-attribute', 'list', '--namespace', 'keel-compose'], clientTls());
    for (const name of ['KeelStatus', 'KeelProfile', 'KeelTurns', 'KeelTokens', 'KeelCostUsd']) assert.match(attributes, new RegExp(name));
  });

  test('compose server config: the internal worker service reaches the frontend with its own certificate (a schedule fires)', async () => {
    const tls = clientTls();
    const namespace = ['--namespace', 'compose-schedules'];
    await temporal(['operator', 'namespace', 'create', ...namespace], tls);
    // A new namespace reaches the frontend's cache after a few seconds.
    await waitFor(
      'the schedule to be created',
      async () => (await temporal(['schedule', 'create', ...namespace, '--schedule-id', 'compose-check', '--interval', '1h', '--type', 'ComposeCheck', '--task-queue', 'compose-check', '--workflow-id', 'compose-check-run'], tls), true),
      60_000,
      1_000,
    );
    await temporal(['schedule', 'trigger', ...namespace, '--schedule-id', 'compose-check'], tls);
    // Schedules run as workflows of the internal worker service, which starts the scheduled run through the frontend.
    await waitFor(
      'the scheduled run',
      async () => (await temporal(['workflow', 'list', ...namespace, '--query', "WorkflowType = 'ComposeCheck'", '--output', 'json'], tls)).stdout.includes('compose-check-run'),
      120_000,
      1_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${readFileSync(logFile(), 'utf8').split('\n').filter((line) => /"level":"(error|warn)"/.test(line)).slice(-10).join('\n')}`);
    });
  });
});
