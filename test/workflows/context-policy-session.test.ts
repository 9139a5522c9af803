import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionHandle } from '../../src/client/session-client.js';
import type { ScriptedReply } from '../../src/dev/scripted-model/index.js';
import type { ProfileConfig } from '../../src/shared/schemas/profile.js';
import type { TranscriptEntry } from '../../src/shared/schemas/session-messages.js';
import { assertHistoriesReplay } from '../harness/replay.js';
import { useKeel } from '../harness/use-keel.js';
import { testProfiles } from '../harness/test-profiles.js';
import { waitForStatus } from '../harness/wait-for.js';

const reply = (text: string, inputTokens: number): ScriptedReply => ({
  kind: 'message',
  content: [{ type: 'text', text }],
  usage: { input_tokens: inputTokens, output_tokens: 10 },
});

/** A small context window, so that scripted usage crosses the trigger. */
const smallWindow = (contextPolicy: ProfileConfig['contextPolicy']): ProfileConfig => ({ ...testProfiles.test, contextWindow: 1000, contextPolicy });

const profiles: Record<string, ProfileConfig> = {
  'window-reset': smallWindow({ strategy: 'reset', triggerFraction: 0.5, keep: { lastTurns: 1 } }),
  'window-none': smallWindow({ strategy: 'none', triggerFraction: 0.5, keep: { lastTurns: 1 } }),
  'window-compact': smallWindow({ strategy: 'compact', triggerFraction: 0.5, keep: { lastTurns: 1 }, summaryMaxOutputTokens: 300 }),
  forgetful: { ...testProfiles.test, contextPolicy: { strategy: 'none', keep: { lastTurns: 0, task: false } } },
};

const describeEntry = (entry: TranscriptEntry): string =>
  entry.kind === 'marker' ? `marker:${entry.marker}` : `${entry.epoch}:${entry.role}:${JSON.stringify(entry.content)}`;

