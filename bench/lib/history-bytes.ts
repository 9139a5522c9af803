/**
 * History sizes as the server stores and sends them: the encoded protobuf bytes of a workflow's events, summed over
 * every run of its continue-as-new chain.
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

const { temporal } = proto;
type History = proto.temporal.api.history.v1.IHistory;

/** Every run's history of a workflow id, oldest first, following continue-as-new links back from the latest run. */
export async function fetchHistoryChain(client: Client, workflowId: string): Promise<History[]> {
  const chain: History[] = [];
  let runId: string | undefined;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    chain.unshift(history);
    const previous = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) return chain;
    runId = previous;
  }
}

/** Encoded size of one history, bytes. */
export function historyBytes(history: History): number {
  return temporal.api.history.v1.History.encode(history).finish().byteLength;
}

export interface ChainSize {
  runs: number;
  /** All runs together, bytes. */
  totalBytes: number;
  /** The latest run alone, bytes: what a worker replays to rebuild the session. */
  latestRunBytes: number;
  /** Events in all runs. */
  events: number;
}

export async function chainSize(client: Client, workflowId: string): Promise<ChainSize> {
  const chain = await fetchHistoryChain(client, workflowId);
  const sizes = chain.map(historyBytes);
  return {
    runs: chain.length,
    totalBytes: sizes.reduce((sum, size) => sum + size, 0),
    latestRunBytes: sizes[sizes.length - 1],
    events: chain.reduce((sum, history) => sum + (history.events?.length ?? 0), 0),
  };
}
