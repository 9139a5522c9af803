import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startScriptedModelServer, type ScriptedReply } from '../../src/dev/scripted-model/index.js';
import { startKeel } from '../harness/keel-cli.js';
import { useKeel } from '../harness/use-keel.js';
import { testProfiles } from '../harness/test-profiles.js';

/** A model whose every answer waits until the test releases it, so that the test sees each step before the next. */
function gatedReplies() {
  const waiting: Array<(reply: ScriptedReply) => void> = [];
  return {
    responder: () => new Promise<ScriptedReply>((resolve) => waiting.push(resolve)),
    pending: () => waiting.length,
    answer(reply: ScriptedReply) {
      const next = waiting.shift();
      if (!next) throw new Error('no model call is waiting');
      next(reply);
    },
  };
}

describe('keel watch', () => {
  const gate = gatedReplies();

  // The model asks for a tool this session does not offer: the session answers it with an error result, which
  // is a tool call and a tool result to watch all the same.
  const keel = useKeel({ model: { responder: gate.responder, validate: false }, worker: {} });

  test('keel watch: shows a running session\'s model calls, tool calls, results, waits and usage as they happen', async () => {
    const handle = await keel.worker.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'List the files, then say done.' }] });
    const watch = startKeel(['watch', handle.workflowId], { address: keel.environment.address });
    try {
      await watch.waitForOutput('user       List the files, then say done.');
      // The first model call is in flight and unanswered: watch reports it while it runs.
      await watch.waitForOutput('… model call, turn 1 (claude-test-1)');
      assert.equal(gate.pending(), 1);
      assert.doesNotMatch(watch.stdout(), /tool call/);

      gate.answer({ kind: 'message', content: [{ type: 'text', text: 'Looking.' }, { type: 'tool_use', id: 'toolu_watch_1', name: 'bash', input: { command: 'ls' } }], usage: { input_tokens: 20, output_tokens: 8 } });
      await watch.waitForOutput('tool call  bash {"command":"ls"} (toolu_watch_1)');
      await watch.waitForOutput(/tool error \(toolu_watch_1\) unknown tool "bash"/);
      await watch.waitForOutput('… model call, turn 2 (claude-test-1)');
      assert.equal(gate.pending(), 1);
      assert.doesNotMatch(watch.stdout(), /assistant  done\./);

      gate.answer({ kind: 'message', content: [{ type: 'text', text: 'done.' }], usage: { input_tokens: 30, output_tokens: 2 } });
      await watch.waitForOutput('assistant  done.');
      await watch.waitForOutput(/status waiting_for_input  turn 2, 60 tokens \(50 in, 10 out\)/);

      // A message from elsewhere starts a turn that watch follows too.
      const reply = handle.sendMessage('and again');
      await watch.waitForOutput('user       and again');
      await watch.waitForOutput('… model call, turn 3 (claude-test-1)');
      gate.answer({ kind: 'message', content: [{ type: 'text', text: 'again.' }], usage: { input_tokens: 40, output_tokens: 2 } });
      await reply;
      await watch.waitForOutput('assistant  again.');

      await handle.cancel();
      await watch.waitForOutput(/ended cancelled after 3 turns/);
      assert.equal(await watch.exited, 0);

      // Everything in the order it happened.
      const lines = watch.stdout().split('\n');
      const order = ['user       List', '… model call, turn 1', 'assistant  Looking.', 'tool call  bash', 'tool error', '… model call, turn 2', 'assistant  done.', 'status waiting_for_input', 'user       and again', '… model call, turn 3', 'assistant  again.', 'ended cancelled'];
      const positions = order.map((prefix) => lines.findIndex((line) => line.startsWith(prefix)));
      assert.ok(positions.every((position) => position >= 0), `missing lines in:\n${watch.stdout()}`);
      assert.deepEqual([...positions].sort((a, b) => a - b), positions, `out of order:\n${watch.stdout()}`);
    } finally {
      watch.kill();
    }
  });

  test('keel watch --json: one event per line, ending with the session\'s end', async () => {
    const handle = await keel.worker.sessions.start({ profile: 'test', messages: [{ role: 'user', content: 'one line' }] });
    const watch = startKeel(['watch', handle.workflowId, '--json'], { address: keel.environment.address });
    try {
      await watch.waitForOutput('"kind":"activity"');
      gate.answer({ kind: 'message', content: [{ type: 'text', text: 'one answer' }] });
      assert.equal(await watch.exited, 0, watch.stderr());
      const events = watch.stdout().trim().split('\n').map((line) => JSON.parse(line) as { kind: string; end?: string; entry?: { role: string } });
      assert.deepEqual(events.at(-1), { kind: 'end', end: 'completed', result: (await handle.result()) as never });
      assert.ok(events.some((event) => event.kind === 'entry' && event.entry?.role === 'assistant'));
      assert.ok(events.some((event) => event.kind === 'state'));
    } finally {
      watch.kill();
    }
  });

  test('keel watch: follows the sub-agents a session starts, each line naming its sub-agent', async () => {
    const handle = await keel.worker.sessions.start({ profile: 'test', tools: ['spawn_agent'], messages: [{ role: 'user', content: 'Delegate the greeting.' }] });
    const watch = startKeel(['watch', handle.workflowId], { address: keel.environment.address });
    try {
      await watch.waitForOutput('… model call, turn 1 (claude-test-1)');
      gate.answer({ kind: 'message', content: [{ type: 'tool_use', id: 'toolu_spawn', name: 'spawn_agent', input: { task: 'Say hello.' } }] });
      await watch.waitForOutput('[agent-1] user       Say hello.');
      await watch.waitForOutput('[agent-1] … model call, turn 1 (claude-test-1)');
      gate.answer({ kind: 'message', content: [{ type: 'text', text: 'hello' }] });
      await watch.waitForOutput('[agent-1] assistant  hello');
      await watch.waitForOutput('… model call, turn 2 (claude-test-1)');
      gate.answer({ kind: 'message', content: [{ type: 'text', text: 'It said hello.' }] });
      assert.equal(await watch.exited, 0, watch.stderr());
      const lines = watch.stdout().split('\n');
      assert.ok(lines.some((line) => line.startsWith('[agent-1] ended completed after 1 turn')), watch.stdout());
      assert.ok(lines.some((line) => line.startsWith('ended completed after 2 turns')), watch.stdout());
    } finally {
      watch.kill();
    }
  });

  test('keel watch: follows a session across continue-as-new, telling each entry once', async () => {
    const answers = await startScriptedModelServer({ responder: (request) => ({ kind: 'message', content: [{ type: 'text', text: `answer ${request.body.messages.length}` }] }) });
    const every2 = await keel.environment.startWorker({ modelUrl: answers.url, profiles: { every2: { ...testProfiles.test, continueAsNewAfterTurns: 2 } } });
    try {
      const handle = await every2.sessions.start({ profile: 'every2', mode: 'chat', messages: [{ role: 'user', content: 'one' }] });
      const watch = startKeel(['watch', handle.workflowId], { address: keel.environment.address });
      try {
        await watch.waitForOutput('assistant  answer 1');
        for (const message of ['two', 'three', 'four']) await handle.sendMessage(message);
        await watch.waitForOutput('assistant  answer 7');
        await watch.waitForOutput(/continued as new: run \S+/);
        // Each switch of runs is also a transcript marker, told once like any entry (how many switches there are
        // depends on whether a message arrived while one was being prepared, which puts it off).
        await watch.waitForOutput('── continued as new: run 2 begins: ');
        await handle.cancel();
        assert.equal(await watch.exited, 0, watch.stderr());
        const lines = watch.stdout().split('\n');
        for (const expected of ['user       one', 'assistant  answer 1', 'user       two', 'assistant  answer 3', 'user       three', 'assistant  answer 5', 'user       four', 'assistant  answer 7']) {
          assert.equal(lines.filter((line) => line === expected).length, 1, `"${expected}" once in:\n${watch.stdout()}`);
        }
        assert.match(lines.filter(Boolean).at(-1)!, /^ended cancelled after 4 turns/);
        const markers = lines.filter((line) => line.startsWith('── continued as new: '));
        assert.ok(markers.length >= 1 && new Set(markers).size === markers.length, `each switch's marker once in:\n${watch.stdout()}`);
      } finally {
        watch.kill();
      }
    } finally {
      await answers.close();
    }
  });
});
