import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
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
        return true;
      });
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

test('openContentStore: postgres without a URL is a configuration error naming KEEL_STORE_URL', async () => {
  await assert.rejects(openContentStore({ kind: 'postgres' }), /KEEL_STORE_URL/);
});
