/**
 * `modelCall.local`: a session whose profile runs its model calls, and its calls to retry-safe tools, as local
 * activities. It must answer as a session without the setting does, record markers where the other records
 * activities (but keep a tool not safe to retry an ordinary activity), stream its reply live, stop for an interrupt,
 * and replay.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { temporal } from '@temporalio/proto';
import { z } from 'zod';
import type { SessionHandle } from '../../src/client/session-client.js';
import type { ScriptedReply } from '../../src/dev/scripted-model/index.js';
import { LocalEventHub } from '../../src/events/local/local-event-hub.js';
import { defineTool } from '../../src/tools/define-tool.js';
import { assertHistoriesReplay } from '../harness/replay.js';
import { localEventsClient } from '../harness/local-events-client.js';
import { toolResultsIn } from '../harness/scripted-replies.js';
import { assertNoRepeats, collectEvents, textOfTurn } from '../harness/session-events.js';
import { testProfiles } from '../harness/test-profiles.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const directory = mkdtempSync(join(tmpdir(), 'keel-local-calls-test-'));
const lookup = defineTool({
  name: 'lookup',
  description: 'Looks a word up.',
  inputSchema: z.object({ word: z.string() }),
  safeToRetry: true,
  handler: ({ word }) => `${word}: a small boat`,
});
/** What the tool that is not safe to retry did, in order: each entry one run of its side effect. */
const notes: string[] = [];
const note = defineTool({
  name: 'note',
  description: 'Writes a note down.',
  inputSchema: z.object({ text: z.string() }),
  handler: ({ text }) => {
    notes.push(text);
    return 'noted';
  },
});
const localProfile = { ...testProfiles.test, modelCall: { ...testProfiles.test.modelCall, local: true } };
const longText = Array.from({ length: 40 }, (_, index) => `word${index} `).join('') + 'the end.';

/** The model turn that calls both tools, then the answer, streamed in small steps. */
function toolUsingConversation(): ScriptedReply[] {
  return [
    {
      kind: 'message',
      chunkDelayMs: 5,
      content: [
        { type: 'text', text: 'Let me look that up and note it.' },
        { type: 'tool_use', id: 'toolu_lookup', name: 'lookup', input: { word: 'dinghy' } },
        { type: 'tool_use', id: 'toolu_note', name: 'note', input: { text: 'dinghy' } },
      ],
    },
    { kind: 'message', chunkDelayMs: 5, content: [{ type: 'text', text: longText }] },
  ];
}

function payloadJson<T>(payload: temporal.api.common.v1.IPayload | undefined): T | undefined {
  return payload?.data ? (JSON.parse(Buffer.from(payload.data).toString('utf8')) as T) : undefined;
}

/** The activities a history ran as ordinary activities, by type (and for `runTool`, the tool). */
function scheduledActivities(events: HistoryEvent[]): string[] {
  return events.flatMap((event) => {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (!scheduled) return [];
    const type = scheduled.activityType?.name ?? '';
    return [type === 'runTool' ? `runTool ${payloadJson<{ tool: string }>(scheduled.input?.payloads?.[0])?.tool}` : type];
  });
}

/** The local activities a history recorded (its `core_local_activity` markers), by type (and for `runTool`, its output). */
function localActivities(events: HistoryEvent[]): string[] {
  return events.flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_local_activity') return [];
    const type = payloadJson<{ activity_type: string }>(marker.details?.data?.payloads?.[0])?.activity_type ?? '';
    return [type === 'runTool' ? `runTool ${payloadJson<{ content: string }>(marker.details?.result?.payloads?.[0])?.content}` : type];
  });
}

