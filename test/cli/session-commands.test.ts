import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { buildProgram } from '../../src/cli/program.js';
import { startScriptedModelServer } from '../../src/dev/scripted-model/index.js';
import { runKeel } from '../harness/keel-cli.js';
import { textReply } from '../harness/scripted-replies.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';

const text = (value: string) => textReply(value, { input_tokens: 10, output_tokens: 5 });

describe('keel session commands', () => {
  const keel = (args: string[], input?: string) =>
    runKeel(args, { address: fixture.environment.address, taskQueue: fixture.worker.taskQueue, ...(input !== undefined ? { input } : {}) });

  const fixture = useKeel({ model: {}, worker: {} });

  test('keel --help: every verb has help naming its arguments and options', async () => {
    const program = buildProgram({ streams: { stdout: process.stdout, stderr: process.stderr }, environment: {} });
    const verbs = program.commands.map((command) => command.name());
    assert.deepEqual(verbs, ['start', 'chat', 'send', 'watch', 'state', 'transcript', 'approve', 'deny', 'reset-context', 'interrupt', 'profile', 'cancel', 'list', 'stats', 'replay', 'fork', 'diff', 'eval', 'purge', 'schedule', 'mcp', 'serve']);
    for (const command of program.commands) {
      const help = command.helpInformation();
      assert.match(help, new RegExp(`^Usage: keel ${command.name()} `), command.name());
      assert.ok(command.description().length > 20, `${command.name()} has a description`);
      assert.match(help, /--json/, `${command.name()} shows the global options`);
    }
    const top = await runKeel(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /Usage: keel \[options\] \[command\]/);
    const replay = await runKeel(['replay', '--help']);
    assert.equal(replay.code, 0);
    assert.match(replay.stdout, /--inspect \[host:port\]/);
    const unknown = await runKeel(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  });

  test('keel start: a bad input is refused before anything reaches the server, naming the field (exit 2)', async () => {
    // Port 1 has no server: a connection attempt would fail differently.
    const badLimit = await runKeel(['start', '--max-turns', 'three', 'hello'], { address: '127.0.0.1:1' });
    assert.equal(badLimit.code, 2);
    assert.match(badLimit.stderr, /^keel: invalid session input: limits\.maxTurns/);
    const badMode = await runKeel(['start', '--mode', 'forever', 'hello'], { address: '127.0.0.1:1' });
    assert.equal(badMode.code, 2);
    assert.match(badMode.stderr, /mode/);
    const noTask = await runKeel(['start', '--profile', 'test'], { address: '127.0.0.1:1' });
    assert.equal(noTask.code, 2);
    assert.match(noTask.stderr, /no task/);
    const directory = mkdtempSync(join(tmpdir(), 'keel-cli-'));
    writeFileSync(join(directory, 'broken.json'), '{"messages": [');
    const broken = await runKeel(['start', '--file', join(directory, 'broken.json')], { address: '127.0.0.1:1' });
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /broken\.json is not a session input/);
  });

  test('keel start, state, send, transcript, cancel: a chat session driven from the command line', async () => {
    fixture.model.push(text('Hello from the model.'));
    const started = await keel(['start', '--mode', 'chat', '--profile', 'test', '--metadata', 'ticket=KEEL-7', '--json', 'Hello', 'there']);
    assert.equal(started.code, 0, started.stderr);
    const { workflowId, input } = JSON.parse(started.stdout) as { workflowId: string; input: { messages: unknown[]; metadata: object } };
    assert.match(workflowId, /^session-/);
    assert.deepEqual(input.messages, [{ role: 'user', content: 'Hello there' }]);
    assert.deepEqual(input.metadata, { ticket: 'KEEL-7' });

    await waitFor('the first turn to end', async () => JSON.parse((await keel(['state', workflowId, '--json'])).stdout).status === 'waiting_for_input', 30_000, 200);
    const state = await keel(['state', workflowId]);
    assert.equal(state.code, 0);
    assert.match(state.stdout, new RegExp(`^${workflowId}  waiting_for_input`));
    assert.match(state.stdout, /profile\s+test \(claude-test-1\), chat mode/);
    assert.match(state.stdout, /usage\s+15 tokens \(10 in, 5 out\), \$0\.0001/);

    fixture.model.push(text('Paris, of course.'));
    const sent = await keel(['send', workflowId, 'Capital', 'of', 'France?']);
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, /^assistant  Paris, of course\.$/m);
    assert.match(sent.stdout, /^turn 2, 30 tokens/m);

    fixture.model.push(text('Read from stdin.'));
    const piped = await keel(['send', workflowId, '-', '--json'], 'a message\nover two lines\n');
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(JSON.parse(piped.stdout).text, 'Read from stdin.');

    const transcript = await keel(['transcript', workflowId]);
    assert.equal(transcript.code, 0);
    assert.deepEqual(transcript.stdout.trimEnd().split('\n'), [
      'user       Hello there',
      '· turn 1',
      'assistant  Hello from the model.',
      'user       Capital of France?',
      '· turn 2',
      'assistant  Paris, of course.',
      'user       a message',
      '           over two lines',
      '· turn 3',
      'assistant  Read from stdin.',
    ]);
    const page = JSON.parse((await keel(['transcript', workflowId, '--from', '4', '--json'])).stdout) as { entries: unknown[] };
    assert.equal(page.entries.length, 2);

    const cancelled = await keel(['cancel', workflowId, '--wait']);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(cancelled.stdout, /^cancelled after 3 turns/);
  });

  test('keel start --file --wait: flags override the file, and the result is printed', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-cli-'));
    const file = join(directory, 'session.json');
    writeFileSync(file, JSON.stringify({ profile: 'nonexistent', system: 'Be terse.', messages: [{ role: 'user', content: 'Sum 2 and 2.' }] }));
    fixture.model.push(text('4'));
    const run = await keel(['start', '--file', file, '--profile', 'test', '--wait']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^4$/m);
    assert.match(run.stdout, /^completed after 1 turn, 15 tokens/m);
    const request = fixture.model.requests.at(-1)!;
    assert.equal(request.body.system, 'Be terse.');
    assert.equal(request.body.model, 'claude-test-1');
  });

  test('keel start --watch: follows the session it started until it ends', async () => {
    fixture.model.push(text('Watched to the end.'));
    const run = await keel(['start', '--profile', 'test', '--watch', 'Say something.']);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^started session-\S+ \(profile test, task mode\)$/);
    assert.ok(lines.includes('assistant  Watched to the end.'), run.stdout);
    assert.match(lines.at(-1)!, /^ended completed after 1 turn, 15 tokens/);
  });

  test('keel interrupt and reset-context: the signals reach the session; keel send after the end is refused (exit 1)', async () => {
    // The model answers only once the interrupt has been sent, so the interrupt lands during the call.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const gated = await startScriptedModelServer({ responder: async () => (await released, text('too late')) });
    const gatedWorker = await fixture.environment.startWorker({ modelUrl: gated.url });
    const started = await runKeel(['start', '--mode', 'chat', '--profile', 'test', '--json', 'work slowly'], { address: fixture.environment.address, taskQueue: gatedWorker.taskQueue });
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };
    await waitFor('the model call to begin', () => gated.requests.length > 0);
    const interrupted = await keel(['interrupt', workflowId, '--reason', 'changed my mind']);
    assert.equal(interrupted.code, 0, interrupted.stderr);
    assert.match(interrupted.stdout, /interrupt requested/);
    release();
    await waitFor('the interrupted marker', async () => (await keel(['transcript', workflowId])).stdout.includes('── interrupted: changed my mind'), 30_000, 300);
    const reset = await keel(['reset-context', workflowId, '--strategy', 'clear', '--reason', 'fresh start']);
    assert.equal(reset.code, 0, reset.stderr);
    const badStrategy = await keel(['reset-context', workflowId, '--strategy', 'shred']);
    assert.equal(badStrategy.code, 2);
    await keel(['cancel', workflowId, '--wait']);
    await gated.close();
    const refused = await keel(['send', workflowId, 'anyone?']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^keel: /);
  });

  test('keel state: an unknown session id is named in a one-line error (exit 1)', async () => {
    const missing = await keel(['state', 'session-does-not-exist']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim().split('\n').length, 1);
    assert.match(missing.stderr, /session-does-not-exist/);
  });
});
