import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SessionClient } from '../../src/client/session-client.js';
import { AesGcmCodec } from '../../src/codec/aes-gcm-codec.js';
import { parseEncryptionKeys } from '../../src/codec/encryption-keys.js';
import { freePort } from '../harness/free-port.js';
import { uniqueTaskQueue } from '../harness/temporal-env.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';

describe('worker operations', () => {
  const apiKey = `sk-test-${randomBytes(16).toString('hex')}`;

  // The model server accepts only the worker's real key, so a call that succeeds proves the key arrived.
  const keel = useKeel({ model: { apiKey } });

  test('worker: serves the SDK worker metrics on the opt-in Prometheus port and a health endpoint', async () => {
    const [metricsPort, healthPort] = [await freePort(), await freePort()];
    const taskQueue = uniqueTaskQueue('metrics');
    const worker = await keel.startWorkerProcess({
      taskQueue,
      apiKey,
      env: {
        KEEL_WORKFLOW_BUNDLE: keel.environment.workflowBundleFile,
        KEEL_METRICS_PORT: String(metricsPort),
        KEEL_METRICS_HOST: '127.0.0.1',
        KEEL_HEALTH_PORT: String(healthPort),
        KEEL_HEALTH_HOST: '127.0.0.1',
        KEEL_MAX_CONCURRENT_ACTIVITIES: '7',
      },
    });
    keel.model.push({ kind: 'message', content: [{ type: 'text', text: 'measured' }] });
    const handle = await new SessionClient({ client: keel.environment.client, taskQueue }).start({ profile: 'test', messages: [{ role: 'user', content: 'count me' }] });
    assert.equal((await handle.result()).finalText, 'measured');

    const metrics = await waitFor('the worker metrics', async () => {
      const body = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return /temporal_worker_task_slots_available\{[^}]*worker_type="ActivityWorker"/.test(body) && body.includes('temporal_activity_execution_latency') ? body : undefined;
    });
    // The tuning knob reached the SDK: the activity slots on offer are at most KEEL_MAX_CONCURRENT_ACTIVITIES.
    const activitySlots = metrics.split('\n').find((line) => line.startsWith('temporal_worker_task_slots_available{') && line.includes('worker_type="ActivityWorker"') && line.includes(taskQueue));
    assert.ok(activitySlots, metrics);
    assert.equal(Number(activitySlots.split(' ').at(-1)), 7);
    assert.match(metrics, /temporal_request\{/);

    const health = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { state: 'RUNNING' });
    assert.equal((await worker.kill('SIGTERM')).code, 0);
  });

  test('worker: the model key comes from a secret file and never reaches history or logs; neither do encryption keys', async () => {
    const secrets = mkdtempSync(join(tmpdir(), 'keel-secrets-'));
    writeFileSync(join(secrets, 'anthropic-api-key'), `${apiKey}\n`);
    const keyMaterial = randomBytes(32).toString('base64');
    const taskQueue = uniqueTaskQueue('secrets');
    const worker = await keel.startWorkerProcess({
      taskQueue,
      apiKey: '',
      env: {
        KEEL_WORKFLOW_BUNDLE: keel.environment.workflowBundleFile,
        ANTHROPIC_API_KEY_FILE: join(secrets, 'anthropic-api-key'),
        KEEL_ENCRYPTION_KEYS: `k1:${keyMaterial}`,
        KEEL_LOG_LEVEL: 'debug',
      },
    });
    keel.model.push({ kind: 'message', content: [{ type: 'text', text: 'authenticated' }] });
    const client = await SessionClient.connect({
      address: keel.environment.address,
      taskQueue,
      dataConverter: { payloadCodecs: [new AesGcmCodec(parseEncryptionKeys(`k1:${keyMaterial}`))] },
    });
    const handle = await client.start({ profile: 'test', messages: [{ role: 'user', content: 'who am I?' }] });
    assert.equal((await handle.result()).finalText, 'authenticated');
    assert.equal(keel.model.requests.at(-1)!.apiKey, apiKey);

    const history = JSON.stringify(await handle.workflow.fetchHistory());
    await worker.kill('SIGTERM');
    const output = worker.output();
    assert.match(output, /"modelApiKey":"set"/);
    assert.match(output, /"encryption":"on"/);
    for (const secret of [apiKey, keyMaterial, Buffer.from(keyMaterial, 'base64').toString('hex')]) {
      assert.ok(!output.includes(secret), 'a secret in the worker log');
      assert.ok(!history.includes(secret), 'a secret in the history');
    }
  });

  test('worker: a malformed key ring stops the worker at start with an error naming the variable, not the key', async () => {
    const short = randomBytes(16).toString('base64');
    await assert.rejects(
      keel.startWorkerProcess({
        taskQueue: uniqueTaskQueue('bad-keys'),
        env: { KEEL_ENCRYPTION_KEYS: `k1:${short}`, KEEL_WORKFLOW_BUNDLE: keel.environment.workflowBundleFile },
      }),
      (error: Error) => {
        assert.match(error.message, /KEEL_ENCRYPTION_KEYS: key 1 \(\\"k1\\"\): an AES-256 key is 32 bytes/);
        assert.ok(!error.message.includes(short));
        return true;
      },
    );
  });
});
