/**
 * Live events through `SessionHandle.events()`: a real worker streaming from the real Anthropic SDK against the
 * scripted model server, its model calls publishing to the local hub, subscribers reading through the feed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { SessionClient, type SessionHandle } from '../../src/client/session-client.js';
import { LocalEventHub } from '../../src/events/local/local-event-hub.js';
import { SessionEventFeed } from '../../src/client/session-event-feed.js';
import { TurnText } from '../../src/events/turn-text.js';
import type { SessionEventEnvelope } from '../../src/shared/schemas/session-event.js';
import { defineTool } from '../../src/tools/define-tool.js';
import { assertNoRepeats, collectEvents, textOfTurn } from '../harness/session-events.js';
import { startKeel } from '../harness/keel-cli.js';
import { localEventsClient } from '../harness/local-events-client.js';
import { useKeel } from '../harness/use-keel.js';
import { watchSession } from '../../src/client/watch-session.js';

const directory = mkdtempSync(join(tmpdir(), 'keel-events-test-'));
const lookup = defineTool({
  name: 'lookup',
  description: 'Looks a word up.',
  inputSchema: z.object({ word: z.string(), language: z.string() }),
  safeToRetry: true,
  handler: ({ word }) => `${word}: a small boat`,
});
const longText = Array.from({ length: 40 }, (_, index) => `word${index} `).join('') + 'the end.';

describe('session events', () => {
  const keel = useKeel({
    model: {},
    worker: async () => ({ tools: [lookup], events: await LocalEventHub.shared(directory) }),
    workers: { unstreamed: { tools: [lookup], events: false } },
  });
  const client = localEventsClient(keel, directory);

  test('events(): text, thinking and tool-input deltas concatenate to exactly the turn\'s reply, live and in order', async () => {
    keel.model.push(
      {
        kind: 'message',
        chunkDelayMs: 5,
        content: [
          { type: 'thinking', thinking: 'The user wants a word looked up; the lookup tool does that.' },
          { type: 'text', text: 'Let me look that up for you, one moment.' },
          { type: 'tool_use', id: 'toolu_lookup', name: 'lookup', input: { word: 'dinghy', language: 'English' } },
        ],
      },
      { kind: 'message', chunkDelayMs: 5, content: [{ type: 'text', text: longText }] },
    );
    const handle = await client().start({ profile: 'test', tools: ['lookup'], messages: [{ role: 'user', content: 'What is a dinghy?' }] });
    const events = await collectEvents(handle.events());
    assertNoRepeats(events);
    const transcript = await handle.fullTranscript();
    const replies = transcript.filter((entry) => entry.kind === 'message' && entry.role === 'assistant');
    assert.equal(replies.length, 2);
    const accumulated = new TurnText();
    for (const event of events) accumulated.add(event);
    assert.equal(accumulated.thinking(1), 'The user wants a word looked up; the lookup tool does that.');
    assert.equal(accumulated.text(1), 'Let me look that up for you, one moment.');
    assert.deepEqual(JSON.parse(accumulated.toolInput(1, 'toolu_lookup') ?? ''), { word: 'dinghy', language: 'English' });
    assert.equal(accumulated.toolInput(1, 'toolu_lookup'), JSON.stringify({ word: 'dinghy', language: 'English' }));
    assert.equal(accumulated.text(2), longText);
    // Streamed live, in many deltas of the model call's first attempt, not read whole from the transcript.
    const textDeltas = events.filter((event) => event.event === 'text_delta' && event.data.turn === 2);
    assert.ok(textDeltas.length > 10, `${textDeltas.length} text deltas`);
    assert.ok(textDeltas.every((event) => event.event === 'text_delta' && event.data.attempt === 1));
    // The other events, in the order they happened.
    const names = events.filter((event) => !event.event.endsWith('_delta')).map((event) => event.event);
    assert.deepEqual(names, ['status', 'tool_use', 'turn_end', 'tool_result', 'turn_end', 'status', 'session_end']);
    const toolUse = events.find((event) => event.event === 'tool_use');
    assert.deepEqual(toolUse?.data, { turn: 1, toolUseId: 'toolu_lookup', name: 'lookup', input: { word: 'dinghy', language: 'English' } });
    const toolResult = events.find((event) => event.event === 'tool_result');
    assert.deepEqual(toolResult?.data, { turn: 1, toolUseId: 'toolu_lookup', isError: false, content: 'dinghy: a small boat' });
    const turnEnd = events.filter((event) => event.event === 'turn_end').at(-1);
    assert.equal(turnEnd?.event === 'turn_end' && turnEnd.data.text, longText);
    assert.ok(turnEnd?.event === 'turn_end' && turnEnd.data.usage.outputTokens > 0);
    assert.deepEqual(events.at(-1)?.data, { status: 'completed', finalText: longText });
    // Ids grow through the session.
    const parts = events.map((event) => event.id.split('.').map(Number));
    for (let index = 1; index < parts.length; index += 1) {
      const [a, b] = [parts[index - 1]!, parts[index]!];
      const order = a.findIndex((value, position) => value !== b[position]);
      assert.ok(order === -1 ? a.length < b.length : (b[order] ?? -1) > a[order]!, `${events[index - 1]!.id} before ${events[index]!.id}`);
    }
  });

  test('events(): a late subscriber gets the turn so far then the rest, a resumed one continues after its last id; both end with the full text, no delta twice', async () => {
    keel.model.push({ kind: 'message', chunkDelayMs: 40, content: [{ type: 'text', text: longText }] });
    const handle: SessionHandle = await client().start({ profile: 'test', messages: [{ role: 'user', content: 'Count slowly.' }] });
    const first = collectEvents(handle.events());
    // The resumed subscriber leaves after three deltas.
    const cut = await collectEvents(handle.events(), (seen) => seen.filter((event) => event.event === 'text_delta').length === 3);
    const lastId = cut.at(-1)!.id;
    // The late one comes once the text is well under way.
    const late = new TurnText();
    const lateEvents: SessionEventEnvelope[] = [];
    const underWay = collectEvents(handle.events(), (seen) => {
      late.add(seen.at(-1)!);
      return late.text(1).length > 40;
    });
    await underWay;
    const lateRest = collectEvents(handle.events());
    const resumed = await collectEvents(handle.events({ lastEventId: lastId }));
    lateEvents.push(...(await lateRest));
    const whole = await first;

    assert.equal(textOfTurn(whole, 1), longText);
    assert.ok(whole.filter((event) => event.event === 'text_delta').length > 10);
    const lateDeltas = lateEvents.filter((event) => event.event === 'text_delta');
    assert.equal(textOfTurn(lateEvents, 1), longText, 'the late subscriber ends with the full text');
    assert.ok(lateDeltas.length > 1, 'the late subscriber got the turn so far, then live deltas');
    assertNoRepeats(lateEvents);
    const both = [...cut, ...resumed];
    assertNoRepeats(both);
    assert.equal(textOfTurn(both, 1), longText, 'the resumed subscriber ends with the full text');
    assert.equal(resumed.at(-1)?.event, 'session_end');
  });

  test('events(): a subscriber after the session ended gets its last turn from the transcript, then session_end', async () => {
    keel.model.push({ kind: 'message', content: [{ type: 'text', text: 'Short and done.' }] });
    const handle = await client().start({ profile: 'test', messages: [{ role: 'user', content: 'Be brief.' }] });
    await handle.result();
    // From the hub, which still holds the last call's stream.
    const events = await collectEvents(handle.events());
    assert.equal(textOfTurn(events, 1), 'Short and done.');
    assert.deepEqual(events.filter((event) => event.event !== 'text_delta').map((event) => event.event), ['turn_end', 'status', 'session_end']);
    // Without a transport, from the transcript alone: the reply whole.
    const feed = new SessionEventFeed({ client: keel.environment.client });
    const fromTranscript = await collectEvents(feed.subscribe(handle.workflowId));
    await feed.close();
    assert.deepEqual(fromTranscript.map((event) => event.event), ['text_delta', 'turn_end', 'status', 'session_end']);
    assert.deepEqual(fromTranscript.map((event) => event.id), events.filter((event) => event.event !== 'text_delta').map((event) => event.id).reduce((ids, id) => [...ids, id], ['1.2.1.0']));
    assert.equal(textOfTurn(fromTranscript, 1), 'Short and done.');
    await assert.rejects(async () => collectEvents(handle.events({ lastEventId: 'not an id' })), /lastEventId/);
  });

  test('streaming adds nothing to history: a streamed session has the same events as the same session unstreamed', async () => {
    const historyOf = async (sessions: SessionClient) => {
      keel.model.push(
        { kind: 'message', content: [{ type: 'text', text: 'Looking.' }, { type: 'tool_use', id: 'toolu_same', name: 'lookup', input: { word: 'skiff', language: 'English' } }] },
        { kind: 'message', content: [{ type: 'text', text: longText }] },
      );
      const handle = await sessions.start({ profile: 'test', tools: ['lookup'], messages: [{ role: 'user', content: 'What is a skiff?' }] });
      await handle.result();
      const history = await handle.workflow.fetchHistory();
      return (history.events ?? []).map((event) => event.eventType);
    };
    const streamed = await historyOf(client());
    const unstreamed = await historyOf(new SessionClient({ client: keel.environment.client, taskQueue: keel.namedWorker('unstreamed').taskQueue }));
    assert.deepEqual(streamed, unstreamed);
  });

  test('keel watch: prints the reply token by token while the model writes it, and once', async () => {
    // Long enough (about 12 s) that the watch process, which starts through tsx and is slow on a busy machine, is
    // up well before the reply ends (at 3 s it once was not, under a second suite).
    const text = Array.from({ length: 40 }, (_, index) => `piece${index} `).join('') + 'end';
    keel.model.push({ kind: 'message', chunkDelayMs: 300, content: [{ type: 'text', text }] });
    const handle = await client().start({ profile: 'test', messages: [{ role: 'user', content: 'Slowly.' }] });
    const watch = startKeel(['watch', handle.workflowId], { address: keel.environment.address, env: { KEEL_EVENTS_URL: directory } });
    try {
      await watch.waitForOutput(`assistant  ${text.slice(0, 24)}`);
      // Shown while the model call still runs: the transcript has no reply yet.
      const transcript = await handle.transcript();
      assert.ok(!transcript.entries.some((entry) => entry.kind === 'message' && entry.role === 'assistant'), 'the reply is not in the transcript yet');
      assert.equal(await watch.exited, 0, watch.stderr());
      // The reply's lines (a line printed between its tokens continues it under a new label) make its text once.
      const replyLines = watch.stdout().split('\n').filter((line) => line.startsWith('assistant  '));
      assert.equal(replyLines.map((line) => line.slice('assistant  '.length)).join(''), text, watch.stdout());
    } finally {
      watch.kill();
    }
  });

  test('watchSession: a state the caller has just read is the watch\'s first, so that one query, not two, meets the first workflow task', async () => {
    // The server holds a query that comes during a workflow task; a second one held beside it was answered 1.5-2 s
    // late. The feed reads the state once for its subscribers and hands it to its watch (http-stream bench).
    keel.model.push({ kind: 'message', content: [{ type: 'text', text: 'Done.' }] });
    const handle = await client().start({ profile: 'test', messages: [{ role: 'user', content: 'Say done.' }] });
    const read = await handle.state();
    const given = { ...read, turn: 41 };
    const states: number[] = [];
    for await (const event of watchSession(keel.environment.client, handle.workflowId, { firstState: Promise.resolve(given) })) {
      if (event.kind === 'state') states.push(event.state.turn);
    }
    assert.equal(states[0], 41, 'the first state is the one handed in');
    assert.equal(states.at(-1), 1, 'later ones are read from the session');
  });

  test('events(): an unknown session fails the subscription', async () => {
    await assert.rejects(async () => collectEvents(client().getHandle('session-that-does-not-exist').events()), /not found/i);
  });
});
