import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseEncryptionKeys } from '../../src/codec/encryption-keys.js';
import { StoreError } from '../../src/errors.js';
import type { ContentStore } from '../../src/stores/content-store.js';
import { openContentStore, type ContentStoreConfig } from '../../src/stores/open-content-store.js';
import { startPostgresServer, type PostgresServer } from '../harness/postgres-server.js';

function describeStore(kind: 'file' | 'postgres', configure: () => ContentStoreConfig): void {
  describe(`content store (${kind})`, () => {
    let store: ContentStore;
    let other: ContentStore;
    before(async () => {
      store = await openContentStore(configure());
      // A second instance on the same backing store: another worker, with a cache of its own.
      other = await openContentStore(configure());
    });
    after(async () => {
      await store?.close();
      await other?.close();
    });

    test(`content store (${kind}): a value round-trips, addressed by the sha256 of its bytes`, async () => {
      const value = { kind: 'example', text: 'héllo wörld', list: [1, 2, 3] };
      const ref = await store.putJson(value);
      const bytes = Buffer.from(JSON.stringify(value), 'utf8');
      assert.equal(ref.hash, createHash('sha256').update(bytes).digest('hex'));
      assert.equal(ref.bytes, bytes.byteLength);
      assert.deepEqual(await other.getJson(ref.hash), value);
    });

    test(`content store (${kind}): writers storing the same content at once all succeed`, async () => {
      const value = { text: 'x'.repeat(100_000), n: Math.random() };
      const refs = await Promise.all([...Array(10)].map((_, index) => (index % 2 === 0 ? store : other).putJson(value)));
      assert.equal(new Set(refs.map((ref) => ref.hash)).size, 1);
      const fresh = await openContentStore(configure());
      try {
        assert.deepEqual(await fresh.getJson(refs[0].hash), value);
      } finally {
        await fresh.close();
      }
    });

    test(`content store (${kind}): a 5 MB value is stored and read back whole`, async () => {
      const value = { type: 'text', text: 'abcdefghij'.repeat(500_000) };
      const ref = await store.putJson(value);
      assert.ok(ref.bytes > 5_000_000);
      const fresh = await openContentStore(configure());
      try {
        assert.equal((await fresh.getJson<{ text: string }>(ref.hash)).text, value.text);
      } finally {
        await fresh.close();
      }
    });

    test(`content store (${kind}): a hash nobody stored fails with Store.NotFound naming the store`, async () => {
      const missing = 'f'.repeat(64);
      await assert.rejects(store.getJson(missing), (error: unknown) => {
        assert.ok(StoreError.isInstance(error));
        assert.equal((error as StoreError).failureType, 'Store.NotFound');
        assert.match((error as Error).message, new RegExp(`sha256:${missing} is not in the ${kind} store`));
        assert.match((error as Error).message, /KEEL_STORE/);
        assert.equal((error as StoreError).retryable, false);
        return true;
      });
    });

    test(`content store (${kind}): a session reads what it wrote; another session is refused (Store.Forbidden) whether the hash exists or not`, async () => {
      const session = `session-owner-${kind}-${randomUUID()}`;
      const stranger = `session-other-${kind}-${randomUUID()}`;
      const ref = await store.forSession(session).putJson({ type: 'text', text: `private to ${session}` });
      assert.deepEqual(await store.forSession(session).getJson(ref.hash), { type: 'text', text: `private to ${session}` });
      // Another worker's instance knows nothing from its cache: the owners are in the store.
      assert.deepEqual(await other.forSession(session).getJson(ref.hash), { type: 'text', text: `private to ${session}` });
      for (const hash of [ref.hash, 'e'.repeat(64)]) {
        await assert.rejects(other.forSession(stranger).getJson(hash), (error: unknown) => {
          assert.equal((error as StoreError).failureType, 'Store.Forbidden');
          assert.equal((error as StoreError).retryable, false);
          assert.match((error as Error).message, new RegExp(`sha256:${hash} is not content of session ${stranger}`));
          return true;
        });
      }
    });

    test(`content store (${kind}): a fork granted its source reads the source's content; purging the source keeps what the fork owns and deletes the rest`, async () => {
      const source = `session-source-${kind}-${randomUUID()}`;
      const fork = `session-fork-${kind}-${randomUUID()}`;
      const shared = await store.forSession(source).putJson({ text: `shared ${source}` });
      assert.equal(await store.grant(source, fork), 1);
      const own = await store.forSession(source).putJson({ text: `after the fork ${source}` });
      assert.deepEqual(await store.forSession(fork).getJson(shared.hash), { text: `shared ${source}` });
      await assert.rejects(store.forSession(fork).getJson(own.hash), /is not content of session/);

      assert.deepEqual(await other.purge(source), { released: 2, deleted: 1 });
      assert.deepEqual(await store.blobs.hashesOf(source), []);
      assert.equal(await store.blobs.get(own.hash), undefined);
      const fresh = await openContentStore(configure());
      try {
        assert.deepEqual(await fresh.forSession(fork).getJson(shared.hash), { text: `shared ${source}` });
        await fresh.purge(fork);
        assert.equal(await fresh.blobs.get(shared.hash), undefined);
      } finally {
        await fresh.close();
      }
    });
  });
}