describe('local model calls', () => {
  const keel = useKeel({
    model: {},
    worker: async () => ({ tools: [lookup, note], profiles: { local: localProfile }, events: await LocalEventHub.shared(directory) }),
  });
  const client = localEventsClient(keel, directory);

  /** Runs the tool-using conversation on `profile` to its end; its live events, transcript and history. */
  const converse = async (profile: string) => {
    keel.model.push(...toolUsingConversation());
    const handle = await client().start({ profile, tools: ['lookup', 'note'], messages: [{ role: 'user', content: 'What is a dinghy?' }] });
    const events = await collectEvents(handle.events());
    const result = await handle.result();
    const history = (await handle.workflow.fetchHistory()).events ?? [];
    return { handle, events, result, transcript: await handle.fullTranscript(), history };
  };

  test('modelCall.local: a tool-using session answers as without it, with markers for the model calls and the retry-safe tool, an activity for the tool not safe to retry, live text deltas, and a history that replays', async () => {
    const ordinary = await converse('test');
    const local = await converse('local');

    assert.equal(local.result.status, 'completed');
    assert.equal(local.result.finalText, longText);
    assert.deepEqual(local.transcript, ordinary.transcript);
    assert.deepEqual(notes, ['dinghy', 'dinghy'], 'the tool not safe to retry ran once in each session');
    // The model saw the same tool results.
    const lastRequests = keel.model.requests.filter((request) => toolResultsIn(request).size > 0);
    assert.equal(lastRequests.length, 2);
    assert.deepEqual(toolResultsIn(lastRequests[1]!), toolResultsIn(lastRequests[0]!));

    // Without the setting: every model call and tool call is an activity.
    assert.deepEqual(scheduledActivities(ordinary.history).sort(), ['callModel', 'callModel', 'runTool lookup', 'runTool note']);
    assert.deepEqual(localActivities(ordinary.history), ['resolveProfile', 'resolveTools']);
    // With it: markers for the model calls and the retry-safe tool; the other tool is still an activity.
    assert.deepEqual(scheduledActivities(local.history), ['runTool note']);
    assert.deepEqual(localActivities(local.history), ['resolveProfile', 'resolveTools', 'callModel', 'runTool dinghy: a small boat', 'callModel']);
    assert.ok(
      local.history.filter((event) => event.workflowTaskCompletedEventAttributes).length <
        ordinary.history.filter((event) => event.workflowTaskCompletedEventAttributes).length,
      'fewer workflow tasks',
    );

    // The reply streamed live from the local model call, in many deltas, whole.
    assertNoRepeats(local.events);
    assert.equal(textOfTurn(local.events, 2), longText);
    const textDeltas = local.events.filter((event) => event.event === 'text_delta' && event.data.turn === 2);
    assert.ok(textDeltas.length > 10, `${textDeltas.length} text deltas`);
    // The same tool calls, results and turn ends in the same order. Status changes are placed where the feed first
    // saw them (and a short one may pass unseen), a matter of timing in either mode; both end completed.
    const turnEvents = (events: typeof local.events) => events.filter((event) => !event.event.endsWith('_delta') && event.event !== 'status').map((event) => event.event);
    assert.deepEqual(turnEvents(local.events), turnEvents(ordinary.events));
    const lastStatus = (events: typeof local.events) => events.flatMap((event) => (event.event === 'status' ? [event.data.status] : [])).at(-1);
    assert.equal(lastStatus(local.events), 'completed');
    assert.equal(lastStatus(ordinary.events), 'completed');

    await assertHistoriesReplay(keel.environment.bundle, [ordinary.handle, local.handle]);
  });

  test('modelCall.local: an interrupt sent during a model call longer than a workflow task stops the turn before its tool calls run, and the history replays', async () => {
    const notesBefore = notes.length;
    keel.model.push({
      kind: 'message',
      // Past the default ten-second workflow task timeout: the worker completes the task and goes on in the next,
      // which brings the interrupt while the call still runs.
      delayMs: 11_000,
      content: [
        { type: 'tool_use', id: 'toolu_lookup_2', name: 'lookup', input: { word: 'skiff' } },
        { type: 'tool_use', id: 'toolu_note_2', name: 'note', input: { text: 'skiff' } },
      ],
    });
    const requestsBefore = keel.model.requests.length;
    const handle: SessionHandle = await client().start({ profile: 'local', mode: 'chat', tools: ['lookup', 'note'], messages: [{ role: 'user', content: 'And a skiff?' }] });
    await waitFor('the model call to start', () => keel.model.requests.length === requestsBefore + 1);
    await handle.interrupt('changed my mind');
    // Queries wait for the workflow task to end while a local call runs: a generous wait.
    await waitFor('the interrupted turn to end', async () => (await handle.state()).status === 'waiting_for_input', 40_000);

    const transcript = await handle.fullTranscript();
    assert.deepEqual(
      transcript.map((entry) => (entry.kind === 'message' ? entry.role : entry.marker)),
      ['user', 'assistant', 'user', 'interrupted'],
    );
    const results = transcript[2]!.kind === 'message' ? transcript[2]!.content : [];
    assert.ok(Array.isArray(results) && results.every((block) => block.type === 'tool_result' && block.is_error === true && String(block.content).startsWith('not run: the user interrupted')));
    assert.equal(notes.length, notesBefore, 'the note tool did not run');
    assert.equal(keel.model.requests.length, requestsBefore + 1, 'no model call after the interrupt');

    // The case under test happened: the call's marker follows a workflow task that completed without it.
    const events = (await handle.workflow.fetchHistory()).events ?? [];
    const modelMarker = events.findIndex((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity' && localActivities([event])[0] === 'callModel');
    const signal = events.findIndex((event) => event.workflowExecutionSignaledEventAttributes);
    assert.ok(signal >= 0 && signal < modelMarker, 'the interrupt was recorded before the model call\'s result');
    await assertHistoriesReplay(keel.environment.bundle, [handle]);
    await handle.cancel();
    await assertHistoriesReplay(keel.environment.bundle, [handle]);
  });
});
