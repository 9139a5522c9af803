import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { z } from 'zod';
import { payloadValue } from '../../src/client/history-events.js';
import { loadGrantKey } from '../../src/codec/fork-grant.js';
import { startScriptedModelServer, type ScriptedReply } from '../../src/dev/scripted-model/index.js';
import { runEval } from '../../src/eval/run-eval.js';
import type { EvalReport } from '../../src/eval/eval-report.js';
import type { SessionHandle } from '../../src/client/session-handle.js';
import { defineGrader } from '../../src/eval/define-grader.js';
import { defineTool } from '../../src/tools/define-tool.js';
import { artifactPath, launchChromium } from '../harness/chromium.js';
import { runKeel } from '../harness/keel-cli.js';
import { testProfiles } from '../harness/test-profiles.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';

/**
 * `keel eval` end to end: recorded sessions on the `test` profile, re-run on `candidate`, whose scripted model
 * answers some jobs differently. Each job's first message says what kind it is; every reply follows from the request
 * it answers, so a retried model call gets the same reply.
 */
type Kind = 'same' | 'text' | 'tools' | 'limit' | 'approve' | 'deny' | 'chat' | 'words';
const kinds: Kind[] = [
  ...Array<Kind>(11).fill('same'),
  ...Array<Kind>(3).fill('text'),
  'tools',
  'limit',
  'approve',
  'deny',
  'chat',
  'chat',
];
const CANDIDATE_MODEL = 'claude-candidate-1';
/** The model of the candidate that only a profiles file names (`--profile-file`). */
const FILE_CANDIDATE_MODEL = 'claude-candidate-from-file-1';
/** Each call: 100 input and 10 output tokens, at the test prices $1 and $10 per million. */
const usage = { input_tokens: 100, output_tokens: 10 };
const COST_PER_CALL_USD = 0.0002;

type Block = { type: string; text?: string; tool_use_id?: string; name?: string };
const blocksOf = (content: unknown): Block[] => (typeof content === 'string' ? [{ type: 'text', text: content }] : (content as Block[]));

/**
 * A grading call (`--rubric`) is answered with a verdict through its tool: a well-formed one, but for a `text` job,
 * whose verdict breaks the schema (a score off its scale, no reasons).
 */
function verdict(kind: Kind): ScriptedReply {
  const input = kind === 'text' ? { scale: '1..5', score: 9, verdict: 'better than perfect' } : { scale: '1..5', score: 4, verdict: `the re-run does the job`, reasons: ['it ends as the recording did'] };
  return { kind: 'message', content: [{ type: 'tool_use', id: 'toolu_verdict', name: 'record_verdict', input }], usage };
}

function reply(request: { body: { model: string; messages: Array<{ role: string; content: unknown }>; tools?: Array<{ name: string }> } }): ScriptedReply | undefined {
  const { model, messages } = request.body;
  const candidate = model === CANDIDATE_MODEL || model === FILE_CANDIDATE_MODEL;
  const allText = messages.flatMap((message) => blocksOf(message.content)).map((block) => block.text ?? '').join('\n');
  const job = /job (\d+) (\w+)/.exec(allText);
  if (!job) return undefined;
  const [, number, kind] = job as unknown as [string, string, Kind];
  if (request.body.tools?.some((tool) => tool.name === 'record_verdict')) return verdict(kind);
  const results = messages.flatMap((message) => blocksOf(message.content)).filter((block) => block.type === 'tool_result').length;
  const text = (value: string): ScriptedReply => ({ kind: 'message', content: [{ type: 'text', text: value }], usage });
  const effect = (input: Record<string, unknown>): ScriptedReply => ({
    kind: 'message',
    content: [{ type: 'tool_use', id: `toolu_${number}_${results}`, name: 'log_effect', input: { job: Number(number), ...input } }],
    usage,
  });
  if (kind === 'chat') {
    const last = blocksOf(messages.at(-1)!.content).map((block) => block.text ?? '').join('');
    return text(last.startsWith('again') ? `again ${number}` : `hello ${number}`);
  }
  // A job without tools: the candidates put it in other words.
  if (kind === 'words') return text(candidate ? `job ${number} done, in other words` : `done job ${number}`);
  if (results === 0) return effect({});
  if (candidate && (kind === 'tools' || kind === 'limit') && results === 1) return effect({ again: true });
  if (candidate && kind === 'text') return text(`finished job ${number} another way`);
  return text(`done job ${number}`);
}

