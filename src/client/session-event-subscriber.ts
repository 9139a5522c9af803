/**
 * What a {@link SessionHandle}'s `events()` subscribes through: the {@link SessionEventFeed} its client shares, named
 * here by its shape so that handles need not import the feed (which itself watches sessions through handles).
 */
import type { SessionEventEnvelope } from '../shared/schemas/session-event.js';

export interface SubscribeOptions {
  /** Resume after this event (an SSE client's `Last-Event-ID`). @default the turn in progress, from its start */
  lastEventId?: string;
  /** Ends the subscription. */
  signal?: AbortSignal;
}

export interface SessionEventSubscriber {
  subscribe(sessionId: string, options?: SubscribeOptions): AsyncIterable<SessionEventEnvelope>;
}
