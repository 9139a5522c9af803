/**
 * Live events over Redis (KEEL_EVENTS=redis): the worker's model calls append to a stream per session, subscribers
 * read it and block on it. A real Redis server (Debian's, installed when missing), worker, SDK and scripted model.
 */
import { describe, test } from 'node:test';
import { SessionClient } from '../../src/client/session-client.js';
import { startRedisServer, type RedisServer } from '../../src/dev/redis-server.js';
import { RedisEventPublisher, RedisEventSource } from '../../src/events/redis/redis-events.js';
import { checkTransportStream } from '../harness/transport-events.js';
import { useKeel } from '../harness/use-keel.js';

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
});
