/**
 * The compose stack's mutual TLS, kept in step without a Docker engine: the Temporal server's own config file
 * (deploy/temporal/config/temporal-server.yaml), rendered as the server renders it with the environment
 * docker-compose.yml gives it; the certificates deploy/temporal/scripts/generate-certs.sh makes; and the TLS
 * settings of every service that connects to the frontend, each naming a file the script makes in a folder the
 * service mounts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, posix } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { createClusterCertificates } from '../../src/dev/temporal-cluster/cluster-certificates.js';
import { renderClusterConfig } from '../../src/dev/temporal-cluster/cluster-config.js';
import { sharedDynamicConfigFile } from '../../src/dev/temporal-cluster/temporal-cluster.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const generateCerts = join(root, 'deploy/temporal/scripts/generate-certs.sh');

interface ComposeService {
  volumes?: string[];
  environment?: Record<string, string | number | boolean>;
}
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> };
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  assert.ok(found, `docker-compose.yml has a service ${name}`);
  return found;
};
const environment = (name: string): Record<string, string> =>
  Object.fromEntries(Object.entries(service(name).environment ?? {}).map(([key, value]) => [key, String(value)]));

/** The repository path behind a container path, through the service's bind mounts; undefined when none covers it. */
function hostPath(name: string, containerPath: string): string | undefined {
  for (const volume of service(name).volumes ?? []) {
    const [source, target] = volume.split(':') as [string, string];
    if (!source.startsWith('./')) continue;
    if (containerPath === target) return source;
    if (containerPath.startsWith(`${target}/`)) return `./${posix.join(source, containerPath.slice(target.length + 1))}`;
  }
  return undefined;
}

/**
 * The server's rendering of a `# enable-template` config file, for the two forms the file uses: `{{ env "X" }}`
 * (an unset variable renders empty, as sprig's `env` does). @throws when any other template action is left.
 */
