import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { ClusterCertificates } from '../../src/dev/temporal-cluster/cluster-certificates.js';
import { clusterServices, renderClusterConfig } from '../../src/dev/temporal-cluster/cluster-config.js';
import { freeLowPorts } from '../../src/dev/temporal-cluster/cluster-ports.js';
import { sharedDynamicConfigFile } from '../../src/dev/temporal-cluster/temporal-cluster.js';
import { TEMPORAL_SERVER_VERSION } from '../../src/dev/temporal-cluster/temporal-server-build.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { image?: string; volumes?: string[]; environment?: Record<string, string> }>;
};

const certificates: ClusterCertificates = {
  authority: '/certs/ca.pem',
  server: { certificate: '/certs/frontend.pem', key: '/certs/frontend.key' },
  client: { certificate: '/certs/keel-client.pem', key: '/certs/keel-client.key' },
  systemWorker: { certificate: '/certs/system-worker.pem', key: '/certs/system-worker.key' },
  serverName: 'localhost',
};

async function renderedConfig(): Promise<any> {
  const [a, b, c, d, e, f, g, h, i] = await freeLowPorts(9);
  return parse(
    renderClusterConfig({
      ports: { history: { grpc: a!, membership: b! }, matching: { grpc: c!, membership: d! }, worker: { grpc: e!, membership: f! }, frontend: { grpc: g!, membership: h! }, frontendHttp: i! },
      postgres: { host: '127.0.0.1', port: 5432, user: 'keel' },
      historyShards: 4,
      certificates,
      dynamicConfigFile: sharedDynamicConfigFile(root),
    }),
  );
}

describe('the local cluster and docker-compose.yml', () => {
  test('local cluster: runs the Temporal server version that docker-compose.yml pins, for the server and its admin tools', () => {
    const images = Object.values(compose.services).map((service) => service.image ?? '');
    assert.ok(images.includes(`temporalio/server:${TEMPORAL_SERVER_VERSION}`), images.join(', '));
    assert.ok(images.filter((image) => image.startsWith('temporalio/admin-tools:')).every((image) => image === `temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`), images.join(', '));
  });

  test('local cluster: reads the very dynamic config file that docker-compose.yml mounts into the server', async () => {
    const server = compose.services.temporal!;
    const mount = server.volumes!.find((volume) => volume.startsWith('./deploy/temporal/dynamicconfig:'))!;
    assert.ok(mount, 'the dynamic config folder is mounted');
    assert.equal(basename(server.environment!.DYNAMIC_CONFIG_FILE_PATH!), basename(sharedDynamicConfigFile(root)));
    assert.equal(sharedDynamicConfigFile(root), join(root, mount.split(':')[0]!, basename(sharedDynamicConfigFile(root))));
    const config = await renderedConfig();
    assert.equal(config.dynamicConfigClient.filepath, sharedDynamicConfigFile(root));
  });

  test('local cluster config: four services, every port below 32768, client certificates required, the internal worker with its own', async () => {
    const config = await renderedConfig();
    assert.deepEqual(Object.keys(config.services).sort(), [...clusterServices].sort());
    for (const [name, service] of Object.entries(config.services as Record<string, { rpc: Record<string, unknown> }>)) {
      for (const key of ['grpcPort', 'membershipPort']) assert.ok((service.rpc[key] as number) < 32768, `${name} ${key}`);
    }
    assert.equal(config.persistence.numHistoryShards, 4);
    assert.equal(config.persistence.datastores['postgres-visibility'].sql.pluginName, 'postgres12');
    assert.equal(config.global.tls.frontend.server.requireClientAuth, true);
    assert.deepEqual(config.global.tls.frontend.server.clientCaFiles, [certificates.authority]);
    assert.equal(config.global.tls.systemWorker.certFile, certificates.systemWorker.certificate);
  });
});
