import { defaultPayloadConverter } from '@temporalio/common';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AesGcmCodec } from '../../src/codec/aes-gcm-codec.js';
import { startCodecServer, type CodecServer } from '../../src/codec/codec-server.js';
import { parseEncryptionKeys } from '../../src/codec/encryption-keys.js';

const uiOrigin = 'http://localhost:8080';
const token = randomBytes(24).toString('base64url');
const codec = new AesGcmCodec(parseEncryptionKeys(`k1:${randomBytes(32).toString('base64')}`));
const b64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('base64');

/** A payload in the protocol's JSON form (bytes as base64), as the UI and CLI send it. */
function toWire(payload: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) {
  return { metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, b64(value)])), data: b64(payload.data) };
}

describe('codec server', () => {
  let server: CodecServer;
  const requests: { method: string; path: string; status: number }[] = [];

  before(async () => {
    server = await startCodecServer({ codec, tokens: [token], allowedOrigins: [uiOrigin], onRequest: (entry) => requests.push(entry) });
  });
  after(async () => server?.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers }, body: JSON.stringify(body) });

  test('codec server: /decode opens sealed payloads for a caller with the bearer token', async () => {
    const sealed = await codec.encode([defaultPayloadConverter.toPayload({ prompt: 'hidden words' })]);
    const response = await post('/decode', { payloads: sealed.map(toWire) }, { authorization: `Bearer ${token}` });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    assert.equal(Buffer.from(body.payloads[0]!.metadata.encoding!, 'base64').toString(), 'json/plain');
    assert.deepEqual(JSON.parse(Buffer.from(body.payloads[0]!.data, 'base64').toString()), { prompt: 'hidden words' });
  });

  test('codec server: /encode seals, and the namespace-prefixed path the CLI uses works too', async () => {
    const plain = defaultPayloadConverter.toPayload('typed in the UI');
    const response = await post('/default/encode', { payloads: [toWire(plain)] }, { authorization: `Bearer ${token}` });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    assert.equal(Buffer.from(body.payloads[0]!.metadata.encoding!, 'base64').toString(), 'binary/encrypted');
    assert.ok(!Buffer.from(body.payloads[0]!.data, 'base64').toString('latin1').includes('typed in the UI'));
    const reopened = await codec.decode([
      { metadata: Object.fromEntries(Object.entries(body.payloads[0]!.metadata).map(([key, value]) => [key, Buffer.from(value, 'base64')])), data: Buffer.from(body.payloads[0]!.data, 'base64') },
    ]);
    assert.equal(defaultPayloadConverter.fromPayload(reopened[0]!), 'typed in the UI');
  });

  test('codec server: refuses a request without the token, or with a wrong one, before decoding anything', async () => {
    const sealed = await codec.encode([defaultPayloadConverter.toPayload('still secret')]);
    for (const headers of [{}, { authorization: 'Bearer not-the-token' }, { authorization: token }] as Record<string, string>[]) {
      const response = await post('/decode', { payloads: sealed.map(toWire) }, headers);
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer');
      assert.ok(!(await response.text()).includes('still secret'));
    }
  });

  test('codec server: answers the UI origin\'s CORS preflight, and no other origin', async () => {
    const preflight = await fetch(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: { origin: uiOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), uiOrigin);
    assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /X-Namespace/);

    const stranger = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(stranger.status, 403);
    assert.equal(stranger.headers.get('access-control-allow-origin'), null);
    const fromStranger = await post('/decode', { payloads: [] }, { origin: 'http://evil.example', authorization: `Bearer ${token}` });
    assert.equal(fromStranger.headers.get('access-control-allow-origin'), null);
  });

  test('codec server: a browser signs in at /login and its cookie then authorizes the UI\'s requests', async () => {
    assert.equal((await fetch(`${server.url}/login`)).status, 200);
    const wrong = await fetch(`${server.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=nope' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('set-cookie'), null);
    const login = await fetch(`${server.url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
    assert.equal(login.status, 200);
    const cookie = login.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const sealed = await codec.encode([defaultPayloadConverter.toPayload('via the UI')]);
    const response = await post('/decode', { payloads: sealed.map(toWire) }, { origin: uiOrigin, cookie: cookie.split(';')[0]! });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), uiOrigin);
  });

  test('codec server: a malformed body or undecodable payload is a 400 naming the problem; unknown paths 404', async () => {
    const auth = { authorization: `Bearer ${token}` };
    assert.equal((await post('/decode', { nope: 1 }, auth)).status, 400);
    const bad = await post('/decode', { payloads: [{ metadata: { encoding: b64(new TextEncoder().encode('binary/encrypted')), 'encryption-key-id': b64(new TextEncoder().encode('k9')) }, data: 'AAAA' }] }, auth);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /key "k9"/);
    assert.equal((await post('/other', {}, auth)).status, 404);
    assert.equal((await fetch(`${server.url}/decode`, { headers: auth })).status, 405);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    // The request log names paths and statuses only.
    assert.ok(requests.length > 0);
    assert.ok(requests.every((entry) => Object.keys(entry).sort().join() === 'method,path,status'));
  });

  test('startCodecServer: refuses to start without a token', async () => {
    await assert.rejects(startCodecServer({ codec, tokens: [] }), /at least one token/);
  });
});
