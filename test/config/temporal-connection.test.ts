/**
 * How Keel's processes reach Temporal, seen from the wire: a gRPC proxy in front of the dev server records what the
 * worker process, the `keel` CLI and `SessionClient.connect` send (an API key), and, serving TLS with a CA of this
 * file's own, shows them connecting over mTLS with only Temporal's standard variables and refused without a client
 * certificate. The settings' precedence (KEEL_NAMESPACE, temporal.toml profiles) is checked on the resolved values.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SessionClient } from '../../src/client/session-client.js';
import { temporalConnectionFromEnvironment } from '../../src/config/temporal-connection.js';
import { startScriptedModelServer, type ScriptedModelServer } from '../../src/dev/scripted-model/index.js';
import { ConfigError } from '../../src/errors.js';
import { startGrpcProxy, type GrpcProxy } from '../harness/grpc-proxy.js';
import { runKeel } from '../harness/keel-cli.js';
import { startTestEnvironment, uniqueTaskQueue, type TestEnvironment } from '../harness/temporal-env.js';
import { waitFor } from '../harness/wait-for.js';
import { startWorkerProcess, type WorkerProcess } from '../harness/worker-process.js';

const workerEntry = fileURLToPath(new URL('../../src/worker/main.ts', import.meta.url));
const pollPath = '/temporal.api.workflowservice.v1.WorkflowService/PollWorkflowTaskQueue';

let environment: TestEnvironment;
let model: ScriptedModelServer;
let directory: string;

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl for this file. */
function makeCertificates(folder: string): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', string> {
  const path = (name: string) => join(folder, name);
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: folder, stdio: 'pipe' });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=keel-test-ca', '-keyout', 'ca.key', '-out', 'ca.pem']);
  for (const [name, subject, extension] of [
    ['server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    ['client', '/CN=keel-test-client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    writeFileSync(path(`${name}.ext`), `${extension}\n`);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`]);
  }
  return { ca: path('ca.pem'), serverCert: path('server.pem'), serverKey: path('server.key'), clientCert: path('client.pem'), clientKey: path('client.key') };
}

before(async () => {
  environment = await startTestEnvironment();
  model = await startScriptedModelServer({ responder: () => ({ kind: 'message', content: [{ type: 'text', text: 'done' }] }) });
  directory = mkdtempSync(join(tmpdir(), 'keel-connection-'));
});

after(async () => {
  await model?.close();
  await environment?.close();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

/** Starts src/worker/main.ts with Temporal reached through `address` and the given standard variables. */
function startWorker(address: string, taskQueue: string, env: Record<string, string>): Promise<WorkerProcess> {
  return startWorkerProcess({
    address,
    taskQueue,
    modelUrl: model.url,
    profilesFile: environment.profilesFile,
    env: { KEEL_WORKFLOW_BUNDLE: environment.workflowBundleFile, KEEL_DATA_DIR: join(directory, 'data'), ...env },
  });
}

/**
 * With a worker polling through the proxy: a session started by SessionClient.connect and run by that worker to
 * completion, then listed by `keel list`, every one of them configured by `standard` variables alone.
 */
async function runSessionThrough(proxy: GrpcProxy, taskQueue: string, standard: Record<string, string>): Promise<void> {
  await waitFor('a poll from the worker', () => proxy.requests.some((request) => request.path === pollPath));
  const sessions = await SessionClient.connect({ environment: { TEMPORAL_ADDRESS: proxy.address, KEEL_TASK_QUEUE: taskQueue, ...standard } });
  const session = await sessions.start({ messages: [{ role: 'user', content: 'hello' }] });
  assert.equal((await session.result()).finalText, 'done');
  await sessions.close();
  const listed = await runKeel(['list', '--json'], { address: proxy.address, taskQueue, env: standard });
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(session.workflowId));
}

describe('Temporal connection settings', () => {
  test('Temporal connection: KEEL_NAMESPACE wins over TEMPORAL_NAMESPACE; a temporal.toml profile gives address, namespace and API key', () => {
    const config = join(directory, 'temporal.toml');
    writeFileSync(config, ['[profile.staging]', 'address = "staging.example:7233"', 'namespace = "staging-ns"', 'api_key = "profile-key"', ''].join('\n'));
    const fromProfile = temporalConnectionFromEnvironment({ TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'staging' });
    assert.equal(fromProfile.connectionOptions.address, 'staging.example:7233');
    assert.equal(fromProfile.namespace, 'staging-ns');
    assert.equal(fromProfile.connectionOptions.apiKey, 'profile-key');
    // An API key turns TLS on unless TEMPORAL_TLS says otherwise.
    assert.equal(fromProfile.connectionOptions.tls, true);
    const overridden = temporalConnectionFromEnvironment({ TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'staging', TEMPORAL_NAMESPACE: 'env-ns', TEMPORAL_TLS: 'false' });
    assert.equal(overridden.namespace, 'env-ns');
    assert.equal(overridden.connectionOptions.tls, false);
    assert.equal(temporalConnectionFromEnvironment({ TEMPORAL_NAMESPACE: 'env-ns', KEEL_NAMESPACE: 'keel-ns' }).namespace, 'keel-ns');
    assert.deepEqual(temporalConnectionFromEnvironment({ TEMPORAL_CONFIG_FILE: join(directory, 'none.toml') }), {
      connectionOptions: { address: 'localhost:7233' },
      namespace: 'default',
    });
    assert.throws(
      () => temporalConnectionFromEnvironment({ TEMPORAL_TLS_CLIENT_CERT_PATH: join(directory, 'missing.pem'), TEMPORAL_TLS_CLIENT_KEY_PATH: join(directory, 'missing.key') }),
      (error: Error) => error instanceof ConfigError && /missing\.pem/.test(error.message),
    );
  });

  test("Temporal connection: with TEMPORAL_API_KEY set, the worker's, the CLI's and SessionClient's gRPC requests carry it", async () => {
    const proxy = await startGrpcProxy(environment.address);
    const taskQueue = uniqueTaskQueue('api-key');
    const standard = { TEMPORAL_API_KEY: 'keel-test-api-key', TEMPORAL_TLS: 'false' };
    const worker = await startWorker(proxy.address, taskQueue, standard);
    try {
      await runSessionThrough(proxy, taskQueue, standard);
      const paths = new Set(proxy.requests.map((request) => request.path.split('/').at(-1)));
      for (const method of ['PollWorkflowTaskQueue', 'PollActivityTaskQueue', 'StartWorkflowExecution', 'ListWorkflowExecutions']) assert.ok(paths.has(method), method);
      const unauthorised = proxy.requests.filter((request) => request.headers.authorization !== 'Bearer keel-test-api-key');
      assert.deepEqual(unauthorised.map((request) => request.path), []);
    } finally {
      await worker.kill('SIGTERM');
      await proxy.close();
    }
  });

  test('Temporal connection: worker, CLI and SessionClient reach Temporal over mTLS with only the standard variables, and are refused without a client certificate', async () => {
    const certificates = makeCertificates(mkdtempSync(join(directory, 'tls-')));
    const proxy = await startGrpcProxy(environment.address, {
      tls: { cert: readFileSync(certificates.serverCert), key: readFileSync(certificates.serverKey), clientCa: readFileSync(certificates.ca) },
    });
    const taskQueue = uniqueTaskQueue('mtls');
    const serverOnly = { TEMPORAL_TLS: 'true', TEMPORAL_TLS_SERVER_CA_CERT_PATH: certificates.ca };
    const mutual = { ...serverOnly, TEMPORAL_TLS_CLIENT_CERT_PATH: certificates.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: certificates.clientKey };
    const worker = await startWorker(proxy.address, taskQueue, mutual);
    try {
      await runSessionThrough(proxy, taskQueue, mutual);

      // Without the client certificate, each of them is refused at the handshake.
      const refusedBefore = proxy.refusedHandshakes;
      await assert.rejects(SessionClient.connect({ environment: { TEMPORAL_ADDRESS: proxy.address, ...serverOnly } }));
      const cli = await runKeel(['list'], { address: proxy.address, taskQueue, env: serverOnly });
      assert.equal(cli.code, 1);
      assert.match(cli.stderr, /cannot reach Temporal at 127\.0\.0\.1/);
      const refusedWorker = spawn(process.execPath, ['--import', 'tsx', workerEntry], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TEMPORAL_ADDRESS: proxy.address, KEEL_TASK_QUEUE: taskQueue, KEEL_DATA_DIR: join(directory, 'data'), ...serverOnly },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      refusedWorker.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const [code] = (await once(refusedWorker, 'close')) as [number | null];
      assert.equal(code, 1, output);
      assert.match(output, /keel worker: /);
      assert.ok(proxy.refusedHandshakes > refusedBefore, 'the proxy refused handshakes without a client certificate');
    } finally {
      await worker.kill('SIGTERM');
      await proxy.close();
    }
  });
});