const fileFolder = mkdtempSync(join(tmpdir(), 'keel-store-test-'));
describeStore('file', () => ({ kind: 'file', url: fileFolder }));

let postgres: PostgresServer | undefined;
describe('postgres cluster', () => {
  before(async () => {
    postgres = await startPostgresServer();
  });
  after(async () => {
    await postgres?.stop();
  });
  describeStore('postgres', () => ({ kind: 'postgres', url: postgres!.url }));
});

test('content store (file): bytes changed on disk are refused as Store.Corrupt', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'keel-store-corrupt-'));
  const writer = await openContentStore({ kind: 'file', url: folder });
  const ref = await writer.putJson({ secret: 'original' });
  const [prefix] = readdirSync(folder).filter((name) => name.length === 2);
  writeFileSync(join(folder, prefix, ref.hash.slice(2)), JSON.stringify({ secret: 'tampered' }));
  const reader = await openContentStore({ kind: 'file', url: folder });
  await assert.rejects(reader.getJson(ref.hash), /does not match its hash/);
});

test('content store (file): a blob left truncated by a crash is rewritten by the next put, not trusted', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'keel-store-torn-'));
  const writer = await openContentStore({ kind: 'file', url: folder });
  const value = { text: 'y'.repeat(50_000) };
  const ref = await writer.putJson(value);
  const path = join(folder, ref.hash.slice(0, 2), ref.hash.slice(2));
  truncateSync(path, 1000);
  // A fresh process (nothing cached) writing the same content finds the torn copy and replaces it.
  const again = await openContentStore({ kind: 'file', url: folder });
  await again.putJson(value);
  assert.equal(statSync(path).size, ref.bytes);
  assert.deepEqual(await (await openContentStore({ kind: 'file', url: folder })).getJson(ref.hash), value);
  // No temporary file is left beside it.
  assert.deepEqual(readdirSync(join(folder, ref.hash.slice(0, 2))), [ref.hash.slice(2)]);
});

test('content store (file): with a key ring, blobs are sealed on disk, open with a rotated ring, and not without the key', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'keel-store-sealed-'));
  const oldKey = `k1:${randomBytes(32).toString('base64')}`;
  const writer = await openContentStore({ kind: 'file', url: folder, keys: parseEncryptionKeys(oldKey) });
  const marker = 'a marker sentence that must never be on disk in plaintext';
  const ref = await writer.forSession('session-sealed').putJson({ type: 'text', text: marker });
  const path = join(folder, ref.hash.slice(0, 2), ref.hash.slice(2));
  assert.equal(readFileSync(path).includes(marker), false);
  assert.match(readFileSync(path).subarray(0, 6).toString('latin1'), /^KS1\x02k1/);
  const rotated = await openContentStore({ kind: 'file', url: folder, keys: parseEncryptionKeys(`k2:${randomBytes(32).toString('base64')},${oldKey}`) });
  assert.deepEqual(await rotated.forSession('session-sealed').getJson(ref.hash), { type: 'text', text: marker });
  const newer = await rotated.forSession('session-sealed').putJson({ type: 'text', text: `${marker} again` });
  assert.match(readFileSync(join(folder, newer.hash.slice(0, 2), newer.hash.slice(2))).subarray(0, 6).toString('latin1'), /^KS1\x02k2/);
  const plain = await openContentStore({ kind: 'file', url: folder });
  await assert.rejects(plain.getJson(ref.hash), /is sealed and KEEL_ENCRYPTION_KEYS is not set/);
});

test('openContentStore: postgres without a URL is a configuration error naming KEEL_STORE_URL', async () => {
  await assert.rejects(openContentStore({ kind: 'postgres' }), /KEEL_STORE_URL/);
});
