/**
 * Snapshots of the local sandbox (for `keel fork`): a packed copy of the session's files at a turn boundary, owned
 * by the session that took it (and by forks granted its source), sealed when encryption is on, pruned to the last N.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseEncryptionKeys } from '../../src/codec/encryption-keys.js';
import { prepareLocalSandboxHost } from '../../src/sandboxes/local/local-sandbox-host.js';
import { localSandboxOptionsSchema } from '../../src/sandboxes/local/local-sandbox-options.js';
import { LocalSandboxProvider } from '../../src/sandboxes/local/local-sandbox-provider.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
type Refusal = Error & { failureType?: string; retryable?: boolean };
const refusedAs = (failureType: string) => (error: Refusal) => {
  assert.equal(error.failureType, failureType, error.message);
  assert.equal(error.retryable, false);
  return true;
};

describe('local sandbox snapshots', () => {
  let dataDir: string;
  let provider: LocalSandboxProvider;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'keel-snapshots-'));
    provider = new LocalSandboxProvider(await prepareLocalSandboxHost(dataDir, localSandboxOptionsSchema.parse({})));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('snapshot: a granted fork starts from the files as they were, unaffected by what changed since; a retaken snapshot replaces the old', async () => {
    const source = await provider.create('session-source', {});
    await provider.writeFile(source, 'notes/a.txt', Buffer.from('one'));
    assert.deepEqual(await provider.snapshot(source, 'session-source-turn-1'), {});
    await provider.writeFile(source, 'notes/a.txt', Buffer.from('two'));
    await provider.writeFile(source, 'b.txt', Buffer.from('later'));

    assert.equal(await provider.grantSnapshots('session-source', 'session-fork'), 1);
    const fork = await provider.create('session-fork', { fromSnapshot: 'session-source-turn-1' });
    assert.equal(text(await provider.readFile(fork, 'notes/a.txt')), 'one');
    assert.deepEqual((await provider.listFiles(fork)).map((entry) => entry.name).sort(), ['notes', 'notes/a.txt']);
    // The fork's changes stay its own.
    await provider.writeFile(fork, 'notes/a.txt', Buffer.from('fork'));
    assert.equal(text(await provider.readFile(source, 'notes/a.txt')), 'two');

    await provider.snapshot(source, 'session-source-turn-1');
    await provider.grantSnapshots('session-source', 'session-fork-2');
    const again = await provider.create('session-fork-2', { fromSnapshot: 'session-source-turn-1' });
    assert.equal(text(await provider.readFile(again, 'notes/a.txt')), 'two');
    await Promise.all([source, fork, again].map((ref) => provider.destroy(ref)));
  });

  test('snapshot: another session cannot start from a snapshot it was not granted, existing or not, whatever its id names', async () => {
    const source = await provider.create('session-private', {});
    await provider.writeFile(source, 'secret.txt', Buffer.from('private'));
    await provider.snapshot(source, 'session-private-turn-1');
    await assert.rejects(provider.create('session-intruder', { fromSnapshot: 'session-private-turn-1' }), refusedAs('Store.Forbidden'));
    await assert.rejects(provider.create('session-intruder', { fromSnapshot: 'nothing-here' }), refusedAs('Store.Forbidden'));
    // Nothing was made for the intruder, let alone with the source's files.
    assert.equal(existsSync(provider.workspaceOf('session-intruder')), false);
    await assert.rejects(provider.create('session-y', { fromSnapshot: '../sandboxes' }), /invalid snapshot id/);
    await provider.destroy(source);
  });

  test('snapshot: a session directory over snapshotMaxMb is not copied, and the reason is returned', async () => {
    const small = new LocalSandboxProvider(await prepareLocalSandboxHost(join(dataDir, 'small'), localSandboxOptionsSchema.parse({ snapshotMaxMb: 1 })));
    const ref = await small.create('session-big', {});
    await small.writeFile(ref, 'big.bin', new Uint8Array(2 * 1024 * 1024));
    assert.deepEqual(await small.snapshot(ref, 'session-big-turn-1'), { skipped: "the session's files are over the 1 MiB snapshot limit" });
    await assert.rejects(small.create('session-big', { fromSnapshot: 'session-big-turn-1' }), refusedAs('Store.Forbidden'));
    await small.destroy(ref);
  });

  test('snapshot: a session keeps its last snapshotKeep snapshots; purging a session\'s snapshots keeps those a fork still owns', async () => {
    const folder = join(dataDir, 'keep');
    const keeping = new LocalSandboxProvider(await prepareLocalSandboxHost(folder, localSandboxOptionsSchema.parse({})), { keep: 2 });
    const ref = await keeping.create('session-long', {});
    for (let turn = 1; turn <= 4; turn += 1) {
      await keeping.writeFile(ref, 'turn.txt', Buffer.from(String(turn)));
      await keeping.snapshot(ref, `${ref.id}-turn-${turn}`);
    }
    const packs = () => readdirSync(join(folder, 'snapshots')).filter((name) => name.endsWith('.pack')).sort();
    assert.deepEqual(packs(), [`${ref.id}-turn-3.pack`, `${ref.id}-turn-4.pack`]);
    await assert.rejects(keeping.create('session-long', { fromSnapshot: `${ref.id}-turn-1` }), refusedAs('Store.Forbidden'));

    await keeping.grantSnapshots('session-long', 'session-long-fork');
    await keeping.snapshots.purge('session-long');
    await keeping.destroy(ref);
    assert.equal(keeping.exists('session-long'), false);
    // Both snapshots are the fork's too, so they stay until the fork is purged.
    assert.deepEqual(packs(), [`${ref.id}-turn-3.pack`, `${ref.id}-turn-4.pack`]);
    const fork = await keeping.create('session-long-fork', { fromSnapshot: `${ref.id}-turn-4` });
    assert.equal(text(await keeping.readFile(fork, 'turn.txt')), '4');
    await keeping.snapshots.purge('session-long-fork');
    assert.deepEqual(packs(), []);
  });

  test('snapshot: with encryption on, the packed snapshot holds neither file names nor contents in plaintext, and needs the key ring to restore', async () => {
    const folder = join(dataDir, 'sealed');
    const keys = parseEncryptionKeys(`k1:${randomBytes(32).toString('base64')}`);
    const host = await prepareLocalSandboxHost(folder, localSandboxOptionsSchema.parse({}));
    const sealed = new LocalSandboxProvider(host, { keys });
    const ref = await sealed.create('session-sealed', {});
    await sealed.writeFile(ref, 'confidential-plan.txt', Buffer.from('the marker sentence of the sealed snapshot'));
    await sealed.snapshot(ref, `${ref.id}-turn-1`);
    const stored = readFileSync(join(folder, 'snapshots', `${ref.id}-turn-1.pack`));
    assert.equal(stored.includes('confidential-plan'), false);
    assert.equal(stored.includes('marker sentence'), false);

    await sealed.grantSnapshots('session-sealed', 'session-sealed-fork');
    const fork = await sealed.create('session-sealed-fork', { fromSnapshot: `${ref.id}-turn-1` });
    assert.equal(text(await sealed.readFile(fork, 'confidential-plan.txt')), 'the marker sentence of the sealed snapshot');
    const otherKeys = new LocalSandboxProvider(host, { keys: parseEncryptionKeys(`k1:${randomBytes(32).toString('base64')}`) });
    await otherKeys.grantSnapshots('session-sealed', 'session-wrong-key');
    await assert.rejects(otherKeys.create('session-wrong-key', { fromSnapshot: `${ref.id}-turn-1` }), refusedAs('Store.Corrupt'));
  });
});
