import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { textReply } from '../harness/scripted-replies.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor, waitForStatus } from '../harness/wait-for.js';

const text = (value: string) => textReply(value, { input_tokens: 10, output_tokens: 5 });

describe('chat sessions', () => {
  // The model here asks for tools the session never offered (as a confused model might); the real API would
  // refuse such a history, so this server does not check requests.
  const keel = useKeel({ model: {}, models: { lenient: { validate: false } }, worker: {}, workers: { lenient: { scriptedModel: 'lenient' } } });

  test('chat session: holds three turns through sendMessage, with state and transcript correct between turns', async () => {
    keel.model.push(text('first answer'));
    const handle = await keel.worker.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'hello' }] });
    await waitForStatus(handle, 'waiting_for_input', 'the first turn to end');
    let state = await handle.state();
    assert.equal(state.turn, 1);
    assert.deepEqual(state.usage, { inputTokens: 10, outputTokens: 5, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: (10 * 1 + 5 * 10) / 1e6 });
    assert.equal(state.profile, 'test');

    keel.model.push(text('second answer'));
    const second = await handle.sendMessage('and again?');
    assert.equal(second.text, 'second answer');
    assert.equal(second.turn, 2);

    state = await handle.state();
    assert.equal(state.status, 'waiting_for_input');
    assert.equal(state.turn, 2);
    let transcript = await handle.transcript();
    assert.deepEqual(
      transcript.entries.map((entry) => (entry.kind === 'message' ? `${entry.role}:${JSON.stringify(entry.content)}` : entry.marker)),
      [
        'user:"hello"',
        'assistant:[{"type":"text","text":"first answer"}]',
        'user:[{"type":"text","text":"and again?"}]',
        'assistant:[{"type":"text","text":"second answer"}]',
      ],
    );

    keel.model.push(text('third answer'));
    const third = await handle.sendMessage([{ type: 'text', text: 'last one' }], { id: 'message-3' });
    assert.equal(third.text, 'third answer');
    assert.equal(third.messageId, 'message-3');
    transcript = await handle.transcript(4);
    assert.equal(transcript.total, 6);
    assert.equal(transcript.entries.length, 2);

    // The model saw the whole conversation each time, in order.
    const lastRequest = keel.model.requests.at(-1)!;
    assert.deepEqual(
      lastRequest.body.messages.map((message: { role: string }) => message.role),
      ['user', 'assistant', 'user', 'assistant', 'user'],
    );
    await handle.cancel();
    assert.equal((await handle.result()).status, 'cancelled');
  });

  test('userMessage: a repeated id is applied once', async () => {
    keel.model.push(text('hi'));
    const handle = await keel.worker.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'start' }] });
    await waitForStatus(handle, 'waiting_for_input', 'the first turn to end');
    const callsBefore = keel.model.requests.length;
    keel.model.push(text('got it'));
    await handle.userMessage('do the thing', { id: 'same-id' });
    await handle.userMessage('do the thing', { id: 'same-id' });
    await waitFor('the second turn to end', async () => (await handle.state()).turn === 2 && (await handle.state()).status === 'waiting_for_input');
    await handle.userMessage('do the thing', { id: 'same-id' });
    // Give a repeat the chance to start a turn it must not start.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const entries = await handle.fullTranscript();
    const userTexts = entries.filter((entry) => entry.kind === 'message' && entry.role === 'user');
    assert.equal(userTexts.length, 2);
    assert.equal(JSON.stringify(userTexts[1]).match(/do the thing/g)?.length, 1);
    assert.equal(keel.model.requests.length, callsBefore + 1);
    assert.equal((await handle.state()).turn, 2);
    await handle.cancel();
  });

  test('sendMessage: rejected with a reason once a task session has completed', async () => {
    keel.model.push(text('done'));
    const handle = await keel.worker.sessions.start({ profile: 'test', messages: [{ role: 'user', content: 'one shot' }] });
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.equal(result.finalText, 'done');
    await assert.rejects(handle.sendMessage('more?'), /completed|not found|already/i);
  });

  test('sendMessage: rejects invalid content in its validator, leaving no trace in history', async () => {
    keel.model.push(text('ready'));
    const handle = await keel.worker.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'start' }] });
    await waitForStatus(handle, 'waiting_for_input', 'the first turn to end');
    await assert.rejects(handle.sendMessage([] as never), /invalid message: content/);
    const history = await handle.workflow.fetchHistory();
    assert.ok(!history.events!.some((event) => event.workflowExecutionUpdateAcceptedEventAttributes));
    await handle.cancel();
  });

  test('interrupt: stops the turn at the next safe point and the session stays open', async () => {
    keel.namedModel('lenient').push(
      { kind: 'message', content: [{ type: 'tool_use', name: 'bash', input: { command: 'ls' } }], chunkDelayMs: 300 },
    );
    const handle = await keel.namedWorker('lenient').sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'work' }] });
    await waitFor('the model call to begin', () => keel.namedModel('lenient').requests.length > 0 && keel.namedModel('lenient').requests.at(-1)!.body.messages[0].content === 'work');
    await handle.interrupt('user pressed stop');
    await waitForStatus(handle, 'waiting_for_input', 'the session to wait for input');
    const entries = await handle.fullTranscript();
    const marker = entries.find((entry) => entry.kind === 'marker');
    assert.deepEqual(marker && marker.kind === 'marker' ? [marker.marker, marker.detail] : undefined, ['interrupted', 'user pressed stop']);
    // The unanswered tool call got an error result, so the conversation stays valid for the next call.
    keel.namedModel('lenient').push(text('resumed'));
    const reply = await handle.sendMessage('carry on');
    assert.equal(reply.text, 'resumed');
    const lastUser = keel.namedModel('lenient').requests.at(-1)!.body.messages.at(-1);
    assert.equal(lastUser.content[0].type, 'tool_result');
    assert.equal(lastUser.content[0].is_error, true);
    await handle.cancel();
  });

  test('limits: maxTurns ends the session with limit_reached naming the limit', async () => {
    const call = { kind: 'message' as const, content: [{ type: 'tool_use' as const, name: 'bash', input: { command: 'true' } }] };
    keel.namedModel('lenient').push(call, call);
    const callsBefore = keel.namedModel('lenient').requests.length;
    const handle = await keel.namedWorker('lenient').sessions.start({ profile: 'test', limits: { maxTurns: 2 }, messages: [{ role: 'user', content: 'loop' }] });
    const result = await handle.result();
    assert.equal(result.status, 'limit_reached');
    assert.equal(result.limit, 'maxTurns');
    assert.equal(result.turns, 2);
    assert.equal(keel.namedModel('lenient').requests.length - callsBefore, 2);
  });

  test('limits: idleTimeoutSeconds ends an idle chat session', async () => {
    keel.model.push(text('anything else?'));
    const handle = await keel.worker.sessions.start({ profile: 'test', mode: 'chat', limits: { idleTimeoutSeconds: 1 }, messages: [{ role: 'user', content: 'hi' }] });
    const result = await handle.result();
    assert.equal(result.status, 'limit_reached');
    assert.equal(result.limit, 'idleTimeoutSeconds');
    assert.equal(result.finalText, 'anything else?');
  });

  test('cancel: ends a waiting session with status cancelled and answers its waiting sendMessage', async () => {
    keel.model.push({ kind: 'hang' });
    const handle = await keel.worker.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'hi' }] });
    const pending = handle.sendMessage('are you there?');
    await waitFor('the model call to begin', () => keel.model.requests.some((request) => request.reply === 'hang'));
    await handle.cancel();
    const result = await handle.result();
    assert.equal(result.status, 'cancelled');
    const reply = await pending;
    assert.equal(reply.endedBy, 'cancelled');
    assert.equal((await handle.state()).status, 'cancelled');
  });
});
