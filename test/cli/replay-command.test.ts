import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connectDevtools, type PausedEvent } from '../harness/devtools-client.js';
import { runKeel, startKeel } from '../harness/keel-cli.js';
import { useKeel } from '../harness/use-keel.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/histories/${name}.json`, import.meta.url));
const sleepFirstWorkflows = fileURLToPath(new URL('../fixtures/workflows/sleep-first-session.ts', import.meta.url));

describe('keel replay', () => {
  const keel = useKeel({ model: {}, worker: {} });

  test('keel replay --file: a recorded failed session replays deterministically and its failure reproduces', async () => {
    const run = await runKeel(['replay', '--file', fixture('failed-model-bad-request')]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^✔ deterministic failed-model-bad-request .*failed-model-bad-request\.json \(18 events\)$/);
    assert.match(lines[1], /^ {4}recorded: failed: Activity task failed \(cause: Model\.BadRequest: model call failed \(HTTP 400 invalid_request_error\): messages\.0\.content: prompt is too long/);
    assert.equal(lines[2].replace('replayed', 'recorded'), lines[1]);
    assert.equal(lines[3], '    the failure reproduces with this code');
    assert.equal(lines.at(-1), '1 replayed, 1 deterministic, 0 not');
  });

  test('keel replay: a non-deterministic workflow change fails (exit 1), naming the event and what differs', async () => {
    const run = await runKeel(['replay', '--file', fixture('task-completed'), '--file', fixture('chat-three-turns'), '--workflows', sleepFirstWorkflows]);
    assert.equal(run.code, 1);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^✘ NOT deterministic task-completed /);
    assert.equal(lines[1], '    diverges at event 5 MarkerRecorded: patch marker "keel-lean-steps"');
    assert.match(lines[2], /^ {4}the current code did not check patch "keel-lean-steps" where the history has event 5 MarkerRecorded/);
    assert.match(lines[3], /patch marker encountered for change keel-lean-steps, but there is no corresponding change command/);
    assert.match(run.stdout, /✘ NOT deterministic chat-three-turns /);
    assert.equal(lines.at(-1), '2 replayed, 0 deterministic, 2 not');

    const json = await runKeel(['replay', '--json', '--file', fixture('task-completed'), '--workflows', sleepFirstWorkflows]);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout.trim()) as { deterministic: boolean; divergence: { eventId: number; eventType: string } };
    assert.equal(report.deterministic, false);
    assert.deepEqual([report.divergence.eventId, report.divergence.eventType], [5, 'MarkerRecorded']);
  });

  test('npm test: the replay test itself fails on a non-deterministic workflow change, naming the session and the event', async () => {
    const run = await promisify(execFile)(process.execPath, ['scripts/run-tests.mjs', 'test/workflows/replay.test.ts'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      // Without NODE_TEST_CONTEXT, which would make the inner runner report to this one instead of running.
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_TEST_CONTEXT')), KEEL_REPLAY_WORKFLOWS: sleepFirstWorkflows, KEEL_TEST_CONCURRENCY: '1' },
      maxBuffer: 64 * 1024 * 1024,
    }).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    assert.notEqual(run.code, 0);
    assert.match(run.stdout, /not ok \d+ - replay: every recorded history replays deterministically/);
    assert.match(run.stdout, /budget-pause-and-raise is not deterministic: the current code did not check patch "keel-lean-steps" where the history has event 5 MarkerRecorded/);
  });

  test('keel replay <workflowId>: a failed session from the server replays with this code, and --save keeps its history', async () => {
    keel.model.push({ kind: 'http-error', status: 401, message: 'invalid x-api-key' });
    const handle = await keel.worker.sessions.start({ profile: 'test', messages: [{ role: 'user', content: 'hello' }] }, { workflowId: 'replay-failed' });
    await assert.rejects(handle.result());
    const saved = join(mkdtempSync(join(tmpdir(), 'keel-replay-')), 'replay-failed.json');
    const run = await runKeel(['replay', 'replay-failed', '--save', saved], { address: keel.environment.address });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^✔ deterministic replay-failed server/);
    assert.match(run.stdout, /recorded: failed: Activity task failed \(cause: Model\.Auth: .*invalid x-api-key/);
    assert.match(run.stdout, /the failure reproduces with this code/);
    assert.ok(existsSync(saved));
    const again = await runKeel(['replay', '--file', saved]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /the failure reproduces with this code/);
  });

  test('keel replay --since: replays every recent session from the server (the pre-deploy gate), failing on a breaking build', async () => {
    keel.model.push({ kind: 'message', content: [{ type: 'text', text: 'fine' }] });
    await (await keel.worker.sessions.start({ profile: 'test', messages: [{ role: 'user', content: 'recent' }] }, { workflowId: 'replay-recent' })).result();
    const gate = await runKeel(['replay', '--since', '1h'], { address: keel.environment.address });
    assert.equal(gate.code, 0, gate.stdout + gate.stderr);
    assert.match(gate.stdout, /✔ deterministic replay-recent /);
    assert.match(gate.stdout, /✔ deterministic replay-failed /);
    assert.match(gate.stderr, /replaying sessions matching: WorkflowType = 'agentSession' AND StartTime > '/);
    const breaking = await runKeel(['replay', '--query', `WorkflowId = 'replay-recent'`, '--workflows', sleepFirstWorkflows], { address: keel.environment.address });
    assert.equal(breaking.code, 1);
    assert.match(breaking.stdout, /✘ NOT deterministic replay-recent/);
    assert.match(breaking.stdout, /^1 replayed, 0 deterministic, 1 not$/m);
    const usage = await runKeel(['replay']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /say what to replay/);
  });

  test('keel replay --inspect: a debugger attached over the inspector stops in the workflow code, sees the recorded input, and steps on', async () => {
    const replay = startKeel(['replay', '--file', fixture('task-completed'), '--inspect', '127.0.0.1:0']);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        // The command prints the inspector's address once it listens, then waits for a debugger.
        const timer = setInterval(() => {
          const found = /debugger listening on (ws:\/\/\S+)/.exec(replay.stderr());
          if (found) {
            clearInterval(timer);
            resolve(found[1]);
          }
        }, 50);
        void replay.exited.then(() => {
          clearInterval(timer);
          reject(new Error(`keel replay exited before opening the inspector:\n${replay.stderr()}`));
        });
      });
      const devtools = await connectDevtools(url);
      await devtools.send('Debugger.enable');
      await devtools.send('Runtime.runIfWaitingForDebugger');

      // The replay stops as the workflow starts, inside the bundle built from src/workflows.
      const atStart = await devtools.next<PausedEvent>('Debugger.paused');
      const bundleScript = devtools.scripts.find((script) => script.scriptId === atStart.callFrames[0].location.scriptId)!;
      assert.ok(bundleScript, 'the paused frame belongs to a parsed script');
      const sourceMap = JSON.parse(Buffer.from(bundleScript.sourceMapURL!.split(',')[1], 'base64').toString()) as { sources: string[] };
      assert.ok(
        sourceMap.sources.some((source) => source.endsWith('/src/workflows/session-workflow.ts')),
        'the bundle maps back to src/workflows/session-workflow.ts',
      );

      // A breakpoint on the workflow function's first line is hit, with the recorded input in scope.
      const { scriptSource } = await devtools.send<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId: bundleScript.scriptId });
      const lines = scriptSource.split('\n');
      const declaration = lines.findIndex((line) => /async function agentSessionWorkflow\(/.test(line));
      assert.ok(declaration > 0, 'the bundle holds agentSessionWorkflow');
      await devtools.send('Debugger.setBreakpoint', { location: { scriptId: bundleScript.scriptId, lineNumber: declaration + 1 } });
      await devtools.send('Debugger.resume');
      const inWorkflow = await devtools.next<PausedEvent>('Debugger.paused');
      assert.equal(inWorkflow.callFrames[0].functionName, 'agentSessionWorkflow');
      const evaluated = await devtools.send<{ result: { value: unknown } }>('Debugger.evaluateOnCallFrame', {
        callFrameId: inWorkflow.callFrames[0].callFrameId,
        expression: 'rawInput.messages[0].content',
        returnByValue: true,
      });
      assert.equal(evaluated.result.value, 'Summarise Hamlet.');

      await devtools.send('Debugger.removeBreakpoint', { breakpointId: inWorkflow.hitBreakpoints![0] }).catch(() => undefined);
      await devtools.send('Debugger.resume');
      // Node waits for an attached debugger to leave before it exits, as it would for a person's editor.
      devtools.close();
      assert.equal(await replay.exited, 0, replay.stderr());
      assert.match(replay.stdout(), /✔ deterministic task-completed/);
    } finally {
      replay.kill('SIGKILL');
    }
  });
});
