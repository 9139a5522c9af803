import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runKeel } from '../harness/keel-cli.js';
import { useKeel } from '../harness/use-keel.js';
import { waitForStatus } from '../harness/wait-for.js';

describe('keel chat', () => {
  // The model asks for a tool the session does not offer, so a turn shows a tool call and its (error) result.
  const keel = useKeel({ model: { validate: false }, worker: {} });

  test('keel chat: each line is a message; the turn\'s tool calls and the reply show before the next line; slash commands steer', async () => {
    keel.model.push({ kind: 'message', content: [{ type: 'text', text: 'Hi! Ask me anything.' }] });
    const handle = await keel.worker.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'hello' }] });
    await waitForStatus(handle, 'waiting_for_input', 'the opening turn');
    keel.model.push(
      { kind: 'message', content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_chat', name: 'calculator', input: { expression: '2+2' } }] },
      { kind: 'message', content: [{ type: 'text', text: 'It is 4.' }] },
      { kind: 'message', content: [{ type: 'text', text: 'You are welcome.' }] },
    );
    const chat = await runKeel(['chat', handle.workflowId], { address: keel.environment.address, input: 'What is 2 + 2?\n/state\nthanks\n/frobnicate\n' });
    assert.equal(chat.code, 0, chat.stderr);
    const lines = chat.stdout.split('\n');
    const at = (prefix: string) => {
      const index = lines.findIndex((line) => line.startsWith(prefix));
      assert.ok(index >= 0, `no line starting "${prefix}" in:\n${chat.stdout}`);
      return index;
    };
    assert.match(lines[0], new RegExp(`^${handle.workflowId} \\(profile test, chat mode, waiting_for_input\\)\\.`));
    // Piped input is not a terminal: the messages typed are echoed by the transcript.
    const order = [
      at('user       What is 2 + 2?'),
      at('assistant  Let me check.'),
      at('tool call  calculator {"expression":"2+2"} (toolu_chat)'),
      at('tool error (toolu_chat) unknown tool "calculator"'),
      at('assistant  It is 4.'),
      at('turn 3, '),
      at(`${handle.workflowId}  waiting_for_input`),
      at('user       thanks'),
      at('assistant  You are welcome.'),
      at('turn 4, '),
      at('unknown command /frobnicate'),
    ];
    assert.deepEqual([...order].sort((a, b) => a - b), order, chat.stdout);
    // Leaving the chat leaves the session open.
    assert.equal((await handle.state()).status, 'waiting_for_input');
    await handle.cancel();
  });
});
