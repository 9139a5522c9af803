/**
 * Sends an update under a fixed update id, and sends it again when the server answers that it no longer knows it.
 *
 * An update the server has admitted but the workflow has not yet accepted lives only in the server's memory (the
 * update registry of the workflow's cached state). When that is lost before the workflow accepts the update (the
 * workflow task that carried it timed out on a busy worker, the state was evicted, a history shard moved), the
 * client's wait for the outcome fails with `update "<id>" not found`, although the workflow is alive and nothing
 * was applied. Sending it again under the same id is safe either way: the server returns the outcome of an update
 * it accepted under that id, and Keel's handlers apply a message id once.
 */
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { setTimeout as sleep } from 'node:timers/promises';

/** Tries after the first; a loss is rare, several in a row mean something else is wrong. */
const RESENDS = 5;

function isLostUpdate(error: unknown): boolean {
  return error instanceof WorkflowNotFoundError && /^update ".*" not found/.test(error.message);
}

export async function executeUpdateResendingLost<Ret, Args extends [unknown]>(
  workflow: WorkflowHandle,
  update: UpdateDefinition<Ret, Args>,
  args: Args,
  updateId: string,
): Promise<Ret> {
  for (let resend = 0; ; resend += 1) {
    try {
      return await workflow.executeUpdate(update, { args, updateId });
    } catch (error) {
      if (!isLostUpdate(error) || resend >= RESENDS) throw error;
      await sleep(200 * (resend + 1));
    }
  }
}
