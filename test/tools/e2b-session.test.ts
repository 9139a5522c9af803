/**
 * Sessions whose sandbox is E2B: the same tools and workflow, the E2B provider (real `e2b` SDK) against Keel's
 * local E2B stand-in. The sandbox is created on first use and killed when the session ends.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startE2BStandIn, type E2BStandIn } from '../../src/dev/e2b-stand-in/e2b-stand-in.js';
import { E2BSandboxProvider } from '../../src/sandboxes/e2b/e2b-sandbox-provider.js';
import { toolCallsReply } from '../harness/scripted-replies.js';
import { useKeel } from '../harness/use-keel.js';

describe('sessions in an E2B sandbox', () => {
  let standIn: E2BStandIn;

  const keel = useKeel({
    model: {},
    worker: async (fixture) => {
      standIn = fixture.closeAfter(await startE2BStandIn());

      const provider = new E2BSandboxProvider({ apiKey: standIn.apiKey, apiUrl: standIn.apiUrl, sandboxUrl: standIn.sandboxUrl, requestTimeoutMs: 5_000, env: {} });
      return { sandboxProviders: [provider] };
    },
    workers: { localOnly: {} },
  });

  test('e2b: the built-in tools run in the session\'s E2B sandbox, which is killed when the session ends', async () => {
    keel.model.push(
      toolCallsReply({ id: 'toolu_write', name: 'write_file', input: { path: 'notes/todo.txt', content: 'ship it\n' } }),
      toolCallsReply(
        { id: 'toolu_cat', name: 'bash', input: { command: 'cat notes/todo.txt && echo done' } },
        { id: 'toolu_escape', name: 'read_file', input: { path: '../../../etc/passwd' } },
      ),
      { kind: 'message', content: [{ type: 'text', text: 'shipped' }] },
    );
    const requestsBefore = keel.model.requests.length;
    const handle = await keel.worker.sessions.start({
      profile: 'test',
      tools: ['bash', 'read_file', 'write_file'],
      sandbox: { provider: 'e2b' },
      messages: [{ role: 'user', content: 'note it down' }],
    });
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    const results = keel.model.requests[requestsBefore + 2]!.body.messages.at(-1).content as { tool_use_id: string; content: string; is_error?: boolean }[];
    assert.deepEqual(results[0], { type: 'tool_result', tool_use_id: 'toolu_cat', content: 'exit code: 0\nstdout:\nship it\ndone' });
    assert.equal(results[1]!.is_error, true);
    const state = await handle.state();
    assert.equal(state.sandbox.provider, 'e2b');
    assert.ok(state.sandbox.id === undefined, 'the reference is dropped once the sandbox is gone');
    assert.equal(standIn.sandboxes().length, 0);
    assert.equal(standIn.ended.length, 1);
    assert.equal(standIn.callsOf('kill').length, 1);
  });

  test('e2b: a worker without an E2B key refuses an E2B session at once, saying how to turn it on', async () => {
    const handle = await keel.namedWorker('localOnly').sessions.start({ profile: 'test', tools: ['bash'], sandbox: { provider: 'e2b' }, messages: [{ role: 'user', content: 'x' }] });
    await assert.rejects(handle.result(), (error: Error) => {
      const cause = error.cause as Error & { type?: string };
      assert.equal(cause.type, 'Sandbox.Unavailable');
      assert.match(cause.message, /the e2b sandbox is unavailable on this worker: no E2B provider is configured on this worker \(set E2B_API_KEY\)/);
      return true;
    });
  });
});