describe('keel eval', () => {
  const effectsDirectory = mkdtempSync(join(tmpdir(), 'keel-eval-effects-'));
  const effectsFile = join(effectsDirectory, 'effects.log');
  writeFileSync(effectsFile, '');
  after(() => rmSync(effectsDirectory, { recursive: true, force: true }));
  // A tool with an effect outside any sandbox: each run appends a line, so re-runs can be counted.
  const logEffect = defineTool({
    name: 'log_effect',
    description: 'Records that a job ran.',
    inputSchema: z.object({ job: z.number(), again: z.boolean().optional() }),
    safeToRetry: false,
    handler: ({ job }) => {
      writeFileSync(effectsFile, `job ${job}\n`, { flag: 'a' });
      return `logged job ${job}`;
    },
  });
  // A team's grader: passes a re-run whose final text is the recorded one.
  const sameText = defineGrader({
    name: 'same-text',
    grade: (comparison) => ({ pass: comparison.recorded.finalText === comparison.candidate.finalText, notes: `${comparison.textDiff.length} diff lines` }),
  });
  const keel = useKeel({
    model: { responder: reply },
    worker: { profiles: { candidate: { ...testProfiles.test, model: CANDIDATE_MODEL } }, tools: [logEffect], graders: [sameText] },
  });
  const effects = () => readFileSync(effectsFile, 'utf8').split('\n').filter(Boolean).length;
  /** The first test's recorded sessions, for the spend cap's test. */
  const recordedIds: string[] = [];
  /** Where the first test's `keel eval` writes its report (the Chromium test opens it). */
  const reportDirectory = mkdtempSync(join(tmpdir(), 'keel-eval-report-'));
  after(() => rmSync(reportDirectory, { recursive: true, force: true }));

  async function record(kind: Kind, index: number): Promise<string> {
    const workflowId = `recorded-${index}-${kind}`;
    const sessions = keel.worker.sessions;
    const opening = [{ role: 'user' as const, content: `job ${index} ${kind}` }];
    if (kind === 'chat') {
      const handle = await sessions.start({ profile: 'test', mode: 'chat', messages: opening }, { workflowId });
      await waitFor('the first reply', async () => (await handle.state()).status === 'waiting_for_input');
      await handle.resetContext({ strategy: 'clear', reason: 'start over' });
      assert.equal((await handle.sendMessage(`again ${index}`)).text, `again ${index}`);
      // A chat session stays open, waiting for its user, as most do.
      return workflowId;
    }
    const approval = kind === 'approve' || kind === 'deny' ? { approval: { tools: ['log_effect'] } } : {};
    const limits = kind === 'limit' ? { limits: { maxTurns: 2 } } : {};
    const handle: SessionHandle = await sessions.start({ profile: 'test', tools: ['log_effect'], messages: opening, ...approval, ...limits }, { workflowId });
    if (kind === 'approve' || kind === 'deny') {
      await waitFor('the approval request', async () => (await handle.state()).pendingApprovals.length === 1);
      const [pending] = (await handle.state()).pendingApprovals;
      await handle.decideToolCall({ toolUseId: pending!.toolUseId, approve: kind === 'approve', ...(kind === 'deny' ? { reason: 'not today' } : {}) });
    }
    assert.equal((await handle.result()).status, 'completed');
    return workflowId;
  }

  test('keel eval: twenty recorded sessions on another profile: the report names exactly those that changed, matched tool calls do not run again, the spend is the sessions\' usage, and a team\'s grader grades each on the workers', async () => {
    const ids = await Promise.all(kinds.map((kind, index) => record(kind, index + 1)));
    recordedIds.push(...ids);
    // Every recorded log_effect ran once but the denied one.
    const recordedEffects = effects();
    assert.equal(recordedEffects, kinds.filter((kind) => kind !== 'chat' && kind !== 'deny').length);

    const out = reportDirectory;
    const run = await runKeel(['eval', ...ids, '--profile', 'candidate', '--concurrency', '4', '--id', 'twenty', '--out', out, '--grader', 'same-text', '--json'], {
      address: keel.environment.address,
      taskQueue: keel.worker.taskQueue,
      env: { KEEL_DATA_DIR: keel.environment.dataDir },
    });
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as EvalReport;
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')), report);
    assert.match(run.stderr, /\[20\/20\] /);

    for (const session of report.sessions) assert.equal(session.error, undefined, `${session.source}: ${session.error}\n${run.stderr}`);
    // Exactly the jobs the candidate answers differently.
    const expectedChanged = ids.filter((_, index) => ['text', 'tools', 'limit'].includes(kinds[index]!));
    assert.deepEqual([...report.changed].sort(), [...expectedChanged].sort(), run.stderr);
    const row = (kind: Kind) => report.sessions[kinds.indexOf(kind)]!;
    assert.deepEqual(row('text').comparison!.changed, { outcome: false, toolCalls: false, text: true });
    assert.deepEqual(row('tools').comparison!.changed, { outcome: false, toolCalls: true, text: false });
    assert.equal(row('tools').comparison!.toolCallsPartAt, 1);
    assert.deepEqual(row('limit').comparison!.changed, { outcome: true, toolCalls: true, text: true });
    assert.equal(row('limit').comparison!.candidate.outcome, 'limit_reached');
    assert.equal(row('chat').comparison!.candidate.outcome, 'answered');
    assert.equal(row('chat').comparison!.candidate.finalText, `again ${kinds.indexOf('chat') + 1}`);

    // Matched calls were answered from the record: not one new effect, also for the approved and denied ones.
    assert.equal(effects(), recordedEffects);
    assert.deepEqual(row('same').comparison!.toolCallCounts, { replayed: 1, ran: 0, notRun: 0 });
    assert.deepEqual(row('tools').comparison!.toolCallCounts, { replayed: 1, ran: 0, notRun: 1 });
    assert.deepEqual(row('deny').comparison!.toolCallCounts, { replayed: 1, ran: 0, notRun: 0 });
    const denied = await keel.worker.sessions.getHandle(row('deny').evalSession!).fullTranscript();
    assert.ok(denied.some((entry) => entry.kind === 'marker' && entry.marker === 'tool-decision' && /recorded decision, replayed: denied: not today/.test(entry.detail ?? '')));

    // The eval's spend is what its sessions used: each model call their histories record, at its price.
    let candidateCalls = 0;
    for (const session of report.sessions) {
      const history = await keel.environment.client.workflow.getHandle(session.evalSession!).fetchHistory();
      const modelCalls = new Set(
        (history.events ?? []).filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'callModel').map((event) => Number(event.eventId)),
      );
      candidateCalls += (history.events ?? []).filter((event) => modelCalls.has(Number(event.activityTaskCompletedEventAttributes?.scheduledEventId))).length;
    }
    const sessionsCost = report.sessions.reduce((sum, session) => sum + session.comparison!.candidate.costUsd, 0);
    assert.ok(Math.abs(report.spendUsd - sessionsCost) < 1e-9, `${report.spendUsd} vs ${sessionsCost}`);
    assert.ok(Math.abs(report.spendUsd - candidateCalls * COST_PER_CALL_USD) < 1e-9, `${report.spendUsd} vs ${candidateCalls} calls`);

    // The grader ran on the workers, as an activity, for every compared session.
    for (const [index, session] of report.sessions.entries()) {
      const expected = !['text', 'limit'].includes(kinds[index]!);
      assert.deepEqual(session.grades?.map(({ grader, pass }) => ({ grader, pass })), [{ grader: 'same-text', pass: expected }], session.source);
    }
    const gradeHistory = await keel.environment.client.workflow.getHandle('eval-twenty-1/grade-same-text').fetchHistory();
    assert.ok(gradeHistory.events?.some((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'gradeSession'));

    // Latency, old against new: a task session's wall time covers at least its active time; a chat session's is
    // its turns', which leave out the time its user took.
    for (const session of report.sessions) {
      for (const side of [session.comparison!.recorded, session.comparison!.candidate]) {
        assert.ok(side.wallMs > 0, `${side.id}: wall time ${side.wallMs}`);
        if (side.outcome !== 'answered') assert.ok(side.wallMs >= side.activeMs, `${side.id}: wall ${side.wallMs} ms < active ${side.activeMs} ms`);
      }
    }
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(markdown, /20 sessions, 5 changed/);
    assert.match(markdown, /\| wall time \| active time \|/);
    assert.match(markdown, /\+ finished job \d+ another way/);
    await Promise.all(ids.filter((_, index) => kinds[index] === 'chat').map((id) => keel.worker.sessions.getHandle(id).cancel()));
  });

  test('keel eval: the HTML report opens in headless Chromium, its four charts draw, and the wall-time series hold each session\'s latency, old and new (screenshot kept in test-artifacts/)', async () => {
    assert.ok(existsSync(join(reportDirectory, 'report.html')), 'the twenty-session test wrote the report');
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      // Nothing may come from the network: uPlot is inlined.
      await page.route(/^(?!file:)/, (route) => {
        problems.push(`request to ${route.request().url()}`);
        return route.abort();
      });
      await page.goto(pathToFileURL(join(reportDirectory, 'report.html')).href);
      await page.waitForSelector('#charts canvas');
      const canvases = await page.$$eval('#charts canvas', (elements) =>
        // The page's canvases, typed by the little this reads of them (the tests compile without the DOM library).
        (elements as unknown as Array<{ width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } }>).map((canvas) => {
          const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let index = 3; index < pixels.length; index += 4) if (pixels[index]! > 0) painted += 1;
          return { width: canvas.width, height: canvas.height, painted };
        }),
      );
      assert.equal(canvases.length, 4);
      for (const canvas of canvases) {
        assert.ok(canvas.width > 0 && canvas.height > 0, JSON.stringify(canvas));
        assert.ok(canvas.painted > 1000, `a chart drew almost nothing: ${JSON.stringify(canvas)}`);
      }
      assert.deepEqual(problems, []);
      const titles = await page.$$eval('.u-title', (elements) => elements.map((element) => element.textContent));
      assert.deepEqual(titles, ['cost (USD)', 'turns', 'wall time (s)', 'active time (s)']);
      // What the latency chart drew: the wall time of every recorded session and of its re-run, in seconds.
      const latency = await page.evaluate(() => (globalThis as unknown as { evalCharts: Record<string, { recorded: number[]; candidate: number[] }> }).evalCharts['wall time (s)']);
      const report = JSON.parse(readFileSync(join(reportDirectory, 'report.json'), 'utf8')) as EvalReport;
      assert.ok(latency, 'the page keeps the wall-time series');
      assert.equal(latency.recorded.length, 20);
      assert.equal(latency.candidate.length, 20);
      for (const value of [...latency.recorded, ...latency.candidate]) assert.ok(Number.isFinite(value) && value > 0, `a wall time of ${value} s`);
      assert.deepEqual(latency.recorded, report.sessions.map((session) => session.comparison!.recorded.wallMs / 1000));
      assert.deepEqual(latency.candidate, report.sessions.map((session) => session.comparison!.candidate.wallMs / 1000));
      assert.equal(await page.locator('section.changed').count(), 5);
      await page.screenshot({ path: artifactPath('eval-report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });

  test('keel eval: a divergent sandbox call runs against the recorded snapshot of that turn, not an empty directory', async () => {
    const toolUse = (id: string, name: string, input: Record<string, unknown>): ScriptedReply => ({ kind: 'message', content: [{ type: 'tool_use', id, name, input }], usage });
    // Recorded: write a.txt, then read it. The candidate reads it by another path: a call that matches no record.
    const filesModel = await startScriptedModelServer({
      responder: (request) => {
        const results = request.body.messages.flatMap((message: { content: unknown }) => blocksOf(message.content)).filter((block: Block) => block.type === 'tool_result') as Array<Block & { content?: unknown }>;
        if (results.length === 0) return toolUse('toolu_write', 'write_file', { path: 'a.txt', content: 'one' });
        if (results.length === 1) return toolUse('toolu_read', 'read_file', { path: request.body.model === CANDIDATE_MODEL ? './a.txt' : 'a.txt' });
        return { kind: 'message', content: [{ type: 'text', text: `read: ${JSON.stringify(results.at(-1)!.content)}` }], usage };
      },
    });
    keel.closeAfter(filesModel);
    const worker = await keel.environment.startWorker({ modelUrl: filesModel.url, profiles: { candidate: { ...testProfiles.test, model: CANDIDATE_MODEL } } });
    const recorded = await worker.sessions.start({ profile: 'test', tools: ['write_file', 'read_file'], messages: [{ role: 'user', content: 'write and read' }] }, { workflowId: 'recorded-files' });
    assert.match((await recorded.result()).finalText, /one/);

    const report = await runEval({
      client: keel.environment.client,
      sessions: worker.sessions,
      sourceIds: ['recorded-files'],
      profile: 'candidate',
      grantKey: loadGrantKey(keel.environment.dataDir, { create: false }),
      evalId: 'files',
    });
    const [row] = report.sessions;
    assert.equal(row!.error, undefined);
    // The write was answered from the record (nothing wrote a.txt in the new sandbox); the read ran, and found it.
    assert.deepEqual(row!.comparison!.toolCallCounts, { replayed: 1, ran: 1, notRun: 0 });
    assert.deepEqual(row!.comparison!.candidate.toolCalls[1], { name: 'read_file', input: { path: './a.txt' }, isError: false });
    assert.match(row!.comparison!.candidate.finalText, /one/);
    assert.equal(row!.comparison!.toolCallsPartAt, 1);
    // Its sandbox was made from the snapshot taken after the recorded write's turn.
    const history = await keel.environment.client.workflow.getHandle('eval-files-1').fetchHistory();
    const created = (history.events ?? []).find((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'createSandbox');
    const request = payloadValue(created?.activityTaskScheduledEventAttributes?.input?.payloads?.[0]) as { sandbox: { fromSnapshot?: string } };
    assert.match(request.sandbox.fromSnapshot ?? '', /^recorded-files-[0-9a-f]{12}-turn-1$/);
  });

  test('an eval session\'s replay: without a grant for its source it fails before any step reads the record (a forged grant: Store.Forbidden; none: InvalidSessionInput)', async () => {
    const recordedCall = { turn: 1, name: 'log_effect', input: { job: 1 }, content: 'logged job 1', isError: false };
    const start = (workflowId: string, extra: object) =>
      keel.environment.client.workflow.start('agentSession', {
        taskQueue: keel.worker.taskQueue,
        workflowId,
        args: [{ profile: 'test', tools: ['log_effect'], messages: [{ role: 'user', content: 'job 1 same' }], replay: { from: 'recorded-1-same', toolCalls: [recordedCall] }, ...extra }],
      });
    const failureOf = async (workflowId: string) => {
      const error = await keel.environment.client.workflow.getHandle(workflowId).result().then(
        () => assert.fail('the session should have failed'),
        (caught: { cause?: { type?: string; cause?: { type?: string }; message?: string } }) => caught.cause,
      );
      const history = await keel.environment.client.workflow.getHandle(workflowId).fetchHistory();
      const activities = (history.events ?? []).flatMap((event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
      return { type: error?.cause?.type ?? error?.type, message: error?.message ?? '', activities };
    };
    await start('forged-replay', { fork: { from: 'recorded-1-same', grant: 'a'.repeat(64) } });
    const forged = await failureOf('forged-replay');
    assert.equal(forged.type, 'Store.Forbidden');
    assert.deepEqual(forged.activities, ['claimFork'], 'nothing but the refused claim ran');
    await start('replay-without-grant', {});
    const bare = await failureOf('replay-without-grant');
    assert.equal(bare.type, 'InvalidSessionInput');
    assert.match(bare.message, /replay needs `fork` for the same source session/);
    assert.deepEqual(bare.activities, []);
  });

  test('keel eval --max-cost-usd: once the re-runs have used the cap no further session starts, and the spend is what the started ones used', async () => {
    assert.equal(recordedIds.length, 20, 'the twenty-session test recorded them');
    // Each re-run makes two model calls ($0.0004): one at a time, the cap is reached in the third.
    const report = await runEval({
      client: keel.environment.client,
      sessions: keel.worker.sessions,
      sourceIds: recordedIds.filter((_, index) => kinds[index] === 'same'),
      profile: 'candidate',
      grantKey: loadGrantKey(keel.environment.dataDir, { create: false }),
      evalId: 'capped',
      concurrency: 1,
      maxCostUsd: 0.001,
      pollIntervalMs: 50,
    });
    assert.equal(report.stoppedBySpendCap, true);
    const started = report.sessions.filter((session) => session.evalSession);
    assert.ok(started.length <= 3, `${started.length} sessions started`);
    const notStarted = report.sessions.filter((session) => !session.evalSession);
    assert.equal(notStarted.length, report.sessions.length - started.length);
    for (const session of notStarted) assert.match(session.error ?? '', /not started: the eval reached its spend cap/);
    let used = 0;
    for (const session of started) used += (await keel.worker.sessions.getHandle(session.evalSession!).state()).usage.costUsd;
    assert.ok(Math.abs(report.spendUsd - used) < 1e-9, `${report.spendUsd} vs ${used}`);
    assert.ok(report.spendUsd >= 0.001 - 1e-9 && report.spendUsd <= 0.0012 + 1e-9, String(report.spendUsd));
  });

  test('keel eval --inputs: each input first runs on its own profile as the recording, then on the candidate; its tool calls run once, in the recording', async () => {
    const inputsFile = join(reportDirectory, 'inputs.jsonl');
    const input = (job: number, kind: Kind) => JSON.stringify({ profile: 'test', tools: ['log_effect'], messages: [{ role: 'user', content: `job ${job} ${kind}` }] });
    writeFileSync(inputsFile, `${input(101, 'same')}\n${input(102, 'text')}\n`);
    const before = effects();
    const run = await runKeel(['eval', '--inputs', inputsFile, '--profile', 'candidate', '--id', 'fromfile', '--out', join(reportDirectory, 'fromfile'), '--json'], {
      address: keel.environment.address,
      taskQueue: keel.worker.taskQueue,
      env: { KEEL_DATA_DIR: keel.environment.dataDir },
    });
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as EvalReport;
    assert.deepEqual(report.sessions.map((session) => [session.source, session.comparison?.recorded.profile, session.comparison?.candidate.profile]), [
      ['eval-fromfile-recorded-1', 'test', 'candidate'],
      ['eval-fromfile-recorded-2', 'test', 'candidate'],
    ]);
    assert.deepEqual(report.changed, ['eval-fromfile-recorded-2']);
    assert.equal(effects(), before + 2);
  });

  test('keel eval --profile-file: a candidate that only a file names runs on a worker of the eval\'s own (its own task queue, this environment\'s model settings) and the report compares it; a bad file is refused naming the field', async () => {
    const sessions = keel.worker.sessions;
    const words = await sessions.start({ profile: 'test', messages: [{ role: 'user', content: 'job 201 words' }] }, { workflowId: 'recorded-201-words' });
    assert.equal((await words.result()).finalText, 'done job 201');
    const chat = await record('chat', 202);
    const candidateFile = join(reportDirectory, 'candidate.json');
    writeFileSync(candidateFile, JSON.stringify({ profiles: { 'candidate-from-file': { ...testProfiles.test, model: FILE_CANDIDATE_MODEL } } }));
    // What any worker process reads: the store, data folder, profiles and model server of the test's workers.
    const env = {
      KEEL_DATA_DIR: keel.environment.dataDir,
      KEEL_STORE_URL: keel.environment.storeDirectory,
      KEEL_PROFILES: keel.environment.profilesFile,
      KEEL_WORKFLOW_BUNDLE: keel.environment.workflowBundleFile,
      ANTHROPIC_BASE_URL: keel.model.url,
      ANTHROPIC_API_KEY: 'test-key',
    };
    const out = join(reportDirectory, 'profile-file');
    const run = await runKeel(['eval', 'recorded-201-words', chat, '--profile-file', candidateFile, '--id', 'profilefile', '--out', out, '--json'], {
      address: keel.environment.address,
      taskQueue: keel.worker.taskQueue,
      env,
    });
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as EvalReport;
    assert.equal(report.candidateProfile, 'candidate-from-file');
    assert.equal(report.candidateProfileFile, candidateFile);
    for (const session of report.sessions) assert.equal(session.error, undefined, `${session.source}: ${session.error}\n${run.stderr}`);
    assert.deepEqual(report.sessions.map((session) => [session.comparison!.candidate.profile, session.comparison!.candidate.model]), [
      ['candidate-from-file', FILE_CANDIDATE_MODEL],
      ['candidate-from-file', FILE_CANDIDATE_MODEL],
    ]);
    assert.deepEqual(report.changed, ['recorded-201-words']);
    assert.equal(report.sessions[0]!.comparison!.candidate.finalText, 'job 201 done, in other words');
    assert.equal(report.sessions[1]!.comparison!.candidate.outcome, 'answered');
    assert.equal(report.sessions[1]!.comparison!.candidate.finalText, 'again 202');
    assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /recorded sessions on candidate-from-file/);
    // The re-runs ran on the eval's queue, not the shared one, and none was left open when its worker stopped.
    for (const session of report.sessions) {
      const description = await keel.environment.client.workflow.getHandle(session.evalSession!).describe();
      assert.equal(description.taskQueue, 'keel-eval-profilefile');
      assert.notEqual(description.status.name, 'RUNNING', session.evalSession);
    }
    assert.ok(keel.model.requests.some((request) => request.model === FILE_CANDIDATE_MODEL), 'the candidate\'s model was called');
    // The shared workers never learnt the candidate: a session there on its name cannot start its first turn.
    const stranger = await sessions.start({ profile: 'candidate-from-file', messages: [{ role: 'user', content: 'job 203 words' }] }, { workflowId: 'unknown-profile' });
    await assert.rejects(stranger.result(), (error: Error & { cause?: { cause?: { type?: string }; type?: string } }) => {
      assert.equal(error.cause?.cause?.type ?? error.cause?.type, 'Config.UnknownProfile', String(error));
      return true;
    });
    await sessions.getHandle(chat).cancel();

    const badFile = join(reportDirectory, 'bad-candidate.yaml');
    writeFileSync(badFile, 'profiles:\n  sloppy:\n    model: claude-x\n    maxOutputTokens: -5\n');
    const refused = await runKeel(['eval', 'recorded-201-words', '--profile-file', badFile], { address: keel.environment.address, taskQueue: keel.worker.taskQueue, env });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /bad-candidate\.yaml: profile "sloppy": maxOutputTokens/);
    const clash = join(reportDirectory, 'clash.json');
    writeFileSync(clash, JSON.stringify({ profiles: { test: { ...testProfiles.test, model: FILE_CANDIDATE_MODEL } } }));
    const clashing = await runKeel(['eval', 'recorded-201-words', '--profile-file', clash], { address: keel.environment.address, taskQueue: keel.worker.taskQueue, env });
    assert.equal(clashing.code, 2, clashing.stderr);
    assert.match(clashing.stderr, /profile "test": the workers' profiles .* have one of that name/);
  });

  test('keel eval --rubric: a profile\'s model scores each re-run through a verdict tool; the report shows the grades and the grading spend apart, and a malformed verdict is that session\'s grading error', async () => {
    assert.equal(recordedIds.length, 20, 'the twenty-session test recorded them');
    const same = recordedIds[kinds.indexOf('same')]!;
    const text = recordedIds[kinds.indexOf('text')]!;
    const rubricFile = join(reportDirectory, 'quality.md');
    writeFileSync(rubricFile, '# Quality\n\nScore 1..5: 5 when the re-run reaches the recorded outcome with the same care, 1 when it fails the task.\n');
    const requestsBefore = keel.model.requests.length;
    const out = join(reportDirectory, 'rubric');
    const run = await runKeel(['eval', same, text, '--profile', 'candidate', '--rubric', rubricFile, '--grader-profile', 'test', '--max-cost-usd', '1', '--id', 'rubric', '--out', out, '--json'], {
      address: keel.environment.address,
      taskQueue: keel.worker.taskQueue,
      env: { KEEL_DATA_DIR: keel.environment.dataDir },
    });
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as EvalReport;
    assert.deepEqual(report.rubric, { name: 'quality', profile: 'test' });
    const [sameRow, textRow] = report.sessions;
    assert.deepEqual(sameRow!.grades, [
      { grader: 'quality', score: 4, scale: '1..5', verdict: 'the re-run does the job', reasons: ['it ends as the recording did'], costUsd: COST_PER_CALL_USD },
    ]);
    assert.equal(textRow!.grades?.length, 1);
    assert.match(textRow!.grades![0]!.error ?? '', /verdict .* does not hold: .*score/);
    assert.match(textRow!.grades![0]!.error ?? '', /reasons/);
    assert.equal(textRow!.comparison!.changed.text, true, 'the session itself was compared');
    // The grader's spend is its two calls, apart from the sessions'.
    assert.ok(Math.abs(report.graderSpendUsd - 2 * COST_PER_CALL_USD) < 1e-9, String(report.graderSpendUsd));
    const sessionsCost = report.sessions.reduce((sum, session) => sum + session.comparison!.candidate.costUsd, 0);
    assert.ok(Math.abs(report.spendUsd - sessionsCost) < 1e-9, `${report.spendUsd} vs ${sessionsCost}`);
    // The grading calls reached the model server as Messages API requests: the profile's model, the verdict tool forced, both transcripts as text.
    const gradingCalls = keel.model.requests.slice(requestsBefore).filter((request) => request.body?.tools?.some((tool: { name: string }) => tool.name === 'record_verdict'));
    assert.equal(gradingCalls.length, 2);
    for (const call of gradingCalls) {
      assert.equal(call.model, testProfiles.test.model);
      assert.deepEqual(call.body.tool_choice, { type: 'any' });
      const prompt = JSON.stringify(call.body.messages);
      assert.match(prompt, /Score 1\.\.5/);
      assert.match(prompt, /<recorded_session [^>]*outcome=\\"completed\\"/);
      assert.match(prompt, /\[tool call log_effect/);
    }
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(markdown, /quality: 4\/5, the re-run does the job/);
    assert.match(markdown, /quality: grading error: /);
    assert.match(markdown, /grading by rubric quality on test: \$0\.0004/);
    assert.match(markdown, /## Grades by rubric quality \(test\)\n\n- [^\n]+: quality: 4\/5, the re-run does the job\n  - it ends as the recording did\n/);
    const gradeHistory = await keel.environment.client.workflow.getHandle('eval-rubric-1/rubric-quality').fetchHistory();
    assert.ok(gradeHistory.events?.some((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'callGraderModel'));

    const unpaired = await runKeel(['eval', same, '--profile', 'candidate', '--rubric', rubricFile], { address: keel.environment.address, taskQueue: keel.worker.taskQueue });
    assert.equal(unpaired.code, 2);
    assert.match(unpaired.stderr, /--rubric and --grader-profile go together/);
  });
});
