/**
 * Live events over PostgreSQL (KEEL_EVENTS=postgres): the worker's model calls insert and notify, subscribers in
 * another client read the table and listen. A real PostgreSQL server, worker, SDK and scripted model.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SessionClient } from '../../src/client/session-client.js';
import { PostgresEventPublisher } from '../../src/events/postgres/postgres-event-publisher.js';
import { PostgresEventSource } from '../../src/events/postgres/postgres-event-source.js';
import { TurnText } from '../../src/events/turn-text.js';
import { startPostgresServer, type PostgresServer } from '../harness/postgres-server.js';
import { assertNoRepeats, collectEvents, textOfTurn } from '../harness/session-events.js';
import { useKeel } from '../harness/use-keel.js';

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
    const text = Array.from({ length: 30 }, (_, index) => `part ${index}; `).join('') + 'done.';
    keel.model.push({ kind: 'message', chunkDelayMs: 30, content: [{ type: 'thinking', thinking: 'Thinking it over first.' }, { type: 'text', text }] });
    const sessions = keel.closeAfter(new SessionClient({ client: keel.environment.client, taskQueue: keel.worker.taskQueue, events: new PostgresEventSource(postgres.url) }));
    const handle = await sessions.start({ profile: 'test', messages: [{ role: 'user', content: 'Go.' }] });
    const whole = collectEvents(handle.events());
    const cut = await collectEvents(handle.events(), (seen) => seen.filter((event) => event.event === 'text_delta').length === 4);
    const late = new TurnText();
    await collectEvents(handle.events(), (seen) => {
      late.add(seen.at(-1)!);
      return late.text(1).length > 30;
    });
    const lateEvents = await collectEvents(handle.events());
    const resumed = await collectEvents(handle.events({ lastEventId: cut.at(-1)!.id }));
    const all = await whole;

    const accumulated = new TurnText();
    for (const event of all) accumulated.add(event);
    assert.equal(accumulated.text(1), text);
    assert.equal(accumulated.thinking(1), 'Thinking it over first.');
    assert.ok(all.filter((event) => event.event === 'text_delta').length > 10, 'streamed in many deltas');
    assertNoRepeats(all);
    assert.equal(textOfTurn(lateEvents, 1), text);
    assertNoRepeats(lateEvents);
    const both = [...cut, ...resumed];
    assertNoRepeats(both);
    assert.equal(textOfTurn(both, 1), text);
    assert.deepEqual(all.at(-1)?.data, { status: 'completed', finalText: text });
  });
});
