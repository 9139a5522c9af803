/**
 * The certificates of the local cluster's mutual TLS, made with the machine's `openssl`: a throwaway certificate
 * authority, the frontend's server certificate (for `localhost` and `127.0.0.1`), and client certificates signed by
 * the same authority: one for Keel's workers and clients, one for Temporal's own internal worker service (which
 * calls the frontend like any client once client certificates are required). EC P-256 keys in PKCS#8, which Go,
 * rustls (the TypeScript SDK's core) and the `temporal` CLI all read. Dev tooling.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertificatePair {
  certificate: string;
  key: string;
}

export interface ClusterCertificates {
  /** The authority that signed every certificate below: clients trust the server with it, the server clients. */
  authority: string;
  /** The frontend's certificate. */
  server: CertificatePair;
  /** For Keel's workers, clients and the `temporal` CLI. */
  client: CertificatePair;
  /** For Temporal's internal worker service (`global.tls.systemWorker`). */
  systemWorker: CertificatePair;
  /** The name the server certificate is for. */
  serverName: string;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function newKey(path: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
}

function signed(directory: string, name: string, subject: string, extensions: string, authority: CertificatePair): CertificatePair {
  const pair = { certificate: join(directory, `${name}.pem`), key: join(directory, `${name}.key`) };
  const request = join(directory, `${name}.csr`);
  const extensionsFile = join(directory, `${name}.ext`);
  newKey(pair.key);
  openssl(['req', '-new', '-key', pair.key, '-subj', subject, '-out', request]);
  writeFileSync(extensionsFile, extensions);
  openssl(['x509', '-req', '-in', request, '-CA', authority.certificate, '-CAkey', authority.key, '-CAcreateserial', '-days', '30', '-sha256', '-extfile', extensionsFile, '-out', pair.certificate]);
  return pair;
}

/** Makes a fresh set in `directory`. Throws when `openssl` is missing or fails. */
export function createClusterCertificates(directory: string): ClusterCertificates {
  mkdirSync(directory, { recursive: true });
  const authority = { certificate: join(directory, 'ca.pem'), key: join(directory, 'ca.key') };
  newKey(authority.key);
  openssl(['req', '-x509', '-new', '-key', authority.key, '-subj', '/CN=Keel local cluster CA', '-days', '30', '-sha256', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', authority.certificate]);
  const serverName = 'localhost';
  const server = signed(directory, 'frontend', `/CN=${serverName}`, `subjectAltName=DNS:${serverName},IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n`, authority);
  const clientExtensions = 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n';
  const client = signed(directory, 'keel-client', '/CN=keel-client', clientExtensions, authority);
  const systemWorker = signed(directory, 'temporal-system-worker', '/CN=temporal-system-worker', clientExtensions, authority);
  return { authority: authority.certificate, server, client, systemWorker, serverName };
}
