import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { validateSessionInput } from '../../src/client/session-client.js';
import { ValidationError } from '../../src/errors.js';
import { useKeel } from '../harness/use-keel.js';

const run = promisify(execFile);

describe('session input', () => {
  const temporal = (...args: string[]) => run(keel.environment.cli, [...args, '--address', keel.environment.address], { encoding: 'utf8' });

  const keel = useKeel({ model: {}, worker: {} });

  test('temporal CLI: a session started by `temporal workflow start` completes with the contract result', async () => {
    keel.model.push({ kind: 'message', content: [{ type: 'text', text: 'Paris.' }], usage: { input_tokens: 12, output_tokens: 2 } });
    const workflowId = `cli-session-${Date.now()}`;
    const input = { profile: 'test', messages: [{ role: 'user', content: 'What is the capital of France?' }] };
    await temporal('workflow', 'start', '--type', 'agentSession', '--task-queue', keel.worker.taskQueue, '--workflow-id', workflowId, '--input', JSON.stringify(input));
    const { stdout } = await temporal('workflow', 'result', '--workflow-id', workflowId, '--output', 'json');
    const printed = JSON.parse(stdout) as { status: string; result: unknown };
    assert.equal(printed.status, 'COMPLETED');
    assert.deepEqual(printed.result, {
      status: 'completed',
      finalText: 'Paris.',
      turns: 1,
      usage: { inputTokens: 12, outputTokens: 2, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: (12 * 1 + 2 * 10) / 1e6 },
    });
    // The model saw the opening message exactly as the CLI gave it.
    assert.deepEqual(keel.model.requests.at(-1)!.body.messages, input.messages);
  });

  for (const [what, input, field] of [
    ['no messages', { messages: [] }, /messages: at least one message is required/],
    ['a wrong mode', { mode: 'batch', messages: [{ role: 'user', content: 'hi' }] }, /mode: /],
    ['a wrong role', { messages: [{ role: 'system', content: 'hi' }] }, /messages\.0\.role/],
    ['an unknown field', { messages: [{ role: 'user', content: 'hi' }], temperature: 2 }, /temperature/],
    ['a negative budget', { messages: [{ role: 'user', content: 'hi' }], limits: { maxTurns: -1 } }, /limits\.maxTurns/],
  ] as Array<[string, unknown, RegExp]>) {
    test(`client: rejects ${what} naming the field, before any workflow starts`, async () => {
      assert.throws(() => validateSessionInput(input), (error: unknown) => ValidationError.isInstance(error) && field.test(error.message));
      const workflowId = `rejected-${Math.random().toString(36).slice(2)}`;
      await assert.rejects(keel.worker.sessions.start(input as never, { workflowId }), (error: unknown) => {
        assert.ok(ValidationError.isInstance(error));
        assert.match(error.message, field);
        return true;
      });
      await assert.rejects(keel.environment.client.workflow.getHandle(workflowId).describe(), WorkflowNotFoundError);
    });
  }

  test('temporal CLI: an invalid input fails the workflow at once with a non-retryable InvalidSessionInput naming the field', async () => {
    const workflowId = `cli-invalid-${Date.now()}`;
    await temporal('workflow', 'start', '--type', 'agentSession', '--task-queue', keel.worker.taskQueue, '--workflow-id', workflowId, '--input', JSON.stringify({ mode: 'batch', messages: [] }));
    const handle = keel.environment.client.workflow.getHandle(workflowId);
    const error = await handle.result().then(() => assert.fail('should fail'), (failure: unknown) => failure);
    assert.ok(error instanceof WorkflowFailedError);
    assert.ok(error.cause instanceof ApplicationFailure);
    assert.equal(error.cause.type, 'InvalidSessionInput');
    assert.equal(error.cause.nonRetryable, true);
    assert.match(error.cause.message, /messages: at least one message is required/);
    assert.match(error.cause.message, /mode: /);
    const history = await handle.fetchHistory();
    assert.equal(history.events!.filter((event) => event.workflowTaskStartedEventAttributes).length, 1, 'failed on its first task, no retries');
    assert.ok(history.events!.some((event) => event.workflowExecutionFailedEventAttributes));
  });
});
