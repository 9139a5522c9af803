import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionHandle } from '../../src/client/session-client.js';
import type { ProfileConfig } from '../../src/shared/schemas/profile.js';
import { assertHistoriesReplay } from '../harness/replay.js';
import { useKeel } from '../harness/use-keel.js';
import { testProfiles } from '../harness/test-profiles.js';
import { waitForStatus } from '../harness/wait-for.js';

const profiles: Record<string, ProfileConfig> = {
  thinker: {
    ...testProfiles.test,
    maxOutputTokens: 4096,
    thinking: { type: 'enabled', budgetTokens: 2048 },
    promptCaching: { enabled: true, breakpoints: ['system', 'lastMessage'] },
  },
};

const signed = { type: 'thinking' as const, thinking: 'Let me think about this.', signature: 'c2lnbmVkLXRoaW5raW5n' };
const redacted = { type: 'redacted_thinking' as const, data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT' };

describe('extended thinking in sessions', () => {
  const sessions: SessionHandle[] = [];

  const keel = useKeel({ model: { validate: true }, worker: { profiles } });

  test('thinking: signed and redacted thinking blocks go back unaltered on later turns, and the checking server accepts every call', async () => {
    keel.model.push({ kind: 'message', content: [signed, { type: 'text', text: 'first' }] });
    const handle = await keel.worker.sessions.start({ profile: 'thinker', mode: 'chat', system: 'Think first.', messages: [{ role: 'user', content: 'q1' }] });
    sessions.push(handle);
    await waitForStatus(handle, 'waiting_for_input', 'the first turn to end');
    keel.model.push({ kind: 'message', content: [redacted, { type: 'text', text: 'second' }] });
    assert.equal((await handle.sendMessage('q2')).text, 'second');
    keel.model.push({ kind: 'message', content: [{ type: 'text', text: 'third' }] });
    assert.equal((await handle.sendMessage('q3')).text, 'third');

    assert.deepEqual(keel.model.requests.map((request) => request.reply), ['message', 'message', 'message']);
    const body = keel.model.requests[2].body;
    assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 2048 });
    assert.equal(body.max_tokens, 4096);
    assert.deepEqual(body.messages[1].content, [signed, { type: 'text', text: 'first' }]);
    assert.deepEqual(body.messages[3].content, [redacted, { type: 'text', text: 'second' }]);
    assert.deepEqual(body.system, [{ type: 'text', text: 'Think first.', cache_control: { type: 'ephemeral' } }]);
    assert.deepEqual(body.messages[4].content, [{ type: 'text', text: 'q3', cache_control: { type: 'ephemeral' } }]);
    const transcript = await handle.fullTranscript();
    assert.deepEqual(transcript[1].kind === 'message' && transcript[1].content, [signed, { type: 'text', text: 'first' }]);
    await handle.cancel();
  });

  test('thinking: a tool call goes back after the thinking that led to it, and the checking server accepts the tool loop', async () => {
    const before = keel.model.requests.length;
    keel.model.push(
      { kind: 'message', content: [signed, { type: 'tool_use', id: 'toolu_1', name: 'bash', input: { command: 'ls' } }] },
      { kind: 'message', content: [{ type: 'text', text: 'done' }] },
    );
    const handle = await keel.worker.sessions.start({ profile: 'thinker', tools: ['bash'], messages: [{ role: 'user', content: 'list files' }] });
    sessions.push(handle);
    assert.equal((await handle.result()).finalText, 'done');
    assert.deepEqual(keel.model.requests.slice(before).map((request) => request.reply), ['message', 'message']);
    const body = keel.model.requests.at(-1)!.body;
    assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 2048 });
    assert.deepEqual(body.messages[1], { role: 'assistant', content: [signed, { type: 'tool_use', id: 'toolu_1', name: 'bash', input: { command: 'ls' } }] });
    assert.equal(body.messages[2].content[0].type, 'tool_result');
    assert.equal(body.messages[2].content[0].tool_use_id, 'toolu_1');
    assert.notEqual(body.messages[2].content[0].is_error, true);
  });

  test('replay: the sessions of this file replay from their histories', async () => {
    await assertHistoriesReplay(keel.environment.bundle, sessions);
  });
});
