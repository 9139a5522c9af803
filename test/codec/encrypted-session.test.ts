import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { SessionClient } from '../../src/client/session-client.js';
import { AesGcmCodec } from '../../src/codec/aes-gcm-codec.js';
import { startCodecServer, type CodecServer } from '../../src/codec/codec-server.js';
import { parseEncryptionKeys } from '../../src/codec/encryption-keys.js';
import { uniqueTaskQueue } from '../harness/temporal-env.js';
import { textReply } from '../harness/scripted-replies.js';
import { useKeel } from '../harness/use-keel.js';
import { waitForStatus } from '../harness/wait-for.js';

const { temporal } = proto;
const run = promisify(execFile);
const oldKeys = `k1:${randomBytes(32).toString('base64')}`;
const rotatedKeys = `k2:${randomBytes(32).toString('base64')},${oldKeys}`;
const codecFor = (keys: string) => new AesGcmCodec(parseEncryptionKeys(keys));
const prompt = `the launch code is ${randomBytes(8).toString('hex')}`;
const firstReply = `acknowledged ${randomBytes(8).toString('hex')}`;
const secondPrompt = `and the backup code is ${randomBytes(8).toString('hex')}`;
const secondReply = `noted ${randomBytes(8).toString('hex')}`;

/** The whole history as the server stores it, in protobuf bytes: every payload, memo, summary and failure. */
async function rawHistoryBytes(client: Client, workflowId: string): Promise<Buffer> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return Buffer.from(temporal.api.history.v1.History.encode(history).finish());
}

/** Runs `fn` with `KEEL_ENCRYPTION_KEYS` set as a user of the CLI or the client library would have it. */
async function withKeysInEnvironment<T>(keys: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.KEEL_ENCRYPTION_KEYS;
  if (keys === undefined) delete process.env.KEEL_ENCRYPTION_KEYS;
  else process.env.KEEL_ENCRYPTION_KEYS = keys;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.KEEL_ENCRYPTION_KEYS;
    else process.env.KEEL_ENCRYPTION_KEYS = saved;
  }
}

