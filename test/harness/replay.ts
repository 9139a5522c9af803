/**
 * Replays sessions' recorded histories against the workflow bundle the tests run: a history that no longer replays
 * (a nondeterministic change to the workflow) fails the test naming the session.
 */
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { SessionHandle } from '../../src/client/session-client.js';

/** Fetches each session's history (open or closed) and replays it; throws on the first that does not replay. */
export async function assertHistoriesReplay(bundle: WorkflowBundleWithSourceMap, handles: SessionHandle[]): Promise<void> {
  const histories = await Promise.all(
    handles.map(async (handle) => ({ workflowId: handle.workflowId, history: await handle.workflow.fetchHistory() })),
  );
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, replayName: 'keel-replay-check' }, histories)) {
    if (result.error) throw new Error(`history of ${result.workflowId} does not replay: ${String(result.error)}`, { cause: result.error });
  }
}
