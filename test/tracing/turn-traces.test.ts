import { Client } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { z } from 'zod';
import { SessionClient } from '../../src/client/session-client.js';
import { defineTool } from '../../src/tools/define-tool.js';
import { createClientTracing } from '../../src/tracing/client-tracing.js';
import { loadTracingConfig } from '../../src/tracing/tracing-config.js';
import { createWorkerTracing } from '../../src/tracing/worker-tracing.js';
import { workflowBundleOptions } from '../../src/worker/workflow-bundle.js';
import { startOtlpCollector, type CollectedSpan, type OtlpCollector } from '../harness/otlp-collector.js';
import { useKeel } from '../harness/use-keel.js';
import { waitForStatus } from '../harness/wait-for.js';

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

const addTool = defineTool({
  name: 'add',
  description: 'Adds two numbers.',
  inputSchema: z.object({ a: z.number(), b: z.number() }),
  safeToRetry: true,
  handler: ({ a, b }) => String(a + b),
});

describe('tracing', () => {
  let collector: OtlpCollector;

  const keel = useKeel({ model: {} });
  before(async () => {
    collector = keel.closeAfter(await startOtlpCollector());
  });

  test('tracing config: off unless KEEL_OTEL or an OTLP endpoint is set', () => {
    assert.equal(loadTracingConfig({}, 'keel-worker'), undefined);
    assert.equal(loadTracingConfig({ KEEL_OTEL: '0', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, 'keel-worker'), undefined);
    assert.deepEqual(loadTracingConfig({ KEEL_OTEL: '1' }, 'keel-worker'), { tracesUrl: 'http://localhost:4318/v1/traces', serviceName: 'keel-worker' });
    assert.deepEqual(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_SERVICE_NAME: 'agents' }, 'keel-worker'), {
      tracesUrl: 'http://collector:4318/v1/traces',
      serviceName: 'agents',
    });
    assert.equal(loadTracingConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://x:4318/custom' }, 'keel-cli')?.tracesUrl, 'http://x:4318/custom');
  });

  test('tracing: a two-turn session with one tool call exports one trace per turn, client to workflow to model and tool activities, over OTLP', async () => {
    const environmentVariables = { KEEL_OTEL: '1', OTEL_EXPORTER_OTLP_ENDPOINT: collector.url };
    const workerTracing = createWorkerTracing(environmentVariables)!;
    const clientTracing = createClientTracing(environmentVariables)!;
    const bundle = await bundleWorkflowCode(workflowBundleOptions({ workflowInterceptorModules: workerTracing.workflowInterceptorModules, logger: quiet }));
    const worker = await keel.environment.startWorker({ modelUrl: keel.model.url, tools: [addTool], tracing: workerTracing, workflowBundle: bundle });
    const client = new Client({ connection: keel.environment.client.connection, interceptors: { workflow: clientTracing.workflowClientInterceptors } });
    const sessions = new SessionClient({ client, taskQueue: worker.taskQueue });

    keel.model.push(
      { kind: 'message', content: [{ type: 'tool_use', id: 'toolu_add', name: 'add', input: { a: 2, b: 3 } }] },
      { kind: 'message', content: [{ type: 'text', text: 'It is 5.' }] },
      { kind: 'message', content: [{ type: 'text', text: 'Still 5.' }] },
    );
    const handle = await sessions.start({ profile: 'test', mode: 'chat', tools: ['add'], messages: [{ role: 'user', content: 'What is 2 + 3?' }] }, { workflowId: 'traced-session' });
    await waitForStatus(handle, 'waiting_for_input', 'the first turn to end');
    assert.equal((await handle.sendMessage('Sure?')).text, 'Still 5.');
    await handle.cancel();
    await handle.result();
    await worker.stop();
    await Promise.all([workerTracing.shutdown(), clientTracing.shutdown()]);

    const spans = collector.spans;
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const one = (name: string, filter: (span: CollectedSpan) => boolean = () => true): CollectedSpan => {
      const found = spans.filter((span) => span.name === name && filter(span));
      assert.equal(found.length, 1, `one ${name} span, found ${found.length} among ${spans.map((span) => span.name).join(', ')}`);
      return found[0];
    };
    const childrenOf = (parent: CollectedSpan, name: string) => spans.filter((span) => span.parentSpanId === parent.spanId && span.name === name);
    /** Each StartActivity span has exactly one RunActivity child, exported by the worker's activity interceptor. */
    const assertRuns = (start: CollectedSpan) => {
      const runs = childrenOf(start, start.name.replace('StartActivity', 'RunActivity'));
      assert.equal(runs.length, 1, `${start.name} has its RunActivity child`);
      assert.equal(runs[0].traceId, start.traceId);
      assert.equal(runs[0].serviceName, 'keel-worker');
    };

    // Turn 1: the client's start is the root; the workflow run under it; the two model calls and the tool under the run.
    const start = one('StartWorkflow:agentSession');
    assert.equal(start.parentSpanId, '');
    assert.equal(start.serviceName, 'keel-client');
    const run = one('RunWorkflow:agentSession');
    assert.equal(run.parentSpanId, start.spanId);
    assert.equal(run.serviceName, 'keel-worker');
    const firstTurn = spans.filter((span) => span.traceId === start.traceId);
    const firstModelCalls = childrenOf(run, 'StartActivity:callModel');
    assert.equal(firstModelCalls.length, 2, 'turn 1 calls the model twice: for the tool call, then for the answer');
    const toolCalls = childrenOf(run, 'StartActivity:runTool');
    assert.equal(toolCalls.length, 1);
    for (const span of [...firstModelCalls, ...toolCalls]) assertRuns(span);
    assert.equal(firstTurn.filter((span) => span.name === 'RunActivity:runTool').length, 1);

    // Turn 2: its own trace, from the client's update through the workflow's handler to its model call.
    const update = one('StartWorkflowUpdate:sendMessage');
    assert.equal(update.parentSpanId, '');
    assert.notEqual(update.traceId, start.traceId);
    const handled = one('HandleUpdate:sendMessage');
    assert.equal(handled.parentSpanId, update.spanId);
    const secondModelCalls = childrenOf(handled, 'StartActivity:callModel');
    assert.equal(secondModelCalls.length, 1);
    assertRuns(secondModelCalls[0]);
    assert.equal(spans.filter((span) => span.traceId === update.traceId && span.name === 'RunActivity:callModel').length, 1);
    // No model call of turn 2 hangs under turn 1's trace.
    assert.equal(firstTurn.filter((span) => span.name === 'StartActivity:callModel').length, 2);

    // Every span's parent is in the export, except each trace's root.
    for (const span of spans) if (span.parentSpanId) assert.ok(byId.has(span.parentSpanId), `${span.name}'s parent was exported`);
  });
});
