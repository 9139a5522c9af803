/**
 * The live stream of one model call attempt, as the model activity publishes it: a retry marker first when this is
 * not the call's first attempt (a worker died mid-stream, or the stream failed), then each delta with its id, then
 * the mark that the stream ended whole. Worker-side.
 */
import type { ModelStreamDelta } from '../models/model-adapter.js';
import { EventPhase, formatEventId } from './event-id.js';
import type { EventPublisher } from './event-transport.js';
import type { LiveEnvelope } from './stream-record.js';
import type { CallPrelude } from '../shared/schemas/model-call.js';

export interface CallStreamPosition {
  sessionId: string;
  turn: number;
  /** The activity's id within its run: a failover's call to another model comes after the failed one's. */
  call: number;
  /** The call's activity attempt, as the deltas carry it (1-based). */
  attempt: number;
  /**
   * The stream's place among the call's streams, as its ids carry it: the attempt for an ordinary activity. A local
   * activity's attempts count again from 1 on the worker that takes over a lost workflow task, so its streams are
   * placed by when each attempt was scheduled instead: ids stay distinct and grow, and a subscriber's log marks
   * the new stream as a retry (see `SessionEventLog`).
   */
  stream: number;
}

export interface CallStream {
  delta(delta: ModelStreamDelta): void;
  /** The call's stream ended whole (its reply is what the deltas said). */
  end(): void;
}

export function startCallStream(publisher: EventPublisher, position: CallStreamPosition, retryReason?: string, prelude?: CallPrelude): CallStream {
  const { sessionId: session, turn, call, attempt, stream } = position;
  const idOf = (seq: number) => formatEventId([turn, EventPhase.live, call, stream, seq]);
  let seq = 0;
  const send = (envelope: LiveEnvelope) => publisher.publish({ session, envelope });
  // Before any delta: transports keep a session's publish order, so a subscriber has the turn before whole first.
  if (prelude) publisher.publish({ session, prelude: { ...prelude, id: formatEventId([turn, EventPhase.live, call, stream]), turn } });
  if (attempt > 1) send({ id: idOf(0), event: 'retry', data: { turn, attempt, ...(retryReason ? { reason: retryReason } : {}) } });
  return {
    delta(delta) {
      seq += 1;
      const id = idOf(seq);
      if (delta.kind === 'tool_input') send({ id, event: 'tool_input_delta', data: { turn, index: delta.index, toolUseId: delta.toolUseId, json: delta.json, attempt } });
      else send({ id, event: delta.kind === 'text' ? 'text_delta' : 'thinking_delta', data: { turn, index: delta.index, text: delta.text, attempt } });
    },
    end() {
      publisher.publish({ session, callEnd: { id: idOf(seq + 1), turn, attempt } });
    },
  };
}
