/**
 * What happens to stored content over a session's life and after it: a blob lost from the store fails the session
 * with `Store.NotFound` naming it (instead of retrying forever); `keel purge` and the retention sweeper delete a
 * finished session's content, snapshots and directory, keep what a fork still owns, and leave running sessions be.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { sessionKey } from '../../src/sandboxes/local/local-sandbox-provider.js';
import type { ContentStore } from '../../src/stores/content-store.js';
import { openContentStore } from '../../src/stores/open-content-store.js';
import { snapshotStoreOf } from '../../src/worker/purge-session.js';
import { startRetentionSweeper } from '../../src/worker/retention-sweeper.js';
import { runKeel } from '../harness/keel-cli.js';
import { uniqueTaskQueue } from '../harness/temporal-env.js';
import { useKeel } from '../harness/use-keel.js';
import { bigOutputTool } from '../harness/big-output-tool.js';
import { waitFor } from '../harness/wait-for.js';

const tools = [bigOutputTool()];
const text = (value: string) => ({ kind: 'message' as const, content: [{ type: 'text' as const, text: value }] });
const toolUse = (id: string, name: string, input: Record<string, unknown>) => ({ type: 'tool_use' as const, id, name, input });
/** A turn that stores a long tool output and writes a file (so the session has blobs and a snapshot), then ends. */
const storingTurn = (tag: string) => [
  { kind: 'message' as const, content: [toolUse(`toolu_${tag}_big`, 'big_output', {}), toolUse(`toolu_${tag}_file`, 'write_file', { path: 'a.txt', content: tag })] },
  text(`done ${tag}`),
];

