/**
 * Ids of a session's live events: a dotted tuple of integers that starts with the session's turn, so that ids grow
 * through the whole session (turns grow across continue-as-new) and any process can give an event the same id,
 * whether it saw the event live or derived it from the transcript. Clients treat ids as opaque; they only send one
 * back as `lastEventId` (`Last-Event-ID`).
 *
 * Within turn T, in the order things happen:
 * - `T.0.<n>`            status changes before the model call of T (waiting for budget, then running)
 * - `T.1.<call>.<a>.<s>` the live stream of T's model call: activity `call`, stream `a` (the attempt of an ordinary
 *                        activity; for a local one, when its attempt was scheduled, see `CallStreamPosition`), `s` 0
 *                        the retry marker, then 1, 2, ... its deltas
 * - `T.2.0`, `T.2.1.<i>` T's reply read from the transcript when its live stream was not (all) seen: a retry
 *                        marker (only when some live deltas were), then one delta per content block `i`
 * - `T.3.<i>`            tool_use of block `i`;  `T.4` turn_end
 * - `T.5.0`, `T.5.1.<i>`, `T.5.2`  waiting for approval, approval_requested of block `i`, running again
 * - `T.6.<i>`            tool_result of the call in block `i`
 * - `T.7.<n>`            the status the turn ended in;  `T.8` session_end
 */

export type EventId = readonly number[];

export function formatEventId(parts: EventId): string {
  return parts.join('.');
}

/** The parts of an id, or undefined for a string that is not one of ours. */
export function parseEventId(id: string): EventId | undefined {
  if (!/^\d{1,15}(\.\d{1,15}){0,5}$/.test(id)) return undefined;
  return id.split('.').map(Number);
}

/** Orders ids as tuples: a shorter id comes before the longer ones it starts. */
export function compareEventIds(a: EventId, b: EventId): number {
  for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
    if (index >= a.length) return -1;
    if (index >= b.length) return 1;
    if (a[index] !== b[index]) return a[index]! - b[index]!;
  }
  return 0;
}

/** Phases of a turn, as laid out above. */
export const EventPhase = {
  statusBefore: 0,
  live: 1,
  fromTranscript: 2,
  toolUse: 3,
  turnEnd: 4,
  approval: 5,
  toolResult: 6,
  statusAfter: 7,
  sessionEnd: 8,
} as const;

/** Local activities' streams are numbered by time (milliseconds since 1970), far above any attempt count. */
const FIRST_TIMED_STREAM = 1e12;

/** The attempt that follows a stream, for a retry marker that has only the stream's id: unknown (1) for a timed one. */
export function attemptAfterStream(stream: number | undefined): number {
  return stream !== undefined && stream < FIRST_TIMED_STREAM ? stream + 1 : 1;
}
