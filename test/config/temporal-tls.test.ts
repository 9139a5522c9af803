import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { temporalTlsFromEnvironment } from '../../src/config/temporal-tls.js';
import { createClusterCertificates, type ClusterCertificates } from '../../src/dev/temporal-cluster/cluster-certificates.js';

describe('TLS to Temporal from the environment', () => {
  let folder: string;
  let certificates: ClusterCertificates;
  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'keel-tls-'));
    certificates = createClusterCertificates(folder);
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  test('temporalTlsFromEnvironment: none of the variables set means a plain connection', () => {
    assert.equal(temporalTlsFromEnvironment({ TEMPORAL_ADDRESS: 'localhost:7233' }), undefined);
    assert.equal(temporalTlsFromEnvironment({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_NAME: 'ignored' }), undefined);
  });

  test('temporalTlsFromEnvironment: client certificate, key, authority and server name become mutual TLS', () => {
    const tls = temporalTlsFromEnvironment({
      TEMPORAL_TLS_CLIENT_CERT_PATH: certificates.client.certificate,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certificates.client.key,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certificates.authority,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });
    assert.deepEqual(tls, {
      serverNameOverride: 'localhost',
      serverRootCACertificate: readFileSync(certificates.authority),
      clientCertPair: { crt: readFileSync(certificates.client.certificate), key: readFileSync(certificates.client.key) },
    });
    assert.deepEqual(temporalTlsFromEnvironment({ TEMPORAL_TLS: 'true' }), {});
  });

  test('temporalTlsFromEnvironment: a certificate without its key, or an unreadable file, is a ConfigError naming the variable', () => {
    assert.throws(() => temporalTlsFromEnvironment({ TEMPORAL_TLS_CLIENT_CERT_PATH: certificates.client.certificate }), { name: 'ConfigError', message: /TEMPORAL_TLS_CLIENT_KEY_PATH/ });
    assert.throws(() => temporalTlsFromEnvironment({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(folder, 'missing.pem') }), { name: 'ConfigError', message: /TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read/ });
    assert.throws(() => temporalTlsFromEnvironment({ TEMPORAL_TLS: 'maybe' }), { name: 'ConfigError', message: /TEMPORAL_TLS/ });
  });
});
