/**
 * Live events over PostgreSQL (KEEL_EVENTS=postgres): the worker's model calls insert and notify, subscribers in
 * another client read the table and listen. A real PostgreSQL server, worker, SDK and scripted model.
 */
import { describe, test } from 'node:test';
import { SessionClient } from '../../src/client/session-client.js';
import { PostgresEventPublisher } from '../../src/events/postgres/postgres-event-publisher.js';
import { PostgresEventSource } from '../../src/events/postgres/postgres-event-source.js';
import { startPostgresServer, type PostgresServer } from '../harness/postgres-server.js';
import { checkTransportStream } from '../harness/transport-events.js';
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
    const sessions = keel.closeAfter(new SessionClient({ client: keel.environment.client, taskQueue: keel.worker.taskQueue, events: new PostgresEventSource(postgres.url) }));
    await checkTransportStream(keel.model, sessions);
  });
});
