import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { startScriptedModelServer } from '../../src/dev/scripted-model/index.js';
import { AnthropicModelAdapter } from '../../src/models/anthropic/anthropic-model-adapter.js';
import type { Message } from '../../src/shared/schemas/content.js';
import type { ModelCallResponse } from '../../src/shared/schemas/model-call.js';
import { profileSchema } from '../../src/shared/schemas/profile.js';
import { buildModelRequest } from '../../src/workflows/model-request.js';

const tools = [
  { name: 'bash', description: 'Run a shell command.', inputSchema: { type: 'object', properties: { command: { type: 'string' } } } },
  { name: 'read_file', description: 'Read a file.', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } },
];
const profile = {
  name: 'thinker',
  ...profileSchema.parse({
    model: 'claude-thinker',
    maxOutputTokens: 4096,
    thinking: { type: 'enabled', budgetTokens: 2048 },
    promptCaching: { enabled: true },
  }),
};

async function setup(t: TestContext) {
  // The server checks each request as the real API does: thinking before tool_use, signatures, tool pairing,
  // at most four cache breakpoints, none on thinking blocks.
  const server = await startScriptedModelServer({ validate: true });
  t.after(() => server.close());
  const adapter = new AnthropicModelAdapter({ apiKey: 'test-key', baseURL: server.url });
  return { server, adapter };
}

test('thinking across tool use: signed and redacted thinking go back unaltered, first in their message, and the API accepts every call', async (t) => {
  const { server, adapter } = await setup(t);
  server.push(
    {
      kind: 'message',
      content: [
        { type: 'thinking', thinking: 'I should list the files first.', signature: 'c2lnbmF0dXJlLW9uZQ==' },
        { type: 'tool_use', id: 'toolu_1', name: 'bash', input: { command: 'ls' } },
      ],
    },
    {
      kind: 'message',
      content: [
        { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIw' },
        { type: 'tool_use', id: 'toolu_2', name: 'read_file', input: { path: 'notes.txt' } },
      ],
    },
    {
      kind: 'message',
      content: [
        { type: 'thinking', thinking: 'Now I can answer.', signature: 'c2lnbmF0dXJlLXRocmVl' },
        { type: 'text', text: 'notes.txt says hello.' },
      ],
    },
  );
  const conversation: Message[] = [{ role: 'user', content: 'What does the notes file say?' }];
  const call = async (turn: number): Promise<ModelCallResponse> => {
    const response = await adapter.call(buildModelRequest(profile, { sessionId: 's', turn, system: 'Be brief.', messages: conversation, tools }));
    conversation.push({ role: 'assistant', content: response.content });
    return response;
  };

  const first = await call(1);
  assert.deepEqual(first.content[0], { type: 'thinking', thinking: 'I should list the files first.', signature: 'c2lnbmF0dXJlLW9uZQ==' });
  conversation.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'notes.txt' }] });
  const second = await call(2);
  assert.deepEqual(second.content[0], { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIw' });
  conversation.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_2', content: 'hello' }] });
  const third = await call(3);
  assert.equal(third.content.at(-1)!.type, 'text');

  assert.deepEqual(server.requests.map((request) => request.reply), ['message', 'message', 'message']);
  const last = server.requests[2].body;
  assert.deepEqual(last.thinking, { type: 'enabled', budget_tokens: 2048 });
  // The assistant messages went back exactly as they came, thinking first, signatures and redacted data intact.
  assert.deepEqual(last.messages[1].content, [
    { type: 'thinking', thinking: 'I should list the files first.', signature: 'c2lnbmF0dXJlLW9uZQ==' },
    { type: 'tool_use', id: 'toolu_1', name: 'bash', input: { command: 'ls' } },
  ]);
  assert.deepEqual(last.messages[3].content, [
    { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIw' },
    { type: 'tool_use', id: 'toolu_2', name: 'read_file', input: { path: 'notes.txt' } },
  ]);
  // Cache breakpoints per the profile: the system prompt, the last tool, the last block of the conversation.
  assert.deepEqual(last.system, [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }]);
  assert.deepEqual(last.tools[1].cache_control, { type: 'ephemeral' });
  assert.deepEqual(last.messages[4].content.at(-1).cache_control, { type: 'ephemeral' });
  assert.equal(JSON.stringify(last).match(/cache_control/g)?.length, 3);
});

test('thinking across tool use: a history that lost its thinking block is refused as the real API refuses it', async (t) => {
  const { server, adapter } = await setup(t);
  const messages: Message[] = [
    { role: 'user', content: 'go' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'bash', input: { command: 'ls' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }] },
  ];
  const request = buildModelRequest(profile, { sessionId: 's', turn: 2, messages, tools });
  // Keel itself turns thinking off for a tool loop that began without it ...
  assert.equal(request.thinking, undefined);
  server.push({ kind: 'message', content: [{ type: 'text', text: 'done' }] });
  assert.equal((await adapter.call(request)).content[0].type, 'text');
  // ... because with thinking on, the API refuses such a history.
  await assert.rejects(adapter.call({ ...request, thinking: { type: 'enabled', budgetTokens: 2048 } }), (error: Error & { failureType?: string }) => {
    assert.equal(error.failureType, 'Model.BadRequest');
    assert.match(error.message, /Expected `thinking` or `redacted_thinking`, but found `tool_use`/);
    return true;
  });
});
