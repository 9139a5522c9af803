/**
 * A `sendMessage` update that the server lost before the workflow accepted it (seen on a loaded machine: the
 * workflow task carrying it timed out, and the client's wait ended in `update "<id>" not found` while the session
 * was alive) is sent again under the same id, and the message is applied once.
 */
import { ServiceError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { executeUpdateResendingLost } from '../../src/client/resend-lost-update.js';
import { sendMessageUpdate } from '../../src/shared/messages.js';
import { useKeel } from '../harness/use-keel.js';
import { waitForStatus } from '../harness/wait-for.js';

const reply = (text: string) => ({ kind: 'message' as const, content: [{ type: 'text' as const, text }] });

describe('lost updates', () => {
  const keel = useKeel({ model: {}, worker: {} });

  test('sendMessage: an update the server answers "not found" for is sent again under the same id, and the message is applied once', async () => {
    keel.model.push(reply('hello'), reply('second answer'));
    const handle = await keel.worker.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'hi' }] });
    await waitForStatus(handle, 'waiting_for_input', 'the first turn to end');
    // The error a real server gives when it has no update under an id, as the client's wait sees it.
    const lost = await handle.workflow.getUpdateHandle('an-update-the-server-never-had').result().catch((error: unknown) => error);
    assert.ok(lost instanceof WorkflowNotFoundError, `the server's answer: ${String(lost)}`);
    assert.match(lost.message, /^update ".*" not found/);

    // The first send meets that answer (as after a loss on the server), the second goes through.
    const updateIds: string[] = [];
    let sends = 0;
    const losingOnce = new Proxy(handle.workflow, {
      get(target, property, receiver) {
        if (property !== 'executeUpdate') return Reflect.get(target, property, receiver);
        return async (...args: Parameters<WorkflowHandle['executeUpdate']>) => {
          updateIds.push((args[1] as { updateId: string }).updateId);
          sends += 1;
          if (sends === 1) throw lost;
          return target.executeUpdate(...args);
        };
      },
    });
    const message = { content: 'second', id: 'message-2' };
    const turn = await executeUpdateResendingLost(losingOnce, sendMessageUpdate, [message], message.id);
    assert.equal(turn.text, 'second answer');
    assert.deepEqual(updateIds, ['message-2', 'message-2']);

    // Sent once more under the same id after it was applied: the server answers with the outcome it has.
    const again = await executeUpdateResendingLost(handle.workflow, sendMessageUpdate, [message], message.id);
    assert.equal(again.text, 'second answer');
    const transcript = await handle.fullTranscript();
    const userTexts = transcript.filter((entry) => entry.kind === 'message' && entry.role === 'user').map((entry) => JSON.stringify(entry.kind === 'message' ? entry.content : ''));
    assert.equal(userTexts.filter((text) => text.includes('second')).length, 1);
    await handle.cancel();
  });

  test('sendMessage: an update whose sending ended in Unavailable (the server cleared its update registry) is sent again', async () => {
    keel.model.push(reply('hello'), reply('after unavailable'));
    const handle = await keel.worker.sessions.start({ profile: 'test', mode: 'chat', messages: [{ role: 'user', content: 'hi' }] });
    await waitForStatus(handle, 'waiting_for_input', 'the first turn to end');
    // The shape the client gives a gRPC UNAVAILABLE answer to UpdateWorkflowExecution once its own retries ran out.
    const unavailable = new ServiceError('Workflow Update failed', { cause: Object.assign(new Error('14 UNAVAILABLE: Workflow Update was aborted.'), { code: 14 }) });
    let sends = 0;
    const unavailableOnce = new Proxy(handle.workflow, {
      get(target, property, receiver) {
        if (property !== 'executeUpdate') return Reflect.get(target, property, receiver);
        return async (...args: Parameters<WorkflowHandle['executeUpdate']>) => {
          sends += 1;
          if (sends === 1) throw unavailable;
          return target.executeUpdate(...args);
        };
      },
    });
    const message = { content: 'again', id: 'message-u' };
    const turn = await executeUpdateResendingLost(unavailableOnce, sendMessageUpdate, [message], message.id);
    assert.equal(turn.text, 'after unavailable');
    assert.equal(sends, 2);
    await handle.cancel();
  });

  test('sendMessage: any other error is not sent again', async () => {
    const handle = keel.environment.client.workflow.getHandle('a-session-that-does-not-exist');
    let sends = 0;
    const counting = new Proxy(handle, {
      get(target, property, receiver) {
        if (property !== 'executeUpdate') return Reflect.get(target, property, receiver);
        return (...args: Parameters<WorkflowHandle['executeUpdate']>) => {
          sends += 1;
          return target.executeUpdate(...args);
        };
      },
    });
    await assert.rejects(executeUpdateResendingLost(counting, sendMessageUpdate, [{ content: 'x', id: 'm' }], 'm'), WorkflowNotFoundError);
    assert.equal(sends, 1);
  });
});