describe('stored content lifecycle', () => {
  const keel = useKeel({ model: {} });
  let dataDir: string;
  let store: ContentStore;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'keel-lifecycle-'));
    keel.closeAfter({ close: () => rmSync(dataDir, { recursive: true, force: true }) });
    store = keel.closeAfter(await openContentStore({ kind: 'file', dataDir }));
  });

  test('lost blob: a stored context gone from the store fails the session with a non-retryable Store.NotFound naming its hash', async () => {
    const { environment, model } = keel;
    const folder = mkdtempSync(join(tmpdir(), 'keel-lost-'));
    const taskQueue = uniqueTaskQueue('lost');
    const first = await environment.startWorker({ taskQueue, modelUrl: model.url, store: await openContentStore({ kind: 'file', url: folder }) });
    model.push(text('first answer'));
    const session = await first.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'hello' }] });
    await waitFor('the first turn', async () => (await session.state()).status === 'waiting_for_input');
    await first.stop();
    // Every blob goes (a disk restored from an old backup, a store folder wiped); the owners' records stay.
    for (const name of readdirSync(folder)) if (name !== 'owners') rmSync(join(folder, name), { recursive: true, force: true });
    // A fresh worker: nothing of the session in its memory, so the next model call reads the stored context.
    const second = await environment.startWorker({ taskQueue, modelUrl: model.url, store: await openContentStore({ kind: 'file', url: folder }) });
    await environment.client.workflow.getHandle(session.workflowId).signal('userMessage', { content: 'and now?' });
    const handle = environment.client.workflow.getHandle(session.workflowId);
    await waitFor('the session to fail', async () => (await handle.describe()).status.name === 'FAILED', 60_000);
    const failure = await handle.result().then(
      () => undefined,
      (error: Error & { cause?: Error & { cause?: Error & { type?: string; nonRetryable?: boolean } } }) => error.cause?.cause,
    );
    assert.equal(failure?.type, 'Store.NotFound');
    assert.equal(failure?.nonRetryable, true);
    assert.match(failure?.message ?? '', /stored content sha256:[0-9a-f]{64} is not in the file store/);
    await second.stop();
  });

  test('keel purge: a finished session\'s blobs, snapshots and directory are deleted, a fork keeps what it shares, a running session is refused', async () => {
    const { environment, model } = keel;
    const worker = await environment.startWorker({ modelUrl: model.url, tools, store, dataDir });
    model.push(...storingTurn('purged'), text('still here'));
    const finished = await worker.sessions.start({ profile: 'test', tools: ['big_output', 'write_file'], messages: [{ role: 'user', content: 'go' }] }, { workflowId: 'purge-me' });
    assert.equal((await finished.result()).status, 'completed');
    const running = await worker.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'stay' }] }, { workflowId: 'purge-running' });
    await waitFor('the running session to answer', async () => (await running.state()).status === 'waiting_for_input');

    const hashes = await store.blobs.hashesOf('purge-me');
    assert.ok(hashes.length >= 2);
    const snapshots = snapshotStoreOf(dataDir);
    assert.equal(readdirSync(join(dataDir, 'snapshots')).filter((name) => name.endsWith('.pack')).length, 1);
    // A fork made before the purge owns its source's content too.
    await store.grant('purge-me', 'purge-me-fork');
    await snapshots.grant('purge-me', 'purge-me-fork');
    const shared = (await store.forSession('purge-me').putJson({ text: 'written after the fork' })).hash;

    const env = { KEEL_DATA_DIR: dataDir };
    const refused = await runKeel(['purge', 'purge-running'], { address: environment.address, env });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /still running: cancel it first/);
    const purged = await runKeel(['purge', 'purge-me', '--json'], { address: environment.address, env });
    assert.equal(purged.code, 0, purged.stderr);
    const report = JSON.parse(purged.stdout) as { blobsReleased: number; blobsDeleted: number; snapshotsDeleted: number };
    assert.deepEqual(report, { sessionId: 'purge-me', blobsReleased: hashes.length + 1, blobsDeleted: 1, snapshotsDeleted: 0 });
    assert.deepEqual(await store.blobs.hashesOf('purge-me'), []);
    assert.equal(await store.blobs.get(shared), undefined);
    for (const hash of hashes) assert.ok(await store.blobs.get(hash), 'what the fork owns stays');
    assert.equal(existsSync(join(dataDir, 'sandboxes', sessionKey('purge-me'))), false);

    await store.purge('purge-me-fork');
    assert.equal(await snapshots.purge('purge-me-fork'), 1);
    for (const hash of hashes) assert.equal(await store.blobs.get(hash), undefined);
    assert.ok((await store.blobs.hashesOf('purge-running')).length > 0, 'the running session is untouched');
    await running.cancel();
    await worker.stop();
  });

  test('retention: a sweep purges sessions closed for longer than the retention period, and keeps open ones and failed ones (for fork)', async () => {
    const { environment, model } = keel;
    const worker = await environment.startWorker({ modelUrl: model.url, tools, store, dataDir });
    model.push(...storingTurn('expired'), storingTurn('failed')[0], { kind: 'http-error', status: 400 }, text('open'));
    const finished = await worker.sessions.start({ profile: 'test', tools: ['big_output', 'write_file'], messages: [{ role: 'user', content: 'go' }] }, { workflowId: 'retention-finished' });
    await finished.result();
    const failed = await worker.sessions.start({ profile: 'test', tools: ['big_output', 'write_file'], messages: [{ role: 'user', content: 'go' }] }, { workflowId: 'retention-failed' });
    await assert.rejects(failed.result());
    const failedBlobs = await store.blobs.hashesOf('retention-failed');
    assert.ok(failedBlobs.length > 0);
    const open = await worker.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'stay' }] }, { workflowId: 'retention-open' });
    await waitFor('the open session to answer', async () => (await open.state()).status === 'waiting_for_input');

    // A session directory left by a worker that died, of a session Temporal no longer knows.
    const leftover = join(dataDir, 'sandboxes', sessionKey('retention-leftover'));
    mkdirSync(join(leftover, 'workspace'), { recursive: true });
    writeFileSync(join(leftover, 'sandbox.json'), JSON.stringify({ sessionId: 'retention-leftover', network: false }));

    const keeping = startRetentionSweeper({ client: environment.client, store, dataDir, retentionDays: 30 });
    assert.deepEqual((await keeping.sweep()).map((report) => report.sessionId), ['retention-leftover']);
    mkdirSync(join(leftover, 'workspace'), { recursive: true });
    writeFileSync(join(leftover, 'sandbox.json'), JSON.stringify({ sessionId: 'retention-leftover', network: false }));
    await keeping.stop();
    const sweeper = startRetentionSweeper({ client: environment.client, store, dataDir, retentionDays: 1 / (24 * 60 * 60 * 1000) });
    const purged = (await sweeper.sweep()).map((report) => report.sessionId);
    await sweeper.stop();
    assert.ok(purged.includes('retention-finished'));
    assert.ok(purged.includes('retention-leftover'));
    assert.equal(existsSync(leftover), false);
    assert.equal(purged.includes('retention-open'), false);
    assert.deepEqual(await store.blobs.hashesOf('retention-finished'), []);
    assert.equal(readdirSync(join(dataDir, 'snapshots')).some((name) => name.startsWith(sessionKey('retention-finished'))), false);
    assert.ok((await store.blobs.hashesOf('retention-open')).length > 0);
    assert.equal(purged.includes('retention-failed'), false);
    assert.deepEqual(await store.blobs.hashesOf('retention-failed'), failedBlobs);
    assert.ok(readdirSync(join(dataDir, 'snapshots')).some((name) => name.startsWith(sessionKey('retention-failed'))), 'the failed session keeps its snapshots');
    await open.cancel();
    await worker.stop();
  });
});
