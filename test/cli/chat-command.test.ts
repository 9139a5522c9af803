import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { z } from 'zod';
import { LocalEventHub } from '../../src/events/local/local-event-hub.js';
import { defineTool } from '../../src/tools/index.js';
import { runKeel, startKeel } from '../harness/keel-cli.js';
import { useKeel } from '../harness/use-keel.js';
import { waitForStatus } from '../harness/wait-for.js';

/** Asserts that `stdout` has a line starting with each prefix, in this order. */
function assertLinesInOrder(stdout: string, prefixes: string[]): void {
  const lines = stdout.split('\n');
  const positions = prefixes.map((prefix) => {
    const index = lines.findIndex((line) => line.startsWith(prefix));
    assert.ok(index >= 0, `no line starting "${prefix}" in:\n${stdout}`);
    return index;
  });
  assert.deepEqual([...positions].sort((a, b) => a - b), positions, stdout);
}

describe('keel chat', () => {
  // The model asks for a tool the session does not offer, so a turn shows a tool call and its (error) result. The
  // worker publishes its live stream to a hub in a folder of the file's own, which the chat process reads.
  const eventsDirectory = mkdtempSync(join(tmpdir(), 'keel-chat-test-'));
  after(() => rmSync(eventsDirectory, { recursive: true, force: true }));
  const note = defineTool({ name: 'note', description: 'Takes a note.', inputSchema: z.object({ text: z.string() }), safeToRetry: true, handler: ({ text }) => `noted ${text}` });
  const keel = useKeel({ model: { validate: false }, worker: async () => ({ tools: [note], events: await LocalEventHub.shared(eventsDirectory) }) });
  const env = { KEEL_EVENTS_URL: eventsDirectory };

  test('keel chat: each line is a message; the turn\'s tool calls and the reply show before the next line; slash commands steer', async () => {
    keel.model.push({ kind: 'message', content: [{ type: 'text', text: 'Hi! Ask me anything.' }] });
    const handle = await keel.worker.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'hello' }] });
    await waitForStatus(handle, 'waiting_for_input', 'the opening turn');
    keel.model.push(
      { kind: 'message', content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_chat', name: 'calculator', input: { expression: '2+2' } }] },
      { kind: 'message', content: [{ type: 'text', text: 'It is 4.' }] },
      { kind: 'message', content: [{ type: 'text', text: 'You are welcome.' }] },
    );
    const chat = await runKeel(['chat', handle.workflowId], { address: keel.environment.address, input: 'What is 2 + 2?\n/state\nthanks\n/frobnicate\n', env });
    assert.equal(chat.code, 0, chat.stderr);
    assert.match(chat.stdout.split('\n')[0], new RegExp(`^${handle.workflowId} \\(profile test, chat mode, waiting_for_input\\)\\.`));
    // Piped input is not a terminal: the messages typed are echoed by the transcript.
    assertLinesInOrder(chat.stdout, [
      'user       What is 2 + 2?',
      'assistant  Let me check.',
      'tool call  calculator {"expression":"2+2"} (toolu_chat)',
      'tool error (toolu_chat) unknown tool "calculator"',
      'assistant  It is 4.',
      'turn 3, ',
      `${handle.workflowId}  waiting_for_input`,
      'user       thanks',
      'assistant  You are welcome.',
      'turn 4, ',
      'unknown command /frobnicate',
    ]);
    // Leaving the chat leaves the session open.
    assert.equal((await handle.state()).status, 'waiting_for_input');
    await handle.cancel();
  });

  test('keel chat: a turn prints as it happens: the tool call and its result, then the reply in pieces as it is written, then the turn\'s end', async () => {
    const reply = Array.from({ length: 30 }, (_, index) => `word${index}`).join(' ') + ' the end.';
    keel.model.push({ kind: 'message', content: [{ type: 'text', text: 'Ready.' }] });
    const handle = await keel.worker.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'hello' }] });
    await waitForStatus(handle, 'waiting_for_input', 'the opening turn');
    keel.model.push(
      { kind: 'message', content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_stream', name: 'calculator', input: { expression: '6*7' } }] },
      // Slow: a delta every 100 ms, so that the reply is seen half written.
      { kind: 'message', chunkDelayMs: 100, content: [{ type: 'text', text: reply }] },
    );
    const chat = startKeel(['chat', handle.workflowId], { address: keel.environment.address, env });
    try {
      await chat.waitForOutput('/help for commands');
      chat.child.stdin!.write('What is 6 * 7?\n');
      // The reply's first words are printed while the model is still writing the rest: no end, no turn end yet.
      await chat.waitForOutput('assistant  word0');
      const early = chat.stdout();
      assert.doesNotMatch(early, /the end\./, `the whole reply came at once:\n${early}`);
      assert.doesNotMatch(early, /^turn 3, /m);
      await chat.waitForOutput(/word1[0-9]/);
      assert.doesNotMatch(chat.stdout(), /the end\./, 'the reply came in two pieces only');
      await chat.waitForOutput(/^turn 3, /m);
      chat.child.stdin!.end();
      assert.equal(await chat.exited, 0, chat.stderr());
    } finally {
      chat.kill();
    }
    assertLinesInOrder(chat.stdout(), [
      'user       What is 6 * 7?',
      'assistant  Let me check.',
      'tool call  calculator {"expression":"6*7"} (toolu_stream)',
      'tool error (toolu_stream) unknown tool "calculator"',
      `assistant  ${reply}`,
      'turn 3, ',
    ]);
    // Each part once: the transcript adds nothing the stream has shown, and the opening turn is not shown again.
    for (const part of ['Let me check.', 'tool call', 'tool error', 'the end.', 'Ready.']) {
      assert.equal(chat.stdout().split(part).length - 1, part === 'Ready.' ? 0 : 1, `"${part}" in:\n${chat.stdout()}`);
    }
    await handle.cancel();
  });

  test('keel chat: a call waiting for approval shows with how to decide it; /approve typed during the turn lets the turn go on', async () => {
    keel.model.push({ kind: 'message', content: [{ type: 'text', text: 'Ready.' }] });
    const handle = await keel.worker.sessions.start({ profile: 'test', mode: 'chat', tools: ['note'], approval: { tools: ['note'] }, messages: [{ role: 'user', content: 'hello' }] });
    await waitForStatus(handle, 'waiting_for_input', 'the opening turn');
    keel.model.push(
      { kind: 'message', content: [{ type: 'tool_use', id: 'toolu_approve', name: 'note', input: { text: 'milk' } }] },
      { kind: 'message', chunkDelayMs: 20, content: [{ type: 'text', text: 'Noted: milk.' }] },
    );
    // Piped: the /approve line is read while the turn runs, and waits until the call it names is shown waiting.
    const chat = await runKeel(['chat', handle.workflowId], { address: keel.environment.address, input: 'Note milk.\n/approve toolu_approve\n', env });
    assert.equal(chat.code, 0, chat.stderr);
    assertLinesInOrder(chat.stdout, [
      'user       Note milk.',
      'tool call  note {"text":"milk"} (toolu_approve)',
      'approval  note {"text":"milk"} (toolu_approve)',
      '           /approve toolu_approve   |   /deny toolu_approve [why]',
      'approved toolu_approve',
      'result     (toolu_approve) noted milk',
      'assistant  Noted: milk.',
      'turn 3, ',
    ]);
    assert.equal(chat.stdout.split('approval  note').length - 1, 1, chat.stdout);
    await handle.cancel();
  });
});
