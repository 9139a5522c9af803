/** The session event log on its own: ids in order, the live stream against the transcript, kept once. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareEventIds, parseEventId } from '../../src/events/event-id.js';
import { SessionEventLog } from '../../src/events/session-event-log.js';
import { parseStreamRecord, type StreamRecord } from '../../src/events/stream-record.js';
import { startCallStream } from '../../src/events/call-stream.js';
import type { SessionStateView } from '../../src/shared/schemas/session-messages.js';
import { TurnText } from '../../src/events/turn-text.js';

const session = 'session-log';
const delta = (turn: number, attempt: number, seq: number, text: string): StreamRecord => ({
  session,
  envelope: { id: `${turn}.1.5.${attempt}.${seq}`, event: 'text_delta', data: { turn, index: 0, text, attempt } },
});
const reply = (turn: number, text: string) => ({ kind: 'message' as const, role: 'assistant' as const, content: [{ type: 'text' as const, text }], turn, epoch: 0 });

describe('session event log', () => {
  test('SessionEventLog: a turn whose live stream was cut off gets a retry marker, then its reply whole from the transcript', () => {
    const log = new SessionEventLog(() => undefined);
    log.addRecord(delta(1, 1, 1, 'Hel'));
    log.addRecord(delta(1, 1, 2, 'lo, w'));
    log.addEntry(reply(1, 'Hello, world'));
    assert.deepEqual(log.events.map((event) => event.envelope.event), ['text_delta', 'text_delta', 'retry', 'text_delta']);
    const text = new TurnText();
    for (const event of log.events) text.add(event.envelope);
    assert.equal(text.text(1), 'Hello, world');
  });

  test('SessionEventLog: a later stream of the turn that starts without its own retry marker (a local call taken over by another worker) gets one', () => {
    const log = new SessionEventLog(() => undefined);
    const timed = (stream: number, seq: number, text: string): StreamRecord => ({
      session,
      envelope: { id: `1.1.5.${stream}.${seq}`, event: 'text_delta', data: { turn: 1, index: 0, text, attempt: 1 } },
    });
    log.addRecord(timed(1765000000000, 1, 'The old wor'));
    log.addRecord(timed(1765000000000, 2, 'ker said'));
    // The worker that takes over starts the call at attempt 1 again, on a later stream.
    log.addRecord(timed(1765000012000, 1, 'Hello, '));
    log.addRecord(timed(1765000012000, 2, 'world'));
    // A record of the void stream that arrives late is placed before the marker, where it is void too.
    log.addRecord(timed(1765000000000, 3, ' more'));
    assert.deepEqual(
      log.events.map((event) => `${event.envelope.event} ${event.envelope.id}`),
      ['text_delta 1.1.5.1765000000000.1', 'text_delta 1.1.5.1765000000000.2', 'text_delta 1.1.5.1765000000000.3', 'retry 1.1.5.1765000012000.0', 'text_delta 1.1.5.1765000012000.1', 'text_delta 1.1.5.1765000012000.2'],
    );
    const text = new TurnText();
    for (const event of log.events) text.add(event.envelope);
    assert.equal(text.text(1), 'Hello, world');
    // A failover's call to another model (a later activity) voids the failed call's stream the same way.
    log.addRecord(delta(2, 1, 1, 'Half a rep'));
    log.addRecord({ session, envelope: { id: '2.1.6.1.1', event: 'text_delta', data: { turn: 2, index: 0, text: 'Whole.', attempt: 1 } } });
    const second = new TurnText();
    for (const event of log.events) second.add(event.envelope);
    assert.equal(second.text(2), 'Whole.');
    // An activity's own retry marker is not doubled.
    log.addRecord(delta(3, 1, 1, 'Fir'));
    log.addRecord({ session, envelope: { id: '3.1.5.2.0', event: 'retry', data: { turn: 3, attempt: 2 } } });
    log.addRecord(delta(3, 2, 1, 'Again'));
    assert.equal(log.events.filter((event) => event.envelope.event === 'retry' && event.envelope.data.turn === 3).length, 1);
  });

  test('SessionEventLog: a turn streamed whole is not repeated from the transcript; records learned twice are kept once', () => {
    const log = new SessionEventLog(() => undefined);
    log.addRecord(delta(1, 1, 1, 'Hello, '));
    log.addRecord(delta(1, 1, 1, 'Hello, '));
    log.addRecord(delta(1, 1, 2, 'world'));
    log.addRecord({ session, callEnd: { id: '1.1.5.1.3', turn: 1, attempt: 1 } });
    log.addEntry(reply(1, 'Hello, world'));
    log.addEntry(reply(1, 'Hello, world'));
    assert.deepEqual(log.events.map((event) => event.envelope.id), ['1.1.5.1.1', '1.1.5.1.2']);
    // Live records of a turn already read from the transcript are past news.
    log.addEntry(reply(2, 'Second.'));
    log.addRecord(delta(2, 1, 1, 'Sec'));
    assert.deepEqual(log.events.map((event) => event.envelope.id), ['1.1.5.1.1', '1.1.5.1.2', '2.2.1.0']);
  });

  test('SessionEventLog: a turn is whole once its reply, its turn end and a result for each of its tool calls are in', () => {
    const log = new SessionEventLog(() => undefined);
    const toolCall = { kind: 'message' as const, role: 'assistant' as const, turn: 2, epoch: 0, content: [{ type: 'text' as const, text: 'Let me check.' }, { type: 'tool_use' as const, id: 'toolu_1', name: 'calculator', input: {} }] };
    const spent = { kind: 'turn', turn: 2, model: 'claude-test-1', inputTokens: 5, outputTokens: 3, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: 0.001 };
    const state = { turn: 2, status: 'running', pendingApprovals: [], spend: { recent: [spent] } } as unknown as SessionStateView;
    assert.equal(log.hasWholeTurn(2), false, 'nothing of it yet');
    log.addEntry(toolCall);
    assert.equal(log.hasWholeTurn(2), false, 'its turn end waits for its usage');
    log.addState(state);
    assert.equal(log.hasWholeTurn(2), false, 'its tool call has no result yet');
    log.addEntry({ kind: 'message', role: 'user', turn: 2, epoch: 0, content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '4' }] });
    assert.equal(log.hasWholeTurn(2), true);
    assert.deepEqual(log.events.map((event) => event.envelope.event), ['text_delta', 'tool_input_delta', 'tool_use', 'turn_end', 'status', 'tool_result']);
    // A turn that streamed live but whose transcript entry is not read yet is not whole: its turn end is missing.
    log.addRecord(delta(3, 1, 1, 'Four.'));
    log.addRecord({ session, callEnd: { id: '3.1.5.1.2', turn: 3, attempt: 1 } });
    assert.equal(log.hasWholeTurn(3), false);
  });

  test('SessionEventLog: a call\'s prelude makes the turn before it whole, placed as its transcript entries would be, and they are kept once when they come', () => {
    const log = new SessionEventLog(() => undefined);
    // Turn 1 streamed live: a tool call.
    log.addRecord({ session, envelope: { id: '1.1.5.1.1', event: 'tool_input_delta', data: { turn: 1, index: 0, toolUseId: 'toolu_1', json: '{}', attempt: 1 } } });
    log.addRecord({ session, callEnd: { id: '1.1.5.1.2', turn: 1, attempt: 1 } });
    assert.equal(log.hasWholeTurn(1), false);
    const assistant = { role: 'assistant' as const, content: [{ type: 'tool_use' as const, id: 'toolu_1', name: 'calculator', input: {} }] };
    const results = { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: 'toolu_1', content: '4' }] };
    const usage = { inputTokens: 5, outputTokens: 3, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: 0.001 };
    // Turn 2's call stream as the model activity publishes it, read back as a transport's peer would.
    const published: unknown[] = [];
    const stream = startCallStream({ publish: (record) => published.push(JSON.parse(JSON.stringify(record))), close: async () => undefined }, { sessionId: session, turn: 2, call: 9, attempt: 1, stream: 1 }, undefined, { previousTurn: 1, messages: [assistant, results], usage });
    stream.delta({ kind: 'text', index: 0, text: 'Four.' });
    stream.end();
    const records = published.map((record) => parseStreamRecord(record));
    assert.ok(records.every((record) => record !== undefined), 'every record passes the schema');
    assert.ok('prelude' in records[0]!, 'the prelude comes first');
    log.addRecord(records[0]!);
    assert.equal(log.hasWholeTurn(1), true, 'no transcript read needed for turn 2');
    for (const record of records.slice(1)) log.addRecord(record!);
    const seen = log.events.map((event) => `${event.envelope.id} ${event.envelope.event}`);
    assert.deepEqual(seen, ['1.1.5.1.1 tool_input_delta', '1.3.0 tool_use', '1.4 turn_end', '1.6.0 tool_result', '2.1.9.1.1 text_delta']);
    const turnEnd = log.events.find((event) => event.envelope.event === 'turn_end')!.envelope;
    assert.deepEqual(turnEnd.data, { turn: 1, text: '', usage });
    // The transcript brings the same entries later: nothing new.
    log.addEntry({ kind: 'message', ...assistant, turn: 1, epoch: 0 });
    log.addEntry({ kind: 'message', ...results, turn: 1, epoch: 0 });
    assert.deepEqual(log.events.map((event) => `${event.envelope.id} ${event.envelope.event}`), seen);
    // A record that breaks the prelude's schema is no record.
    assert.equal(parseStreamRecord({ session, prelude: { id: '2.1.9.1', turn: 2, previousTurn: 1, messages: [], usage: {} } }), undefined);
  });

  test('event ids: compare as tuples, a prefix first; anything else is not an id', () => {
    const order = ['1', '1.1.5.1.2', '1.1.5.1.10', '1.2.0', '1.3.1', '2.0.1'].map((id) => parseEventId(id)!);
    for (let index = 1; index < order.length; index += 1) assert.ok(compareEventIds(order[index - 1]!, order[index]!) < 0);
    for (const bad of ['', 'a', '1..2', '1.2.3.4.5.6.7', '-1']) assert.equal(parseEventId(bad), undefined, bad);
  });
});
