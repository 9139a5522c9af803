/** Reading a subscription of live events in tests: all of it, its turn texts, and the check that nothing came twice. */
import assert from 'node:assert/strict';
import { TurnText } from '../../src/events/turn-text.js';
import type { SessionEventEnvelope } from '../../src/shared/schemas/session-event.js';

/** Every event of a subscription until it ends (after session_end), or `stop` says so. */
export async function collectEvents(events: AsyncIterable<SessionEventEnvelope>, stop?: (seen: SessionEventEnvelope[]) => boolean): Promise<SessionEventEnvelope[]> {
  const seen: SessionEventEnvelope[] = [];
  for await (const event of events) {
    seen.push(event);
    if (stop?.(seen)) break;
  }
  return seen;
}

export function textOfTurn(events: SessionEventEnvelope[], turn: number): string {
  const text = new TurnText();
  for (const event of events) text.add(event);
  return text.text(turn);
}

export function assertNoRepeats(events: SessionEventEnvelope[]): void {
  const ids = events.map((event) => event.id);
  assert.equal(new Set(ids).size, ids.length, `an event came twice: ${ids.join(' ')}`);
}
