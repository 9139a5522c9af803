/**
 * Sessions that use tools, end to end: real dev server, real worker, the real Anthropic SDK against the scripted
 * model server, the real local sandbox (bubblewrap).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { ToolError } from '../../src/errors.js';
import { sessionKey } from '../../src/sandboxes/local/local-sandbox-provider.js';
import { defineTool } from '../../src/tools/define-tool.js';
import type { SessionHandle } from '../../src/client/session-client.js';
import { assertHistoriesReplay } from '../harness/replay.js';
import { textReply, toolCallsReply, toolResultsIn } from '../harness/scripted-replies.js';
import { useKeel } from '../harness/use-keel.js';

let flakyAttempts = 0;
const customTools = [
  defineTool({
    name: 'add',
    description: 'Adds two numbers.',
    inputSchema: z.object({ a: z.number(), b: z.number() }),
    safeToRetry: true,
    retry: { maximumAttempts: 3, initialIntervalMs: 50, maximumIntervalMs: 100 },
    handler: ({ a, b }) => {
      flakyAttempts += 1;
      // The first attempt fails as machinery would (a lost connection), so the retry policy shows.
      if (flakyAttempts === 1) throw new Error('backend connection reset');
      return String(a + b);
    },
  }),
  defineTool({
    name: 'charge_card',
    description: 'Charges a card; never run twice.',
    inputSchema: z.object({ cents: z.number().int() }),
    handler: () => {
      throw new Error('payment backend unreachable');
    },
  }),
  defineTool({
    name: 'lookup',
    description: 'Looks a key up.',
    inputSchema: z.object({ key: z.string() }),
    handler: ({ key }) => {
      if (key !== 'known') throw new ToolError(`no entry for "${key}"; known keys: known`);
      return 'value';
    },
  }),
  defineTool({
    name: 'verbose',
    description: 'Says far too much.',
    inputSchema: z.object({}),
    handler: () => `${'z'.repeat(1_000_000)}THE END`,
  }),
  defineTool({
    name: 'slow',
    description: 'Takes too long.',
    inputSchema: z.object({}),
    timeoutMs: 500,
    safeToRetry: false,
    handler: (_input, context) => new Promise<string>((resolve) => context.signal.addEventListener('abort', () => resolve('stopped'))),
  }),
];

describe('sessions with tools', () => {
  const setup = {
    tools: customTools,
    toolHeartbeatTimeoutMs: 5_000,
    localSandbox: { maxProcesses: 64, memoryMb: 256 },
  };
  // A model that calls a tool the session never offered breaks the API's own rules, so this server does not check.
  const keel = useKeel({ model: {}, models: { lenient: { validate: false } }, worker: setup, workers: { lenient: { ...setup, scriptedModel: 'lenient' } } });
  /** Every session the tests start, for the replay test at the end. */
  const started: SessionHandle[] = [];
  const track = async (handle: Promise<SessionHandle>): Promise<SessionHandle> => {
    started.push(await handle);
    return started.at(-1)!;
  };

  const sessionDirectory = (workflowId: string) => join(keel.environment.dataDir, 'sandboxes', sessionKey(workflowId));

  test('built-in tools: the model writes a script, runs it with bash, reads its output and finishes', async () => {
    const script = 'for i in 1 2 3; do echo "line $i"; done > result.txt\necho "counted in $PWD"\n';
    keel.model.push(
      toolCallsReply({ id: 'toolu_write', name: 'write_file', input: { path: 'scripts/count.sh', content: script } }),
      toolCallsReply({ id: 'toolu_run', name: 'bash', input: { command: 'bash scripts/count.sh' } }),
      toolCallsReply({ id: 'toolu_read', name: 'read_file', input: { path: 'result.txt', offset: 1, limit: 1 } }),
      toolCallsReply({ id: 'toolu_list', name: 'list_files', input: {} }, { id: 'toolu_edit', name: 'edit_file', input: { path: 'result.txt', old: 'line 2', new: 'LINE TWO' } }),
      textReply('The script printed three lines.'),
    );
    const requestsBefore = keel.model.requests.length;
    const handle = await track(keel.worker.sessions.start({ profile: 'test', tools: ['bash', 'read_file', 'write_file', 'edit_file', 'list_files'], messages: [{ role: 'user', content: 'count to three' }] }));
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.equal(result.finalText, 'The script printed three lines.');

    const requests = keel.model.requests.slice(requestsBefore);
    assert.equal(requests.length, 5);
    // The model is told about each tool, its input as JSON Schema.
    const offered = requests[0]!.body.tools as { name: string; input_schema: { type: string; properties: Record<string, unknown>; required?: string[] } }[];
    assert.deepEqual(offered.map((tool) => tool.name), ['bash', 'read_file', 'write_file', 'edit_file', 'list_files', 'read_output']);
    assert.deepEqual(offered[0]!.input_schema.required, ['command']);
    assert.deepEqual(Object.keys(offered[0]!.input_schema.properties), ['command', 'timeoutSeconds']);
    assert.deepEqual(offered[3]!.input_schema.required, ['path', 'old', 'new']);

    assert.deepEqual(toolResultsIn(requests[1]!).get('toolu_write'), { content: `wrote ${Buffer.byteLength(script)} bytes to scripts/count.sh`, isError: false });
    assert.deepEqual(toolResultsIn(requests[2]!).get('toolu_run'), { content: 'exit code: 0\nstdout:\ncounted in /workspace', isError: false });
    assert.deepEqual(toolResultsIn(requests[3]!).get('toolu_read'), { content: 'line 2\n[lines 2-2 of 3; continue with offset 2]', isError: false });
    const fourth = toolResultsIn(requests[4]!);
    assert.deepEqual(fourth.get('toolu_list'), { content: `result.txt (21 bytes)\nscripts/\nscripts/count.sh (${Buffer.byteLength(script)} bytes)`, isError: false });
    assert.deepEqual(fourth.get('toolu_edit'), { content: 'edited result.txt: replaced 1 occurrence', isError: false });

    // The transcript holds every call and every result, in order.
    const entries = await handle.fullTranscript();
    const shape = entries.map((entry) => {
      if (entry.kind !== 'message') return `marker:${entry.marker}`;
      if (typeof entry.content === 'string') return `${entry.role}:text`;
      return `${entry.role}:${entry.content.map((block) => (block.type === 'tool_use' ? `call ${block.name}` : block.type === 'tool_result' ? `result ${block.tool_use_id}` : block.type)).join(',')}`;
    });
    assert.deepEqual(shape, [
      'user:text',
      'assistant:call write_file',
      'user:result toolu_write',
      'assistant:call bash',
      'user:result toolu_run',
      'assistant:call read_file',
      'user:result toolu_read',
      'assistant:call list_files,call edit_file',
      'user:result toolu_list,result toolu_edit',
      'assistant:text',
    ]);
    // The session's directory is gone with the session.
    assert.equal(existsSync(sessionDirectory(handle.workflowId)), false);
    const state = await handle.state();
    assert.equal(state.sandbox.provider, 'local');
  });

  test('bad tool input: schema breaks, escapes, huge output, a hung command and a fork bomb come back as tool errors and the session goes on', async () => {
    keel.model.push(
      toolCallsReply(
        { id: 'toolu_schema', name: 'write_file', input: { path: 42 } },
        { id: 'toolu_dotdot', name: 'read_file', input: { path: '../../etc/passwd' } },
        { id: 'toolu_bash_passwd', name: 'bash', input: { command: 'cat ../../etc/passwd; touch /etc/owned || echo etc-read-only' } },
        { id: 'toolu_links', name: 'bash', input: { command: 'ln -s /etc/passwd passwd-link && ln -s / host-root && echo linked' } },
      ),
      toolCallsReply(
        { id: 'toolu_via_link', name: 'read_file', input: { path: 'passwd-link' } },
        { id: 'toolu_via_dir_link', name: 'read_file', input: { path: 'host-root/etc/passwd' } },
        { id: 'toolu_write_link', name: 'write_file', input: { path: 'host-root/tmp/owned.txt', content: 'x' } },
        { id: 'toolu_flood', name: 'bash', input: { command: "head -c 52428800 /dev/zero | tr '\\0' y; echo; echo end-of-flood" } },
      ),
      toolCallsReply(
        { id: 'toolu_sleep', name: 'bash', input: { command: 'echo going to sleep; sleep 1000', timeoutSeconds: 2 } },
        { id: 'toolu_exit', name: 'bash', input: { command: 'echo failing >&2; exit 7' } },
        { id: 'toolu_missing', name: 'read_file', input: { path: 'nope.txt' } },
      ),
      // Alone in its turn: the process limit is the session's, so commands running beside it could not fork either.
      // The shell stays until the timeout: each `bomb` returns at once, so `bomb; wait` could end (exit 0) before
      // the bomb reached the limit on a busy machine, its processes then killed with the command.
      toolCallsReply({ id: 'toolu_bomb', name: 'bash', input: { command: 'bomb() { bomb | bomb & }; bomb; sleep 30', timeoutSeconds: 3 } }),
      toolCallsReply({ id: 'toolu_alive', name: 'bash', input: { command: 'echo still here' } }),
      textReply('done despite everything'),
    );
    const requestsBefore = keel.model.requests.length;
    const handle = await track(keel.worker.sessions.start({ profile: 'test', tools: ['bash', 'read_file', 'write_file'], messages: [{ role: 'user', content: 'try to break out' }] }));
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    assert.equal(result.finalText, 'done despite everything');
    const requests = keel.model.requests.slice(requestsBefore);
    const first = toolResultsIn(requests[1]!);
    const second = toolResultsIn(requests[2]!);
    const third = toolResultsIn(requests[3]!);
    const fourth = toolResultsIn(requests[4]!);
    const fifth = toolResultsIn(requests[5]!);

    assert.equal(first.get('toolu_schema')!.isError, true);
    assert.match(first.get('toolu_schema')!.content, /^invalid input for write_file: path: Invalid input: expected string, received number; content: Invalid input: expected string, received undefined\. Expected input \(JSON Schema\): \{"type":"object"/);
    assert.deepEqual(first.get('toolu_dotdot'), { content: 'refused path "../../etc/passwd": it leaves the session directory', isError: true });
    // Through bash the path resolves inside the sandbox: its own passwd file, not the host's.
    const viaBash = first.get('toolu_bash_passwd')!;
    assert.match(viaBash.content, /keel:x:1000:1000:Keel sandbox/);
    assert.ok(!viaBash.content.includes(readFileSync('/etc/passwd', 'utf8').split('\n')[0]!));
    assert.match(viaBash.content, /etc-read-only/);
    assert.equal(first.get('toolu_links')!.content, 'exit code: 0\nstdout:\nlinked');

    assert.deepEqual(second.get('toolu_via_link'), { content: 'refused path "passwd-link": it leads out of the session directory through a symbolic link', isError: true });
    assert.deepEqual(second.get('toolu_via_dir_link'), { content: 'refused path "host-root/etc/passwd": it leads out of the session directory through a symbolic link', isError: true });
    assert.equal(second.get('toolu_write_link')!.isError, true);
    assert.equal(existsSync('/tmp/owned.txt'), false);
    const flood = second.get('toolu_flood')!;
    assert.equal(flood.isError, false);
    assert.ok(flood.content.length < 40 * 1024, `flood result is ${flood.content.length} characters`);
    assert.match(flood.content, /\[\.\.\. \d+ bytes cut \.\.\.\]/);
    assert.match(flood.content, /end-of-flood$/);

    assert.deepEqual(third.get('toolu_sleep'), { content: 'timed out after 2 s: the command and every process it started were killed\nstdout:\ngoing to sleep', isError: true });
    const bomb = fourth.get('toolu_bomb')!;
    assert.equal(bomb.isError, true);
    assert.match(bomb.content, /process limit \(64\) was reached/);
    assert.deepEqual(third.get('toolu_exit'), { content: 'exit code: 7\nstderr:\nfailing', isError: true });
    assert.deepEqual(third.get('toolu_missing'), { content: 'no such file: nope.txt', isError: true });
    assert.deepEqual(fifth.get('toolu_alive'), { content: 'exit code: 0\nstdout:\nstill here', isError: false });
    assert.equal(existsSync(sessionDirectory(handle.workflowId)), false);
  });

  test('unknown tool: a call to a tool the session does not have is answered with an error naming its tools', async () => {
    keel.namedModel('lenient').push(toolCallsReply({ id: 'toolu_ghost', name: 'delete_everything', input: {} }), textReply('ok'));
    const requestsBefore = keel.namedModel('lenient').requests.length;
    const handle = await track(keel.namedWorker('lenient').sessions.start({ profile: 'test', tools: ['read_file', 'lookup'], messages: [{ role: 'user', content: 'go' }] }));
    assert.equal((await handle.result()).status, 'completed');
    assert.deepEqual(toolResultsIn(keel.namedModel('lenient').requests[requestsBefore + 1]!).get('toolu_ghost'), {
      content: 'unknown tool "delete_everything"; the tools of this session are: read_file, lookup, read_output',
      isError: true,
    });
  });

  test('parallel calls: one turn\'s calls run at once and their results come back in the order asked', async () => {
    keel.model.push(
      toolCallsReply(
        { id: 'toolu_slow', name: 'bash', input: { command: 'sleep 1; echo first' } },
        { id: 'toolu_fast', name: 'bash', input: { command: 'echo second' } },
        { id: 'toolu_third', name: 'bash', input: { command: 'echo third' } },
      ),
      textReply('all done'),
    );
    const requestsBefore = keel.model.requests.length;
    const handle = await track(keel.worker.sessions.start({ profile: 'test', tools: ['bash'], messages: [{ role: 'user', content: 'three things' }] }));
    assert.equal((await handle.result()).status, 'completed');
    const last = keel.model.requests[requestsBefore + 1]!.body.messages.at(-1).content as { tool_use_id: string; content: string }[];
    assert.deepEqual(last.map((block) => [block.tool_use_id, block.content]), [
      ['toolu_slow', 'exit code: 0\nstdout:\nfirst'],
      ['toolu_fast', 'exit code: 0\nstdout:\nsecond'],
      ['toolu_third', 'exit code: 0\nstdout:\nthird'],
    ]);
    // All three were scheduled in one workflow task, before any of them completed.
    const events = (await handle.workflow.fetchHistory()).events!;
    const toolScheduled = events
      .map((event, index) => ({ index, type: event.activityTaskScheduledEventAttributes?.activityType?.name }))
      .filter((event) => event.type === 'runTool')
      .map((event) => event.index);
    const firstCompleted = events.findIndex((event, index) => index > toolScheduled[0]! && event.activityTaskCompletedEventAttributes);
    assert.equal(toolScheduled.length, 3);
    assert.ok(toolScheduled.every((index) => index < firstCompleted));
  });

  test('custom tools: JSON Schema to the model, retries when safe, one attempt when not, ToolError and timeouts as results', async () => {
    flakyAttempts = 0;
    keel.model.push(
      toolCallsReply(
        { id: 'toolu_add', name: 'add', input: { a: 2, b: 3 } },
        { id: 'toolu_charge', name: 'charge_card', input: { cents: 500 } },
        { id: 'toolu_lookup', name: 'lookup', input: { key: 'other' } },
        { id: 'toolu_lookup_bad', name: 'lookup', input: { key: 7 } },
        { id: 'toolu_slow', name: 'slow', input: {} },
        { id: 'toolu_verbose', name: 'verbose', input: {} },
      ),
      textReply('finished'),
    );
    const requestsBefore = keel.model.requests.length;
    const handle = await track(keel.worker.sessions.start({ profile: 'test', tools: ['add', 'charge_card', 'lookup', 'slow', 'verbose'], messages: [{ role: 'user', content: 'use the custom tools' }] }));
    assert.equal((await handle.result()).status, 'completed');
    const offered = keel.model.requests[requestsBefore]!.body.tools as { name: string; description: string; input_schema: unknown }[];
    assert.deepEqual(offered[0], {
      name: 'add',
      description: 'Adds two numbers.',
      input_schema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
    });
    const results = toolResultsIn(keel.model.requests[requestsBefore + 1]!);
    assert.deepEqual(results.get('toolu_add'), { content: '5', isError: false });
    assert.equal(flakyAttempts, 2);
    assert.deepEqual(results.get('toolu_charge'), {
      content: 'the charge_card tool failed: payment backend unreachable (Tool.Failed). It is not retried automatically because running it twice may not be safe; it may have run in part.',
      isError: true,
    });
    assert.deepEqual(results.get('toolu_lookup'), { content: 'no entry for "other"; known keys: known', isError: true });
    assert.match(results.get('toolu_lookup_bad')!.content, /^invalid input for lookup: key: Invalid input: expected string, received number/);
    assert.match(results.get('toolu_slow')!.content, /^the slow tool failed: it did not finish within 0.5 s\./);
    // A result too large for history is stored whole; the model sees its head and tail within the profile's limit.
    const verbose = results.get('toolu_verbose')!.content;
    assert.ok(verbose.length < 51 * 1024, `${verbose.length} characters`);
    assert.match(verbose, /\[\.\.\. \d+ characters cut \(characters \d+-\d+ of \d+\)\. The full output is stored as sha256:[0-9a-f]{64}; call read_output/);
    assert.ok(verbose.endsWith('THE END'));
    // No sandbox tool was enabled, so the session has none.
    assert.deepEqual((await handle.state()).sandbox, { provider: 'none' });
    const attempts = (await handle.workflow.fetchHistory()).events!
      .filter((event) => event.activityTaskStartedEventAttributes)
      .map((event) => event.activityTaskStartedEventAttributes!.attempt);
    assert.ok(attempts.includes(2), 'the add tool was retried');
  });

  test('session setup: an unknown enabled tool or a sandbox tool without a sandbox fails the session at once, naming the problem', async () => {
    const unknown = await keel.worker.sessions.start({ profile: 'test', tools: ['bash', 'teleport'], messages: [{ role: 'user', content: 'x' }] });
    await assert.rejects(unknown.result(), (error: Error) => {
      const cause = error.cause as Error & { type?: string };
      assert.equal(cause.type, 'Config.UnknownTool');
      assert.match(cause.message, /unknown tool "teleport"; this worker has: bash, read_file, write_file, edit_file, list_files, read_output, add, charge_card, lookup, verbose, slow/);
      return true;
    });
    const noSandbox = await keel.worker.sessions.start({ profile: 'test', tools: ['bash'], sandbox: { provider: 'none' }, messages: [{ role: 'user', content: 'x' }] });
    await assert.rejects(noSandbox.result(), (error: Error) => {
      const cause = error.cause as Error & { type?: string };
      assert.equal(cause.type, 'InvalidSessionInput');
      assert.match(cause.message, /sandbox: provider is "none" but bash runs in a sandbox/);
      return true;
    });
    // A worker where bubblewrap cannot run refuses the local sandbox (no unsafe opt-out set) and says why.
    const withoutBubblewrap = await keel.environment.startWorker({ modelUrl: keel.model.url, localSandbox: { bubblewrapPath: '/nonexistent/bwrap' } });
    const refused = await withoutBubblewrap.sessions.start({ profile: 'test', tools: ['bash'], messages: [{ role: 'user', content: 'x' }] });
    await assert.rejects(refused.result(), (error: Error) => {
      const cause = error.cause as Error & { type?: string };
      assert.equal(cause.type, 'Sandbox.Unavailable');
      assert.match(cause.message, /the local sandbox is unavailable on this worker: bubblewrap \(\/nonexistent\/bwrap\) is not installed or does not start/);
      return true;
    });
    await withoutBubblewrap.stop();
  });

  test('replay: the histories of these sessions with tools replay with the current workflow code', async () => {
    assert.ok(started.length >= 3);
    await Promise.all(started.map((handle) => handle.result().catch(() => undefined)));
    await assertHistoriesReplay(keel.environment.bundle, started);
  });
});
