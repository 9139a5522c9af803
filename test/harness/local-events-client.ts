/**
 * A SessionClient that reads live events from the local event hub in `directory`, the one the file's worker publishes
 * to (`events: await LocalEventHub.shared(directory)`). Made once, on first use inside a test; the fixture closes its
 * feed and removes the directory when the file ends.
 */
import { rmSync } from 'node:fs';
import { SessionClient } from '../../src/client/session-client.js';
import { LocalEventSource } from '../../src/events/local/local-event-source.js';
import type { Keel } from './use-keel.js';

export function localEventsClient(keel: Keel, directory: string): () => SessionClient {
  let sessions: SessionClient | undefined;
  return () => {
    if (sessions) return sessions;
    const created = new SessionClient({ client: keel.environment.client, taskQueue: keel.worker.taskQueue, events: new LocalEventSource({ directory }) });
    keel.closeAfter({
      close: async () => {
        await created.eventFeed().close();
        rmSync(directory, { recursive: true, force: true });
      },
    });
    sessions = created;
    return created;
  };
}