describe('encrypted sessions', () => {
  let codecServer: CodecServer;
  const token = randomBytes(16).toString('hex');
  const codecRequests: { path: string; status: number }[] = [];
  const taskQueue = uniqueTaskQueue('encrypted');
  let workflowId: string;

  const keel = useKeel({ model: {} });
  before(async () => {
    codecServer = keel.closeAfter(await startCodecServer({ codec: codecFor(rotatedKeys), tokens: [token], onRequest: (entry) => codecRequests.push(entry) }));
  });

  test('codec: the raw history holds no plaintext of the prompt, and a client with the key reads the transcript', async () => {
    const worker = await keel.environment.startWorker({ taskQueue, modelUrl: keel.model.url, dataConverter: { payloadCodecs: [codecFor(oldKeys)] } });
    keel.model.push(textReply(firstReply));
    const sessions = await withKeysInEnvironment(oldKeys, () => SessionClient.connect({ address: keel.environment.address, taskQueue }));
    const handle = await sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: prompt }] });
    workflowId = handle.workflowId;
    await waitForStatus(handle, 'waiting_for_input', 'the first turn to end');
    // The model saw the real prompt: encryption is at rest, not in the worker.
    assert.equal(keel.model.requests.at(-1)!.body.messages[0].content, prompt);

    const raw = await rawHistoryBytes(keel.environment.client, workflowId);
    assert.ok(raw.length > 0);
    for (const secret of [prompt, firstReply, prompt.split(' ').at(-1)!, firstReply.split(' ').at(-1)!]) {
      assert.equal(raw.indexOf(secret), -1, `"${secret}" in the raw history`);
    }
    assert.ok(raw.includes('binary/encrypted'));

    // Any client built by SessionClient.connect (the CLI's too) picks the key ring up from the environment.
    const reader = await withKeysInEnvironment(oldKeys, () => SessionClient.connect({ address: keel.environment.address, taskQueue }));
    const transcript = await reader.getHandle(workflowId).fullTranscript();
    assert.deepEqual(
      transcript.map((entry) => (entry.kind === 'message' ? JSON.stringify(entry.content) : entry.kind)),
      [JSON.stringify(prompt), JSON.stringify([{ type: 'text', text: firstReply }])],
    );
    await worker.stop();
  });

  test('codec: after key rotation the session goes on, payloads written under the old key still decrypt, new ones use the new key', async () => {
    assert.ok(workflowId, 'runs after the first test');
    // A fresh worker with the rotated ring must replay the history written under k1 to go on.
    const worker = await keel.environment.startWorker({ taskQueue, modelUrl: keel.model.url, dataConverter: { payloadCodecs: [codecFor(rotatedKeys)] } });
    keel.model.push(textReply(secondReply));
    const sessions = await withKeysInEnvironment(rotatedKeys, () => SessionClient.connect({ address: keel.environment.address, taskQueue }));
    const handle = sessions.getHandle(workflowId);
    const reply = await handle.sendMessage(secondPrompt);
    assert.equal(reply.text, secondReply);
    const transcript = await handle.fullTranscript();
    assert.equal(transcript.length, 4);
    assert.equal(transcript[0]!.kind === 'message' && transcript[0]!.content, prompt);

    const raw = await rawHistoryBytes(keel.environment.client, workflowId);
    for (const secret of [prompt, firstReply, secondPrompt, secondReply]) assert.equal(raw.indexOf(secret), -1);
    const history = await keel.environment.client.workflow.getHandle(workflowId).fetchHistory();
    const keyIds = new Set<string>();
    const visit = (value: unknown): void => {
      if (!value || typeof value !== 'object') return;
      const metadata = (value as { metadata?: Record<string, Uint8Array> }).metadata;
      if (metadata?.['encryption-key-id']) keyIds.add(Buffer.from(metadata['encryption-key-id']).toString());
      for (const child of Object.values(value)) if (child && typeof child === 'object' && !(child instanceof Uint8Array)) visit(child);
    };
    visit(history);
    assert.deepEqual([...keyIds].sort(), ['k1', 'k2']);

    // The first input, sealed with k1, reads with the rotated ring; a ring without k1 refuses it by name.
    const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    assert.equal(Buffer.from(input.metadata!['encryption-key-id']!).toString(), 'k1');
    const [opened] = await codecFor(rotatedKeys).decode([input as never]);
    assert.match(Buffer.from(opened!.data!).toString(), new RegExp(prompt));
    await assert.rejects(codecFor(rotatedKeys.split(',')[0]!).decode([input as never]), /key "k1"/);

    // Without any key, a client cannot read the transcript at all.
    const blind = await withKeysInEnvironment(undefined, () => SessionClient.connect({ address: keel.environment.address, taskQueue }));
    await assert.rejects(blind.getHandle(workflowId).fullTranscript(), /encoding|binary\/encrypted/i);
    await worker.stop();
  });

  test('codec server: the temporal CLI shows decrypted history with the token, and is refused without it', async () => {
    assert.ok(workflowId, 'runs after the first test');
    const show = (extra: string[]) =>
      run(keel.environment.cli, ['workflow', 'show', '--workflow-id', workflowId, '--address', keel.environment.address, '--output', 'json', '--codec-endpoint', codecServer.url, ...extra], {
        maxBuffer: 32 * 1024 * 1024,
      });
    const decoded = await show(['--codec-auth', `Bearer ${token}`]);
    // JSON output keeps payload bytes in base64: read what the codec server gave the CLI.
    const shown = [...decoded.stdout.matchAll(/"data": "([A-Za-z0-9+/=]+)"/g)].map((match) => Buffer.from(match[1]!, 'base64').toString()).join('\n');
    assert.ok(shown.includes(prompt), 'the CLI shows the decrypted prompt');
    assert.ok(shown.includes(secondReply));
    // The CLI gives up on a refused codec server only when its command times out.
    await assert.rejects(show(['--command-timeout', '3s']), (error: Error & { stdout?: string; stderr?: string }) => {
      assert.ok(!(error.stdout ?? '').includes(prompt));
      return true;
    });
    // It failed because the codec server refused it.
    assert.ok(codecRequests.some((entry) => entry.path === '/decode' && entry.status === 401));
    assert.ok(codecRequests.some((entry) => entry.path === '/decode' && entry.status === 200));
  });
});
