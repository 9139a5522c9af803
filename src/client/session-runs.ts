/**
 * A session's runs: the first, then each that a continue-as-new started, up to the current one. Client-side.
 */
import type { Client } from '@temporalio/client';

/** The run ids of a workflow, first to last, following its continue-as-new chain. */
export async function sessionRunIds(client: Client, workflowId: string): Promise<string[]> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const runs = [description.raw.workflowExecutionInfo?.firstRunId || description.runId];
  while (runs.at(-1) !== description.runId) {
    const history = await client.workflow.getHandle(workflowId, runs.at(-1)).fetchHistory();
    const next = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!next) break;
    runs.push(next);
  }
  return runs;
}
