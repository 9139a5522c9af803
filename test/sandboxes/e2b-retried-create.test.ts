/**
 * The E2B provider under real Temporal workers (one dev server for the file): a create whose answer is lost after
 * the sandbox was made is retried by Temporal and leaks nothing; the workflow keeps only the sandbox ref, a new
 * worker reconnects to the sandbox by it, and the sandbox is killed when the workflow ends or is cancelled.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WorkflowFailedError } from '@temporalio/client';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { startE2BStandIn, type E2BStandIn } from '../../src/dev/e2b-stand-in/e2b-stand-in.js';
import { E2BSandboxProvider } from '../../src/sandboxes/e2b/e2b-sandbox-provider.js';
import { uniqueTaskQueue } from '../harness/temporal-env.js';
import { useKeel } from '../harness/use-keel.js';
import { waitFor } from '../harness/wait-for.js';
import { createSandboxActivities } from './fixtures/e2b-sandbox-activities.js';
import { continueSignal, sandboxRefQuery, sandboxSessionWorkflow } from './fixtures/e2b-sandbox-workflow.js';

const silentLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

const keel = useKeel();
let bundle: WorkflowBundleWithSourceMap;

before(async () => {
  bundle = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./fixtures/e2b-sandbox-workflow.ts', import.meta.url)),
    logger: silentLogger,
  });
});

/** A worker with its own provider instance: what a fresh worker process would have. */
async function startWorker(standIn: E2BStandIn, taskQueue: string) {
  const provider = new E2BSandboxProvider({
    apiKey: standIn.apiKey,
    apiUrl: standIn.apiUrl,
    sandboxUrl: standIn.sandboxUrl,
    requestTimeoutMs: 5_000,
    env: {},
  });
  const worker = await Worker.create({
    connection: keel.environment.env.nativeConnection,
    namespace: keel.environment.env.namespace ?? 'default',
    taskQueue,
    workflowBundle: bundle,
    activities: createSandboxActivities(provider),
  });
  const running = worker.run();
  return {
    /** Stops polling and waits for in-flight work; a second call only waits. */
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

describe('E2B provider under Temporal', () => {
  test('retried create: the first answer is lost after the sandbox was made, Temporal retries, exactly one sandbox exists; a new worker reconnects by the ref', async (t) => {
    const standIn = await startE2BStandIn();
    t.after(() => standIn.close());
    standIn.failNext('create', { status: 500, message: 'answer lost after the sandbox was made' });
    const taskQueue = uniqueTaskQueue('e2b');
    const sessionId = `session-${taskQueue}`;
    const firstWorker = await startWorker(standIn, taskQueue);
    t.after(() => firstWorker.stop());

    const handle = await keel.environment.client.workflow.start(sandboxSessionWorkflow, {
      taskQueue,
      workflowId: sessionId,
      args: [sessionId],
    });
    const ref = await waitFor('the workflow to hold its sandbox ref', () => handle.query(sandboxRefQuery));

    assert.deepEqual(standIn.sandboxes().map((sandbox) => sandbox.sandboxId), [ref.id], 'exactly one sandbox, the one in the ref');
    assert.deepEqual(standIn.sandboxes()[0]?.metadata, { keelSessionId: sessionId });
    assert.deepEqual(
      standIn.callsOf('create').map((call) => call.status),
      [500],
      'one create request, whose answer was the injected failure',
    );
    const history = await handle.fetchHistory();
    const createStarts = (history.events ?? []).filter((event) => event.activityTaskStartedEventAttributes);
    assert.equal(createStarts[0]?.activityTaskStartedEventAttributes?.attempt, 2, 'the create activity succeeded on its second attempt');
    const completed = (history.events ?? []).find((event) => event.activityTaskCompletedEventAttributes);
    const payload = completed?.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
    const recorded = JSON.parse(Buffer.from(payload ?? new Uint8Array()).toString('utf8')) as unknown;
    assert.deepEqual(recorded, ref, 'history holds only the ref');
    assert.ok(!JSON.stringify(history).includes(standIn.apiKey), 'the API key is not in history');

    await firstWorker.stop();
    const connectsBefore = standIn.callsOf('connect').length;
    const secondWorker = await startWorker(standIn, taskQueue);
    t.after(() => secondWorker.stop());
    await handle.signal(continueSignal);
    const { result } = await handle.result();

    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, '42\n');
    const laterConnects = standIn.callsOf('connect').slice(connectsBefore);
    assert.ok(laterConnects.length >= 1 && laterConnects.every((call) => call.sandboxId === ref.id), 'the new worker reconnected by id');
    assert.equal(standIn.callsOf('create').length, 1, 'no worker created a second sandbox');
    assert.equal(standIn.sandboxes().length, 0, 'the sandbox was killed when the workflow ended');
    assert.deepEqual(standIn.ended.map((end) => [end.sandboxId, end.reason]), [[ref.id, 'killed']]);
  });

  test('cancellation: a cancelled workflow kills its sandbox', async (t) => {
    const standIn = await startE2BStandIn();
    t.after(() => standIn.close());
    const taskQueue = uniqueTaskQueue('e2b');
    const worker = await startWorker(standIn, taskQueue);
    t.after(() => worker.stop());
    const handle = await keel.environment.client.workflow.start(sandboxSessionWorkflow, {
      taskQueue,
      workflowId: `session-${taskQueue}`,
      args: [`session-${taskQueue}`],
    });
    const ref = await waitFor('the workflow to hold its sandbox ref', () => handle.query(sandboxRefQuery));
    assert.equal(standIn.sandboxes().length, 1);

    await handle.cancel();
    await assert.rejects(handle.result(), (error: unknown) => error instanceof WorkflowFailedError);
    assert.equal(standIn.sandboxes().length, 0);
    assert.deepEqual(standIn.ended.map((end) => [end.sandboxId, end.reason]), [[ref.id, 'killed']]);
  });
});
