/**
 * One check for every live-event transport: through `SessionHandle.events()` over it, the deltas make the reply's
 * text and thinking, and a late and a resumed subscriber each end with all of the text, no delta twice.
 */
import assert from 'node:assert/strict';
import type { SessionClient } from '../../src/client/session-client.js';
import type { ScriptedModelServer } from '../../src/dev/scripted-model/index.js';
import { TurnText } from '../../src/events/turn-text.js';
import { assertNoRepeats, collectEvents, textOfTurn } from './session-events.js';

export async function checkTransportStream(model: ScriptedModelServer, sessions: SessionClient): Promise<void> {
  const text = Array.from({ length: 30 }, (_, index) => `part ${index}; `).join('') + 'done.';
  model.push({ kind: 'message', chunkDelayMs: 30, content: [{ type: 'thinking', thinking: 'Thinking it over first.' }, { type: 'text', text }] });
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
}
