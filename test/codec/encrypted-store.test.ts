/**
 * With encryption on, nothing of a conversation is stored in plaintext anywhere Keel writes: the history (a session
 * started through the `keel` CLI), the file content store and snapshots under the data folder, and the PostgreSQL
 * store's tables. A marker sentence goes through the prompt, a long tool output (stored by reference), a file in the
 * sandbox (snapshotted) and the reply; then every byte is searched for it.
 */
import proto from '@temporalio/proto';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import pg from 'pg';
import { AesGcmCodec } from '../../src/codec/aes-gcm-codec.js';
import { parseEncryptionKeys } from '../../src/codec/encryption-keys.js';
import { openContentStore } from '../../src/stores/open-content-store.js';
import { runKeel } from '../harness/keel-cli.js';
import { startPostgresServer } from '../harness/postgres-server.js';
import { uniqueTaskQueue } from '../harness/temporal-env.js';
import { bigOutputTool } from '../harness/big-output-tool.js';
import { useKeel } from '../harness/use-keel.js';

const { temporal } = proto;
const keysText = `k1:${randomBytes(32).toString('base64')}`;
const keys = parseEncryptionKeys(keysText);
const dataConverter = { payloadCodecs: [new AesGcmCodec(keys)] };
const marker = `the quiet marker sentence ${randomBytes(8).toString('hex')}`;
const tools = [bigOutputTool(marker)];
const toolUse = (id: string, name: string, input: Record<string, unknown>) => ({ type: 'tool_use' as const, id, name, input });
const script = () =>
  [
    { kind: 'message' as const, content: [toolUse('toolu_big', 'big_output', {}), toolUse('toolu_file', 'write_file', { path: 'marker.txt', content: marker })] },
    { kind: 'message' as const, content: [{ type: 'text' as const, text: `I repeat: ${marker} ${'and more '.repeat(1_500)}` }] },
  ];

/** Files under `folder` whose bytes contain `needle`. */
function filesContaining(folder: string, needle: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (readFileSync(path).includes(needle)) found.push(path);
  }
  return found;
}

describe('encryption at rest beyond history', () => {
  const keel = useKeel({ model: {} });

  test('encryption: a session driven by the keel CLI leaves no plaintext of its marker in the history, the data folder or the file store', async () => {
    const { environment, model } = keel;
    const dataDir = mkdtempSync(join(tmpdir(), 'keel-sealed-data-'));
    const store = await openContentStore({ kind: 'file', dataDir, keys });
    const worker = await environment.startWorker({ modelUrl: model.url, tools, dataDir, store, dataConverter, encryptionKeys: keys });
    model.push(...script());
    const started = await runKeel(['start', `Please remember: ${marker}`, '--profile', 'test', '--tool', 'big_output', '--tool', 'write_file', '--id', 'sealed-cli', '--wait'], {
      address: environment.address,
      taskQueue: worker.taskQueue,
      env: { KEEL_ENCRYPTION_KEYS: keysText },
    });
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /I repeat: the quiet marker sentence/);
    // The model saw it all: encryption is at rest only.
    assert.ok(JSON.stringify(model.requests.at(-1)!.body).includes(marker));

    const history = await environment.client.workflow.getHandle('sealed-cli').fetchHistory();
    const raw = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    assert.equal(raw.includes(marker), false, 'the marker is in the history');
    // The CLI sealed the input it sent (search attributes stay plain by design: they hold no conversation).
    const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    assert.equal(Buffer.from(input.metadata!.encoding!).toString(), 'binary/encrypted');
    // Stored content and a snapshot were written, sealed.
    assert.ok(readdirSync(join(dataDir, 'store')).length > 1);
    assert.ok(readdirSync(join(dataDir, 'snapshots')).some((name) => name.endsWith('.pack')));
    assert.deepEqual(filesContaining(dataDir, marker), []);
    assert.deepEqual(filesContaining(dataDir, 'marker.txt'), []);
    await worker.stop();
    await store.close();
  });

  test('encryption: the PostgreSQL store holds no plaintext of the marker in any table', async () => {
    const { environment, model } = keel;
    const postgres = await startPostgresServer();
    keel.closeAfter({ close: () => postgres.stop() });
    const store = await openContentStore({ kind: 'postgres', url: postgres.url, keys });
    const worker = await environment.startWorker({ taskQueue: uniqueTaskQueue('sealed-pg'), modelUrl: model.url, tools, store, dataConverter, encryptionKeys: keys });
    model.push(...script());
    const session = await worker.sessions.start({ profile: 'test', tools: ['big_output', 'write_file'], messages: [{ role: 'user', content: `Please remember: ${marker}` }] });
    const result = await session.result();
    assert.equal(result.status, 'completed');
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const blobs = await client.query<{ data: Buffer }>('SELECT data FROM keel_blobs');
      assert.ok(blobs.rows.length > 1);
      for (const row of blobs.rows) assert.equal(row.data.includes(marker), false);
      const owners = await client.query<{ owner: string; hash: string }>('SELECT owner, hash FROM keel_blobs_owners');
      assert.ok(owners.rows.every((row) => row.owner === session.workflowId));
      const dump = JSON.stringify(owners.rows);
      assert.equal(dump.includes(marker), false);
    } finally {
      await client.end();
    }
    await worker.stop();
    await store.close();
  });
});
