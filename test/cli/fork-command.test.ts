import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readSessionInput } from '../../src/client/fork-session.js';
import { diffTranscripts } from '../../src/client/transcript-diff.js';
import { startScriptedModelServer } from '../../src/dev/scripted-model/index.js';
import { runKeel } from '../harness/keel-cli.js';
import { testProfiles } from '../harness/test-profiles.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';

describe('keel fork and keel diff', () => {
  const keel = useKeel({
    // Each answer names the model that gave it, so the fork's new profile shows in its transcript.
    model: {
      responder: (request) => ({ kind: 'message', content: [{ type: 'text', text: `${request.body.model} answers message ${request.body.messages.length}` }] }),
    },
    worker: { profiles: { other: { ...testProfiles.test, model: 'claude-other-1' } } },
  });

  test('keel fork --at-turn 2 --profile other: the fork\'s transcript starts with the source\'s through turn 2, under the other profile', async () => {
    const source = await keel.worker.sessions.start(
      { profile: 'test', mode: 'chat', system: 'Be brief.', limits: { maxTurns: 10 }, metadata: { ticket: 'KEEL-7' }, messages: [{ role: 'user', content: 'first' }] },
      { workflowId: 'fork-source' },
    );
    await waitFor('turn 1', async () => (await source.state()).status === 'waiting_for_input');
    await source.sendMessage('second');
    await source.sendMessage('third');
    const sourceEntries = await source.fullTranscript();
    assert.equal(sourceEntries.length, 6);

    const forked = await runKeel(['fork', 'fork-source', '--at-turn', '2', '--profile', 'other', '--id', 'fork-child', '--json'], {
      address: keel.environment.address,
      taskQueue: keel.worker.taskQueue,
      // The CLI signs the fork's grant with the workers' key, kept in their data folder.
      env: { KEEL_DATA_DIR: keel.environment.dataDir },
    });
    assert.equal(forked.code, 0, forked.stderr);
    assert.deepEqual(JSON.parse(forked.stdout), { workflowId: 'fork-child', forkedFrom: 'fork-source', atTurn: 2, profile: 'other', messages: 5 });

    const child = keel.worker.sessions.getHandle('fork-child');
    await waitFor('the fork to answer', async () => (await child.state()).status === 'waiting_for_input');
    const childEntries = await child.fullTranscript();
    // Through turn 2 and the message after it (what turn 3 answered), the two transcripts are the same.
    const diff = diffTranscripts(sourceEntries, childEntries);
    assert.equal(diff.common, 5);
    assert.deepEqual(
      childEntries.map((entry) => (entry.kind === 'message' ? `${entry.role}: ${JSON.stringify(entry.content)}` : entry.marker)).slice(4),
      ['user: [{"type":"text","text":"third"}]', 'assistant: [{"type":"text","text":"claude-other-1 answers message 5"}]'],
    );
    const [sourceState, childState] = await Promise.all([source.state(), child.state()]);
    assert.equal(sourceState.profile, 'test');
    assert.equal(childState.profile, 'other');
    assert.equal(childState.model, 'claude-other-1');
    // Everything else about the session carries over, and the fork says where it came from.
    const childInput = await readSessionInput(keel.environment.client, 'fork-child');
    assert.equal(childInput.system, 'Be brief.');
    assert.equal(childInput.mode, 'chat');
    assert.deepEqual(childInput.limits, { maxTurns: 10 });
    assert.deepEqual(childInput.metadata, { ticket: 'KEEL-7', forkedFrom: 'fork-source', forkedAtTurn: '2' });

    const diffOutput = await runKeel(['diff', 'fork-source', 'fork-child'], { address: keel.environment.address });
    assert.equal(diffOutput.code, 0, diffOutput.stderr);
    const lines = diffOutput.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'fork-source and fork-child share their first 5 entries; they part at entry 5.');
    assert.ok(lines.includes('- fork-source: 1 entry after the split'), diffOutput.stdout);
    assert.ok(lines.includes('- assistant  claude-test-1 answers message 5'), diffOutput.stdout);
    assert.ok(lines.includes('+ fork-child: 1 entry after the split'), diffOutput.stdout);
    assert.ok(lines.includes('+ assistant  claude-other-1 answers message 5'), diffOutput.stdout);

    await Promise.all([source.cancel(), child.cancel()]);
  });

  test('keel fork: a turn beyond the transcript is refused naming the range (exit 2), and a task session forks at turn 0', async () => {
    const source = await keel.worker.sessions.start({ profile: 'test', messages: [{ role: 'user', content: 'only turn' }] }, { workflowId: 'fork-task' });
    await source.result();
    const beyond = await runKeel(['fork', 'fork-task', '--at-turn', '5'], { address: keel.environment.address, taskQueue: keel.worker.taskQueue, env: { KEEL_DATA_DIR: keel.environment.dataDir } });
    assert.equal(beyond.code, 2);
    assert.match(beyond.stderr, /--at-turn 5: the session has turns 0 to 1/);
    const fromStart = await runKeel(['fork', 'fork-task', '--at-turn', '0', '--profile', 'other'], { address: keel.environment.address, taskQueue: keel.worker.taskQueue, env: { KEEL_DATA_DIR: keel.environment.dataDir } });
    assert.equal(fromStart.code, 0, fromStart.stderr);
    const forkId = /^forked (\S+) from fork-task at turn 0/.exec(fromStart.stdout)?.[1];
    assert.ok(forkId, fromStart.stdout);
    const result = await keel.worker.sessions.getHandle(forkId).result();
    assert.equal(result.finalText, 'claude-other-1 answers message 1');
    const identical = await runKeel(['diff', 'fork-task', 'fork-task'], { address: keel.environment.address });
    assert.match(identical.stdout, /^identical: both transcripts hold the same 2 entries/);
  });

  test('keel fork --at-turn: with the local sandbox, the fork starts from the session\'s files as they were at that turn', async () => {
    const write = (id: string, path: string, content: string) => ({ type: 'tool_use' as const, id, name: 'write_file', input: { path, content } });
    // Each reply follows from the request it answers, not from a queue: a model call retried under load (its
    // activity timed out after the server had answered) gets the same reply again instead of taking the next one,
    // which would leave a later request (the fork's) with an exhausted script and fail the fork's session.
    const sandboxModel = await startScriptedModelServer({
      responder: (request) => {
        const last = request.body.messages.at(-1) as { content: string | { type: string; text?: string; tool_use_id?: string }[] };
        const blocks = typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
        const said = blocks.find((block) => block.type === 'text')?.text;
        const answered = blocks.filter((block) => block.type === 'tool_result').map((block) => block.tool_use_id);
        if (said === 'write a.txt') return { kind: 'message', content: [write('toolu_w1', 'a.txt', 'one')] };
        if (answered.includes('toolu_w1')) return { kind: 'message', content: [{ type: 'text', text: 'wrote one' }] };
        if (said === 'change it') return { kind: 'message', content: [write('toolu_w2', 'a.txt', 'two'), write('toolu_w3', 'b.txt', 'extra')] };
        if (answered.includes('toolu_w2')) return { kind: 'message', content: [{ type: 'text', text: 'changed' }] };
        if (said === 'what is in the directory?') {
          return { kind: 'message', content: [{ type: 'tool_use', id: 'toolu_r', name: 'read_file', input: { path: 'a.txt' } }, { type: 'tool_use', id: 'toolu_l', name: 'list_files', input: {} }] };
        }
        if (answered.includes('toolu_r')) return { kind: 'message', content: [{ type: 'text', text: 'seen' }] };
        return undefined;
      },
    });
    const sandboxWorker = await keel.environment.startWorker({ modelUrl: sandboxModel.url });
    try {
      const source = await sandboxWorker.sessions.start(
        { profile: 'test', mode: 'chat', tools: ['write_file', 'read_file', 'list_files'], messages: [{ role: 'user', content: 'write a.txt' }] },
        { workflowId: 'fork-files' },
      );
      await waitFor('turn 2', async () => (await source.state()).status === 'waiting_for_input' && (await source.state()).turn === 2);
      assert.equal((await source.sendMessage('change it')).text, 'changed');

      // A fork at turn N keeps the user message after it and answers it at once (see the first test): cut at turn 1,
      // the fork answers the write's result ('wrote one') by itself, from the files of turn 1, and changes nothing.
      // Cut at turn 2 it would answer 'change it' on its own, racing this test's own message to it.
      const forked = await runKeel(['fork', 'fork-files', '--at-turn', '1', '--id', 'fork-files-child', '--json'], { address: keel.environment.address, taskQueue: sandboxWorker.taskQueue, env: { KEEL_DATA_DIR: keel.environment.dataDir } });
      assert.equal(forked.code, 0, forked.stderr);
      const plan = JSON.parse(forked.stdout) as { sandboxSnapshot?: { turn: number; snapshotId: string } };
      // The snapshot taken after turn 1's write.
      assert.equal(plan.sandboxSnapshot?.turn, 1);
      assert.match(plan.sandboxSnapshot?.snapshotId ?? '', /^fork-files-[0-9a-f]{12}-turn-1$/);

      const child = sandboxWorker.sessions.getHandle('fork-files-child');
      await waitFor('the fork to answer the write by itself', async () => {
        const state = await child.state();
        return state.status === 'waiting_for_input' && state.turn === 1;
      });
      assert.equal((await child.sendMessage('what is in the directory?')).text, 'seen');
      const results = sandboxModel.requests.at(-1)!.body.messages.at(-1).content as Array<{ tool_use_id: string; content: string }>;
      const read = results.find((block) => block.tool_use_id === 'toolu_r')!.content;
      const listed = results.find((block) => block.tool_use_id === 'toolu_l')!.content;
      assert.match(read, /one/);
      assert.doesNotMatch(read, /two/);
      assert.match(listed, /a\.txt/);
      assert.doesNotMatch(listed, /b\.txt/);
      // The fork's input names the snapshot it starts from.
      assert.deepEqual((await readSessionInput(keel.environment.client, 'fork-files-child')).sandbox, { provider: 'local', fromSnapshot: plan.sandboxSnapshot!.snapshotId });
      await Promise.all([source.cancel(), child.cancel()]);
    } finally {
      await sandboxModel.close();
    }
  });
});
