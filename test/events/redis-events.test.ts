/**
 * Live events over Redis (KEEL_EVENTS=redis): the worker's model calls append to a stream per session, subscribers
 * read it and block on it. A real Redis server (Debian's, installed when missing), worker, SDK and scripted model.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createClient } from 'redis';
import { SessionClient } from '../../src/client/session-client.js';
import { startRedisServer, type RedisServer } from '../../src/dev/redis-server.js';
import { RedisEventPublisher, RedisEventSource } from '../../src/events/redis/redis-events.js';
import { checkTransportStream } from '../harness/transport-events.js';
import type { StreamRecord } from '../../src/events/stream-record.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';

describe('session events over Redis', () => {
  let redis: RedisServer;
  const keel = useKeel({
    model: {},
    worker: async (keel) => {
      redis = keel.closeAfter(Object.assign(await startRedisServer(), { close: () => redis.stop() }));
      return { events: keel.closeAfter(await RedisEventPublisher.connect(redis.url)) };
    },
  });

  test('events() over Redis: the deltas make the text, a late and a resumed subscriber end with all of it, no delta twice', async () => {
    const sessions = keel.closeAfter(new SessionClient({ client: keel.environment.client, taskQueue: keel.worker.taskQueue, events: new RedisEventSource(redis.url) }));
    await checkTransportStream(keel.model, sessions);
  });

  test('Redis transport: a session\'s stream is capped near 10,000 records and expires after its call ends; a subscriber reads what it holds, in order, then blocks for more', async () => {
    const publisher = keel.closeAfter(await RedisEventPublisher.connect(redis.url));
    const inspect = createClient({ url: redis.url });
    await inspect.connect();
    const source = new RedisEventSource(redis.url);
    try {
      const session = 'capped-session';
      const delta = (index: number): StreamRecord => ({ session, envelope: { id: `1.${index}`, event: 'text_delta', data: { turn: 1, index: 0, text: `t${index} ` } } });
      for (let index = 0; index < 10_500; index += 1) publisher.publish(delta(index));
      publisher.publish({ session, callEnd: { id: '1.end', turn: 1, attempt: 1 } });
      // The expiry is set after the call's end is appended, on the same connection: once it is there, all is.
      await waitFor('the stream to expire some day', async () => (await inspect.pTTL(`keel:events:${session}`)) > 0, 30_000);
      const kept = await inspect.xLen(`keel:events:${session}`);
      // MAXLEN ~ trims whole macro nodes (100 entries by default): at least the cap, a little over at most.
      assert.ok(kept >= 10_000 && kept <= 10_200, `${kept} records kept`);
      assert.ok((await inspect.pTTL(`keel:events:${session}`)) <= 10 * 60_000);

      const received: StreamRecord[] = [];
      let caughtUp = false;
      const unsubscribe = source.subscribe(session, { onRecord: (record) => received.push(record), onCaughtUp: () => (caughtUp = true) });
      await waitFor('the subscriber to read the stream', () => caughtUp, 30_000);
      assert.equal(received.length, kept);
      assert.deepEqual(received.at(-1), { session, callEnd: { id: '1.end', turn: 1, attempt: 1 } });
      const indices = received.flatMap((record) => ('envelope' in record ? [Number(record.envelope.id.slice(2))] : []));
      assert.deepEqual(indices, [...indices].sort((a, b) => a - b));
      assert.equal(indices.at(-1), 10_499);
      // Then what is appended later, from the blocking read.
      publisher.publish(delta(10_500));
      await waitFor('the live record', () => received.length === kept + 1, 30_000);
      assert.deepEqual(received.at(-1), delta(10_500));
      unsubscribe();
    } finally {
      await source.close();
      await inspect.close();
    }
  });
});
