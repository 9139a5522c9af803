/**
 * `GET /v1/sessions/{id}/events` of `keel serve`: a real worker streaming through the real Anthropic SDK from the
 * scripted model server to its local hub, the API's session client reading it, and a client reading the SSE by hand.
 */
import { Client, Connection } from '@temporalio/client';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SessionClient } from '../../src/client/session-client.js';
import { startHttpApi } from '../../src/http/start-http-api.js';
import { waitFor } from '../harness/wait-for.js';
import { apiClient } from './http-api-client.js';
import { readEvents, type StreamedEvent } from './sse-client.js';
import { useStreamingApi } from './use-streaming-api.js';

const adminToken = 'admin-0123456789abcdef';
const acmeToken = 'acme-0123456789abcdef';
const longText = Array.from({ length: 40 }, (_, index) => `word${index} `).join('') + 'the end.';

const textOfTurn = (events: StreamedEvent[], turn: number): string =>
  events.filter((event) => event.event === 'text_delta' && event.data.turn === turn).map((event) => event.data.text).join('');

describe('keel serve: the event stream', () => {
  const { keel, url, openStreams, eventSource } = useStreamingApi({ tokens: `${adminToken},acme:${acmeToken}`, maxStreamsPerToken: 3 });
  const request = apiClient(url);

  test('events: each SSE has the id, name and data of its envelope; the text_delta texts of a turn concatenate to its text; the stream ends after session_end', async () => {
    keel.model.push({ kind: 'message', chunkDelayMs: 5, content: [{ type: 'text', text: longText }] });
    const created = await request('POST', '/v1/sessions', { token: adminToken, body: { profile: 'test', id: 'sse-1', messages: [{ role: 'user', content: 'Count.' }] } });
    assert.equal(created.status, 201);
    const { status, events } = await readEvents(`${url()}/v1/sessions/sse-1/events`, { token: adminToken });
    assert.equal(status, 200);
    assert.equal(textOfTurn(events, 1), longText);
    assert.ok(events.filter((event) => event.event === 'text_delta').length > 10, 'streamed in many deltas');
    const turnEnd = events.find((event) => event.event === 'turn_end');
    assert.equal(turnEnd?.data.text, longText);
    assert.deepEqual(events.at(-1), { id: events.at(-1)!.id, event: 'session_end', data: { status: 'completed', finalText: longText } });
    assert.ok(events.every((event) => /^[0-9.]+$/.test(event.id)), 'every event has an id');
    assert.equal(new Set(events.map((event) => event.id)).size, events.length);
  });

  test('events: Last-Event-ID resumes after that event, without loss or repeats; a client that disconnects ends its subscription', async () => {
    keel.model.push({ kind: 'message', chunkDelayMs: 40, content: [{ type: 'text', text: longText }] });
    await request('POST', '/v1/sessions', { token: adminToken, body: { profile: 'test', id: 'sse-2', messages: [{ role: 'user', content: 'Count slowly.' }] } });
    const cut = await readEvents(`${url()}/v1/sessions/sse-2/events`, { token: adminToken, stop: (seen) => seen.filter((event) => event.event === 'text_delta').length === 3 });
    // The disconnected stream is released (its subscription ended), not left to the end of the session.
    await waitFor('the cut stream released', () => openStreams() === 0, 10_000);
    const resumed = await readEvents(`${url()}/v1/sessions/sse-2/events`, { token: adminToken, lastEventId: cut.events.at(-1)!.id });
    const both = [...cut.events, ...resumed.events];
    assert.equal(new Set(both.map((event) => event.id)).size, both.length, 'no event twice');
    assert.equal(textOfTurn(both, 1), longText);
    assert.equal(resumed.events.at(-1)?.event, 'session_end');
    assert.equal(openStreams(), 0);

    const badId = await readEvents(`${url()}/v1/sessions/sse-2/events`, { token: adminToken, lastEventId: 'not-an-id' });
    assert.deepEqual([badId.status, badId.body.error.type], [400, 'invalid_request']);
    assert.match(badId.body.error.message, /Last-Event-ID/);
  });

  test("events: 404 for an unknown session and for another tenant's, 401 without a token, 429 past the per-token cap", async () => {
    const unknown = await readEvents(`${url()}/v1/sessions/no-such-session/events`, { token: adminToken });
    assert.deepEqual([unknown.status, unknown.body.error.type], [404, 'not_found']);
    const foreign = await readEvents(`${url()}/v1/sessions/sse-1/events`, { token: acmeToken });
    assert.deepEqual([foreign.status, foreign.body], [404, { error: { type: 'not_found', message: 'no session "sse-1"' } }]);
    const anonymous = await readEvents(`${url()}/v1/sessions/sse-1/events`);
    assert.equal(anonymous.status, 401);

    keel.model.push({ kind: 'message', content: [{ type: 'text', text: 'Waiting.' }] });
    await request('POST', '/v1/sessions', { token: acmeToken, body: { profile: 'test', mode: 'chat', id: 'sse-acme', messages: [{ role: 'user', content: 'Hi' }] } });
    const held = [1, 2, 3].map(() => new AbortController());
    const streams = held.map((abort) =>
      fetch(`${url()}/v1/sessions/sse-acme/events`, { headers: { authorization: `Bearer ${acmeToken}` }, signal: abort.signal }),
    );
    const opened = await Promise.all(streams);
    assert.deepEqual(opened.map((response) => response.status), [200, 200, 200]);
    const fourth = await readEvents(`${url()}/v1/sessions/sse-acme/events`, { token: acmeToken });
    assert.deepEqual([fourth.status, fourth.body.error.type], [429, 'too_many_streams']);
    // Another token has its own streams.
    const admin = await readEvents(`${url()}/v1/sessions/sse-acme/events`, { token: adminToken, stop: (seen) => seen.some((event) => event.event === 'turn_end') });
    assert.equal(admin.status, 200);
    for (const abort of held) abort.abort();
    await waitFor('the held streams released', () => openStreams() === 0, 10_000);
    assert.equal((await request('POST', '/v1/sessions/sse-acme/cancel', { token: acmeToken })).status, 202);
  });

  test('close: resolves once the calls of its requests have ended, so that closing the Temporal connection next throws nothing anywhere', async () => {
    // An API of its own, on a connection of its own that the test closes right after the API.
    const connection = await Connection.connect({ address: keel.environment.address });
    const sessions = new SessionClient({ client: new Client({ connection }), taskQueue: keel.worker.taskQueue, events: eventSource() });
    const api = await startHttpApi({ sessions, tokens: [], port: 0 });
    const thrown: string[] = [];
    const note = (error: unknown) => thrown.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    process.on('uncaughtException', note);
    process.on('unhandledRejection', note);
    try {
      // At close: an event stream mid-turn (its feed watching the session), a message waiting for its turn, and
      // lookups of the session.
      const requestsBefore = keel.model.requests.length;
      keel.model.push({ kind: 'message', content: [{ type: 'text', text: 'Ready.' }] }, { kind: 'message', chunkDelayMs: 200, content: [{ type: 'text', text: longText }] });
      await request('POST', '/v1/sessions', { token: adminToken, body: { profile: 'test', mode: 'chat', id: 'sse-close', messages: [{ role: 'user', content: 'Hi' }] } });
      const streaming = readEvents(`${api.url}/v1/sessions/sse-close/events`, {}).catch(() => undefined);
      const waiting = fetch(`${api.url}/v1/sessions/sse-close/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: 'Count slowly.' }) }).catch(() => undefined);
      await waitFor('the stream and the message in flight', () => api.openStreams() === 1 && keel.model.requests.length >= requestsBefore + 2, 20_000);
      const lookups = Array.from({ length: 5 }, () => fetch(`${api.url}/v1/sessions/sse-close`).catch(() => undefined));
      await api.close();
      await sessions.eventFeed().close();
      await connection.close();
      await Promise.all([streaming, waiting, ...lookups]);
      // A call left behind would be retried on the closed channel within a second or so, and throw from a timer.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      assert.deepEqual(thrown, []);
    } finally {
      process.off('uncaughtException', note);
      process.off('unhandledRejection', note);
      await request('POST', '/v1/sessions/sse-close/cancel', { token: adminToken });
    }
  });
});