describe('context policy in sessions', () => {
  const sessions: SessionHandle[] = [];

  const keel = useKeel({ model: {}, worker: { profiles } });

  /** Three chat turns on `profile`: 300 input tokens, then 600 (half of the window), then 100. */
  async function threeTurns(profile: string, beforeThird: () => void = () => {}) {
    const firstRequest = keel.model.requests.length;
    keel.model.push(reply('one', 300));
    const handle = await keel.worker.sessions.start({ profile, mode: 'chat', system: 'Be brief.', messages: [{ role: 'user', content: 'the task' }] });
    sessions.push(handle);
    await waitForStatus(handle, 'waiting_for_input', 'the first turn to end');
    keel.model.push(reply('two', 600));
    await handle.sendMessage('second');
    beforeThird();
    keel.model.push(reply('three', 100));
    const third = await handle.sendMessage('third');
    return { handle, third, requests: keel.model.requests.slice(firstRequest) };
  }

  test('context policy: one input under a reset profile and a none profile behaves differently, with no code change', async () => {
    const reset = await threeTurns('window-reset');
    const none = await threeTurns('window-none');
    assert.equal(reset.third.text, 'three');
    assert.equal(none.third.text, 'three');

    // The reset profile: the model server saw the shortened context on the third call.
    const shortened = reset.requests.at(-1)!.body;
    assert.equal(shortened.system, 'Be brief.');
    assert.equal(shortened.messages.length, 3);
    assert.deepEqual(shortened.messages[0].content[0], { type: 'text', text: 'the task' });
    assert.match(shortened.messages[0].content[1].text, /^\[Context reset at turn 3: 3 earlier message\(s\) were removed/);
    assert.deepEqual(shortened.messages.slice(1), [
      { role: 'assistant', content: [{ type: 'text', text: 'two' }] },
      { role: 'user', content: [{ type: 'text', text: 'third' }] },
    ]);
    const resetState = await reset.handle.state();
    assert.equal(resetState.contextEpoch, 1);
    assert.deepEqual(resetState.context, { strategy: 'reset', contextWindow: 1000, lastInputTokens: 100, triggerTokens: 500, systemPrompt: true });
    const transcript = await reset.handle.fullTranscript();
    const marker = transcript.find((entry) => entry.kind === 'marker');
    assert.ok(marker && marker.kind === 'marker');
    assert.equal(marker.marker, 'context-reset');
    assert.match(marker.detail ?? '', /^reset, the last call read 600 input tokens, past 0\.5 of the 1000-token window; 3 message\(s\) dropped; kept: system prompt, task, last 1 turn\(s\), note$/);
    // The full pre-reset transcript stays retrievable, before the marker.
    assert.deepEqual(transcript.slice(0, 6).map(describeEntry), [
      '0:user:"the task"',
      '0:assistant:[{"type":"text","text":"one"}]',
      '0:user:[{"type":"text","text":"second"}]',
      '0:assistant:[{"type":"text","text":"two"}]',
      '0:user:[{"type":"text","text":"third"}]',
      'marker:context-reset',
    ]);
    assert.equal(transcript.filter((entry) => entry.kind === 'message' && entry.epoch === 1).length, 4);

    // The none profile: the whole conversation, every time.
    assert.equal(none.requests.at(-1)!.body.messages.length, 5);
    const noneState = await none.handle.state();
    assert.equal(noneState.contextEpoch, 0);
    assert.equal(noneState.context.triggerTokens, undefined);
    assert.ok(!(await none.handle.fullTranscript()).some((entry) => entry.kind === 'marker'));

    await reset.handle.cancel();
    await none.handle.cancel();
  });

  test('resetContext: sent during a chat session, takes effect at the next model call, and the session goes on', async () => {
    keel.model.push(reply('one', 50));
    const handle = await keel.worker.sessions.start({ profile: 'forgetful', mode: 'chat', messages: [{ role: 'user', content: 'the task' }] });
    sessions.push(handle);
    await waitForStatus(handle, 'waiting_for_input', 'the first turn to end');
    keel.model.push(reply('two', 50));
    await handle.sendMessage('second');
    await handle.resetContext({ reason: 'start over' });
    // Nothing changes until the next model call.
    assert.equal((await handle.state()).contextEpoch, 0);
    assert.equal(keel.model.requests.at(-1)!.body.messages.length, 3);

    keel.model.push(reply('three', 50));
    assert.equal((await handle.sendMessage('third')).text, 'three');
    const afterReset = keel.model.requests.at(-1)!.body.messages;
    assert.equal(afterReset.length, 1);
    assert.match(afterReset[0].content[0].text, /^\[Context reset at turn 3: 4 earlier message\(s\) were removed/);
    assert.deepEqual(afterReset[0].content[1], { type: 'text', text: 'third' });
    const state = await handle.state();
    assert.equal(state.contextEpoch, 1);
    const marker = (await handle.fullTranscript()).find((entry) => entry.kind === 'marker');
    assert.match(marker?.kind === 'marker' ? (marker.detail ?? '') : '', /^reset, requested by resetContext: start over; 4 message\(s\) dropped/);

    keel.model.push(reply('four', 50));
    assert.equal((await handle.sendMessage('fourth')).text, 'four');
    assert.deepEqual(
      keel.model.requests.at(-1)!.body.messages.map((message: { role: string }) => message.role),
      ['user', 'assistant', 'user'],
    );
    assert.equal((await handle.state()).turn, 4);
    await handle.cancel();
  });

  test('compact: a summarising model call writes the summary that opens the new context, and its cost is in the ledger', async () => {
    const { handle, requests } = await threeTurns('window-compact', () => {
      keel.model.push({ kind: 'message', content: [{ type: 'text', text: 'The user set a task and asked twice.' }], usage: { input_tokens: 700, output_tokens: 40 } });
    });
    assert.equal(requests.length, 4);
    const summaryCall = requests[2].body;
    assert.equal(summaryCall.max_tokens, 300);
    assert.equal(summaryCall.system, 'Be brief.');
    assert.equal(summaryCall.thinking, undefined);
    assert.equal(summaryCall.messages.length, 5);
    const instruction = summaryCall.messages[4].content;
    assert.deepEqual(instruction[0], { type: 'text', text: 'third' });
    assert.match(instruction[1].text, /^The context window is nearly full/);

    const turnCall = requests[3].body;
    assert.equal(turnCall.messages.length, 3);
    assert.deepEqual(turnCall.messages[0].content, [
      { type: 'text', text: 'the task' },
      { type: 'text', text: 'Summary of the conversation so far (written before the context was compacted):\n\nThe user set a task and asked twice.' },
    ]);

    const state = await handle.state();
    assert.equal(state.contextEpoch, 1);
    const compaction = state.spend.recent.find((entry) => entry.kind === 'compaction');
    assert.deepEqual(compaction, {
      turn: 3,
      kind: 'compaction',
      profile: 'window-compact',
      model: 'claude-test-1',
      inputTokens: 700,
      outputTokens: 40,
      cacheReadInputTokens: 0,
      cacheCreationInputTokens: 0,
      costUsd: 0.0011,
    });
    assert.equal(state.usage.inputTokens, 300 + 600 + 700 + 100);
    assert.equal(state.spend.total.calls, 4);
    const marker = (await handle.fullTranscript()).find((entry) => entry.kind === 'marker');
    assert.match(marker?.kind === 'marker' ? (marker.detail ?? '') : '', /^compact, the last call read 600 input tokens.*kept: system prompt, task, last 1 turn\(s\), summary$/);
    await handle.cancel();
  });

  test('compact: a summarising call that fails for good becomes a plain reset, and the session goes on', async () => {
    const { handle, third, requests } = await threeTurns('window-compact', () => {
      keel.model.push({ kind: 'http-error', status: 400, message: 'no summaries today' });
    });
    assert.equal(third.text, 'three');
    assert.equal(requests.length, 4);
    assert.match(requests[3].body.messages[0].content[1].text, /^\[Context reset at turn 3/);
    const marker = (await handle.fullTranscript()).find((entry) => entry.kind === 'marker');
    assert.match(
      marker?.kind === 'marker' ? (marker.detail ?? '') : '',
      /^reset \(compaction abandoned: the summarising call failed: .*no summaries today.*\), the last call read 600/,
    );
    assert.equal((await handle.state()).contextEpoch, 1);
    await handle.cancel();
  });

  test('replay: every session of this file replays from its history with the current workflow code', async () => {
    assert.ok(sessions.length >= 5);
    await assertHistoriesReplay(keel.environment.bundle, sessions);
  });
});
