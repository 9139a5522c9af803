/**
 * Sends an update under a fixed update id, and sends it again when the server answers that it no longer knows it.
 *
 * An update the server has admitted but the workflow has not yet accepted lives only in the server's memory (the
 * update registry of the workflow's cached state). When that registry is cleared before the workflow accepts the
 * update (the workflow task that carried it timed out on a busy worker, the state was evicted from the server's
 * cache, a history shard moved), the server retries internally, and when those retries run out the client sees
 * `Unavailable` (sending it) or `update "<id>" not found` (waiting for its outcome), although the workflow is alive
 * and nothing was applied. The server's own design notes say the client should then send the update again. Sending
 * it under the same id is safe either way: the server answers an update id it accepted with that update's outcome,
 * and Keel's handlers apply a message id once.
 */
import { ServiceError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { setTimeout as sleep } from 'node:timers/promises';

/** gRPC's status code `UNAVAILABLE` (a fixed number of the gRPC protocol). */
const GRPC_UNAVAILABLE = 14;

/** Tries after the first; a loss is rare, several in a row mean something else is wrong. */
const RESENDS = 5;

function isLostUpdate(error: unknown): boolean {
  if (error instanceof WorkflowNotFoundError) return /^update ".*" not found/.test(error.message);
  return error instanceof ServiceError && (error.cause as { code?: unknown } | undefined)?.code === GRPC_UNAVAILABLE;
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
