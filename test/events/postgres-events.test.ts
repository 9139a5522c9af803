/**
 * Live events over PostgreSQL (KEEL_EVENTS=postgres): the worker's model calls insert and notify, subscribers in
 * another client read the table and listen. A real PostgreSQL server, worker, SDK and scripted model.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SessionClient } from '../../src/client/session-client.js';
import { PostgresEventPublisher } from '../../src/events/postgres/postgres-event-publisher.js';
import { PostgresEventSource } from '../../src/events/postgres/postgres-event-source.js';
import { MAX_NOTIFY_BYTES } from '../../src/events/postgres/postgres-events-table.js';
import { recordId, type StreamRecord } from '../../src/events/stream-record.js';
import { startPostgresServer, type PostgresServer } from '../harness/postgres-server.js';
import { checkTransportStream } from '../harness/transport-events.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';

describe('session events over PostgreSQL', () => {
  let postgres: PostgresServer;
  const keel = useKeel({
    model: {},
    worker: async (keel) => {
      postgres = keel.closeAfter(Object.assign(await startPostgresServer(), { close: () => postgres.stop() }));
      return { events: keel.closeAfter(await PostgresEventPublisher.connect(postgres.url)) };
    },
  });

  test('events() over PostgreSQL: the deltas make the text, a late and a resumed subscriber end with all of it, no delta twice', async () => {
    const sessions = keel.closeAfter(new SessionClient({ client: keel.environment.client, taskQueue: keel.worker.taskQueue, events: new PostgresEventSource(postgres.url) }));
    await checkTransportStream(keel.model, sessions);
  });

  test('records too large for a notification (a long prelude, a long delta) are read from the table and keep their place among the small ones', async () => {
    const publisher = keel.closeAfter(await PostgresEventPublisher.connect(postgres.url));
    const source = keel.closeAfter(new PostgresEventSource(postgres.url));
    const session = 'session-large-records';
    const received: StreamRecord[] = [];
    let caughtUp = false;
    const unsubscribe = source.subscribe(session, { onRecord: (record) => received.push(record), onCaughtUp: () => (caughtUp = true) });
    await waitFor('the subscription to catch up', () => caughtUp);
    const long = 'x'.repeat(2 * MAX_NOTIFY_BYTES);
    const usage = { inputTokens: 10, outputTokens: 5, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: 0.001 };
    const delta = (seq: number, text: string): StreamRecord => ({
      session,
      envelope: { id: `2.1.3.1.${seq}`, event: 'text_delta', data: { turn: 2, index: 0, text, attempt: 1 } },
    });
    const published: StreamRecord[] = [
      { session, prelude: { id: '2.1.3.1', turn: 2, previousTurn: 1, messages: [{ role: 'assistant', content: [{ type: 'text', text: long }] }], usage } },
      ...Array.from({ length: 20 }, (_, index) => delta(index + 1, `piece ${index + 1} `)),
      delta(21, long),
      ...Array.from({ length: 20 }, (_, index) => delta(index + 22, `piece ${index + 22} `)),
      { session, callEnd: { id: '2.1.3.1.42', turn: 2, attempt: 1 } },
    ];
    for (const record of published) publisher.publish(record);
    await waitFor('every record', () => received.length >= published.length, 30_000);
    unsubscribe();
    assert.deepEqual(received.map(recordId), published.map(recordId), 'in the order they were published');
    assert.deepEqual(received, published);
  });
});