function renderTemplate(text: string, env: Record<string, string>): { text: string; used: string[] } {
  const used: string[] = [];
  const rendered = text.replace(/\{\{\s*env\s+"([A-Z0-9_]+)"\s*\}\}/g, (_match, name: string) => {
    used.push(name);
    return env[name] ?? '';
  });
  const left = /.*\{\{.*/.exec(rendered);
  assert.equal(left?.[0], undefined, 'only {{ env "X" }} actions, which this check renders');
  return { text: rendered, used };
}

// What the image's entrypoint adds to the environment before the server starts (BIND_ON_IP 0.0.0.0 given).
const entrypointEnvironment = { TEMPORAL_BROADCAST_ADDRESS: '172.18.0.3' };
const serverEnvironment = environment('temporal');
const serverConfigPath = serverEnvironment.TEMPORAL_SERVER_CONFIG_FILE_PATH!;
const serverConfigFile = hostPath('temporal', serverConfigPath ?? '');
const certificatesDirectory = mkdtempSync(join(tmpdir(), 'keel-compose-certs-'));
after(() => rmSync(certificatesDirectory, { recursive: true, force: true }));

function renderedServerConfig(): { config: any; used: string[] } {
  const { text, used } = renderTemplate(readFileSync(join(root, serverConfigFile!), 'utf8'), { ...serverEnvironment, ...entrypointEnvironment });
  return { config: parse(text), used };
}

/** Every certificate and key path anywhere under `value`. */
function certificatePaths(value: unknown): string[] {
  if (typeof value === 'string') return /\.(pem|key)$/.test(value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(certificatePaths);
  if (value && typeof value === 'object') return Object.values(value).flatMap(certificatePaths);
  return [];
}

/** A generated file for a container path of `name`'s certificate mount (the script's folder stands for the mount's). */
function generatedFileFor(name: string, containerPath: string): string {
  const source = hostPath(name, containerPath);
  assert.ok(source, `${name}: ${containerPath} is inside a bind mount`);
  assert.match(source, /^\.\/deploy\/temporal\/certs\//, `${name}: ${containerPath} comes from the certificates folder`);
  return join(certificatesDirectory, basename(source));
}

const openssl = (args: string[]): string => execFileSync('openssl', args, { encoding: 'utf8' });

describe('the compose stack with mutual TLS', () => {
  before(() => execFileSync('sh', [generateCerts, certificatesDirectory], { encoding: 'utf8' }));

  test('generate-certs.sh: makes an authority and server and client certificates that verify against it, and keeps an existing set', () => {
    for (const name of ['frontend', 'keel-client', 'temporal-system-worker']) {
      assert.match(openssl(['verify', '-CAfile', join(certificatesDirectory, 'ca.pem'), join(certificatesDirectory, `${name}.pem`)]), /: OK/);
      // Each key is the one of its certificate.
      assert.equal(openssl(['pkey', '-in', join(certificatesDirectory, `${name}.key`), '-pubout']), openssl(['x509', '-in', join(certificatesDirectory, `${name}.pem`), '-noout', '-pubkey']));
    }
    const server = openssl(['x509', '-in', join(certificatesDirectory, 'frontend.pem'), '-noout', '-ext', 'subjectAltName,extendedKeyUsage']);
    assert.match(server, /DNS:temporal, DNS:localhost, IP Address:127\.0\.0\.1/);
    assert.match(server, /TLS Web Server Authentication/);
    for (const name of ['keel-client', 'temporal-system-worker']) {
      assert.match(openssl(['x509', '-in', join(certificatesDirectory, `${name}.pem`), '-noout', '-ext', 'extendedKeyUsage']), /TLS Web Client Authentication/);
    }
    assert.equal(statSync(join(certificatesDirectory, 'ca.key')).mode & 0o777, 0o600, 'the authority key stays private');

    const before = readFileSync(join(certificatesDirectory, 'ca.pem'), 'utf8');
    assert.match(execFileSync('sh', [generateCerts, certificatesDirectory], { encoding: 'utf8' }), /certificates exist/);
    assert.equal(readFileSync(join(certificatesDirectory, 'ca.pem'), 'utf8'), before);
    execFileSync('sh', [generateCerts, '--force', certificatesDirectory]);
    assert.notEqual(readFileSync(join(certificatesDirectory, 'ca.pem'), 'utf8'), before);
  });

  test('Temporal server: reads its own config file from the repository, with the dynamic config and the certificates mounted', () => {
    assert.ok(serverConfigPath, 'TEMPORAL_SERVER_CONFIG_FILE_PATH is set');
    assert.ok(serverConfigFile && existsSync(join(root, serverConfigFile)), `${serverConfigPath} is mounted from a file of the repository`);
    assert.match(readFileSync(join(root, serverConfigFile), 'utf8').slice(0, 1024), /^# enable-template/m, 'the server renders it as a template');
    assert.equal(serverEnvironment.BIND_ON_IP, '0.0.0.0');
    // As the local cluster runs its services (--allow-no-auth): the certificates authenticate, no authorizer.
    assert.equal(serverEnvironment.TEMPORAL_ALLOW_NO_AUTH, 'true');
    const { config } = renderedServerConfig();
    const dynamicConfig = hostPath('temporal', posix.join('/etc/temporal', config.dynamicConfigClient.filepath));
    assert.ok(dynamicConfig && existsSync(join(root, dynamicConfig)), `the dynamic config ${config.dynamicConfigClient.filepath} is mounted from the repository`);
    assert.equal(join(root, dynamicConfig), sharedDynamicConfigFile(root));
  });

  test('Temporal server config: rendered with the compose environment, it requires client certificates on the frontend and gives the internal worker its own', () => {
    const { config, used } = renderedServerConfig();
    const given = new Set([...Object.keys(serverEnvironment), ...Object.keys(entrypointEnvironment)]);
    assert.deepEqual([...new Set(used)].filter((name) => !given.has(name)), [], 'every variable the file reads is set');
    assert.equal(config.persistence.datastores['postgres-default'].sql.connectAddr, 'postgresql:5432');
    assert.equal(config.persistence.datastores['postgres-default'].sql.password, '${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}');
    assert.equal(config.publicClient.hostPort, '172.18.0.3:7233');

    const tls = config.global.tls;
    assert.equal(tls.frontend.server.requireClientAuth, true);
    assert.deepEqual(tls.frontend.server.clientCaFiles, ['/etc/temporal/certs/ca.pem']);
    assert.equal(tls.frontend.client.serverName, 'temporal');
    assert.ok(tls.systemWorker.certFile && tls.systemWorker.keyFile, 'the internal worker service has a client certificate');
    assert.equal(tls.systemWorker.client.serverName, 'temporal');
    assert.equal(config.services.frontend.rpc.grpcPort, 7233);
    const paths = certificatePaths(tls);
    assert.ok(paths.length >= 7, paths.join(', '));
    for (const path of paths) assert.ok(existsSync(generatedFileFor('temporal', path)), `${path} is a file generate-certs.sh makes`);
    // The internal worker's certificate is accepted by the frontend's own rule.
    assert.match(openssl(['verify', '-CAfile', generatedFileFor('temporal', tls.frontend.server.clientCaFiles[0]), generatedFileFor('temporal', tls.systemWorker.certFile)]), /: OK/);
  });

  test('Temporal server config: in step with the local cluster of npm run cluster (stores, shards, services, the TLS settings and their files)', () => {
    const { config } = renderedServerConfig();
    const directory = mkdtempSync(join(tmpdir(), 'keel-cluster-certs-'));
    try {
      const certificates = createClusterCertificates(directory);
      const ports = { grpc: 7000, membership: 6000 };
      const cluster = parse(
        renderClusterConfig({
          ports: { history: ports, matching: ports, worker: ports, frontend: ports, frontendHttp: 7243 },
          postgres: { host: '127.0.0.1', port: 5432, user: 'keel' },
          certificates,
          dynamicConfigFile: sharedDynamicConfigFile(root),
        }),
      );
      assert.equal(config.persistence.numHistoryShards, cluster.persistence.numHistoryShards);
      for (const store of ['postgres-default', 'postgres-visibility']) {
        for (const key of ['pluginName', 'databaseName', 'maxConns']) {
          assert.equal(config.persistence.datastores[store].sql[key], cluster.persistence.datastores[store].sql[key], `${store} ${key}`);
        }
      }
      assert.deepEqual(Object.keys(config.services).sort(), Object.keys(cluster.services).sort());
      // The same TLS settings, file for file (by name; the folders differ), the server name aside.
      const shape = (tls: unknown): unknown =>
        JSON.parse(JSON.stringify(tls, (_key, value: unknown) => (typeof value === 'string' ? (/\.(pem|key)$/.test(value) ? basename(value) : 'a name') : value)));
      assert.deepEqual(shape(config.global.tls), shape(cluster.global.tls));
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test('clients: the workers and the namespace step get the standard TEMPORAL_TLS_* variables, the UI its own, each naming a file the script makes', () => {
    const serverName = renderedServerConfig().config.global.tls.frontend.client.serverName as string;
    for (const name of ['worker', 'temporal-create-namespace']) {
      const env = environment(name);
      assert.equal(env.TEMPORAL_ADDRESS, 'temporal:7233', name);
      assert.equal(env.TEMPORAL_TLS_SERVER_NAME, serverName, name);
      for (const variable of ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH']) {
        assert.ok(env[variable], `${name} ${variable}`);
        assert.ok(existsSync(generatedFileFor(name, env[variable]!)), `${name} ${variable}=${env[variable]}`);
      }
      assert.match(openssl(['verify', '-CAfile', generatedFileFor(name, env.TEMPORAL_TLS_SERVER_CA_CERT_PATH!), generatedFileFor(name, env.TEMPORAL_TLS_CLIENT_CERT_PATH!)]), /: OK/);
    }
    const ui = environment('temporal-ui');
    assert.equal(ui.TEMPORAL_TLS_SERVER_NAME, serverName);
    assert.equal(ui.TEMPORAL_TLS_ENABLE_HOST_VERIFICATION, 'true');
    for (const variable of ['TEMPORAL_TLS_CA', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY']) {
      assert.ok(existsSync(generatedFileFor('temporal-ui', ui[variable]!)), `temporal-ui ${variable}=${ui[variable]}`);
    }
    // Every service that talks to the frontend is configured for TLS; the rest do not talk to it.
    const talking = Object.entries(compose.services).filter(([, spec]) => Object.values(spec.environment ?? {}).some((value) => String(value) === 'temporal:7233'));
    assert.deepEqual(talking.map(([name]) => name).sort(), ['temporal-create-namespace', 'temporal-ui', 'worker']);
  });

  test('generate-certs.sh writes to the folder docker-compose.yml mounts, which git ignores', () => {
    const script = readFileSync(generateCerts, 'utf8');
    assert.match(script, /dir="\$\{1:-\$\(dirname "\$0"\)\/\.\.\/certs\}"/);
    const mounted = hostPath('temporal', '/etc/temporal/certs/ca.pem');
    assert.equal(mounted, './deploy/temporal/certs/ca.pem');
    assert.match(readFileSync(join(root, '.gitignore'), 'utf8'), /^deploy\/temporal\/certs\/$/m);
  });
});
