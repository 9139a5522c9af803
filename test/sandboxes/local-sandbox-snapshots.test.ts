/**
 * Snapshots of the local sandbox (for `keel fork`): a copy of the session's files at a turn boundary, and a new
 * sandbox that starts from one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { prepareLocalSandboxHost } from '../../src/sandboxes/local/local-sandbox-host.js';
import { localSandboxOptionsSchema } from '../../src/sandboxes/local/local-sandbox-options.js';
import { LocalSandboxProvider } from '../../src/sandboxes/local/local-sandbox-provider.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

describe('local sandbox snapshots', () => {
  let dataDir: string;
  let provider: LocalSandboxProvider;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'keel-snapshots-'));
    provider = new LocalSandboxProvider(await prepareLocalSandboxHost(dataDir, localSandboxOptionsSchema.parse({})));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('snapshot: a later sandbox starts from the files as they were, unaffected by what changed since; a retaken snapshot replaces the old', async () => {
    const source = await provider.create('session-source', {});
    await provider.writeFile(source, 'notes/a.txt', Buffer.from('one'));
    assert.deepEqual(await provider.snapshot(source, 'session-source-turn-1'), {});
    await provider.writeFile(source, 'notes/a.txt', Buffer.from('two'));
    await provider.writeFile(source, 'b.txt', Buffer.from('later'));

    const fork = await provider.create('session-fork', { fromSnapshot: 'session-source-turn-1' });
    assert.equal(text(await provider.readFile(fork, 'notes/a.txt')), 'one');
    assert.deepEqual((await provider.listFiles(fork)).map((entry) => entry.name).sort(), ['notes', 'notes/a.txt']);
    // The fork's changes stay its own.
    await provider.writeFile(fork, 'notes/a.txt', Buffer.from('fork'));
    assert.equal(text(await provider.readFile(source, 'notes/a.txt')), 'two');

    await provider.snapshot(source, 'session-source-turn-1');
    const again = await provider.create('session-fork-2', { fromSnapshot: 'session-source-turn-1' });
    assert.equal(text(await provider.readFile(again, 'notes/a.txt')), 'two');
    await Promise.all([source, fork, again].map((ref) => provider.destroy(ref)));
  });

  test('snapshot: a session directory over snapshotMaxMb is not copied, and the reason is returned', async () => {
    const small = new LocalSandboxProvider(await prepareLocalSandboxHost(join(dataDir, 'small'), localSandboxOptionsSchema.parse({ snapshotMaxMb: 1 })));
    const ref = await small.create('session-big', {});
    await small.writeFile(ref, 'big.bin', new Uint8Array(2 * 1024 * 1024));
    assert.deepEqual(await small.snapshot(ref, 'session-big-turn-1'), { skipped: "the session's files are over the 1 MiB snapshot limit" });
    await assert.rejects(small.create('session-from-big', { fromSnapshot: 'session-big-turn-1' }), /no sandbox snapshot/);
    await small.destroy(ref);
  });

  test('snapshot: an unknown snapshot is Sandbox.NotFound, a path-like id is refused, neither retryable', async () => {
    await assert.rejects(provider.create('session-x', { fromSnapshot: 'nothing-here' }), (error: Error & { details?: { failureType: string; retryable: boolean } }) => {
      assert.equal(error.details?.failureType, 'Sandbox.NotFound');
      assert.equal(error.details?.retryable, false);
      return true;
    });
    await assert.rejects(provider.create('session-y', { fromSnapshot: '../sandboxes' }), /invalid snapshot id/);
  });
});
