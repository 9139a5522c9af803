/**
 * Measures a workflow's Temporal history across its runs: each run's events as the server stores them (the
 * protobuf encoding of the run's `History`), following continue-as-new from the first run to the last.
 */
import type { Client } from '@temporalio/client';
import proto, { type temporal as protoTypes } from '@temporalio/proto';

// The package is CommonJS: its namespace comes from the default export at run time, its types by name.
const { temporal } = proto;

export interface RunHistory {
  runId: string;
  events: number;
  /** Bytes of the run's history, protobuf-encoded. */
  bytes: number;
  /** The largest single event, bytes. */
  largestEventBytes: number;
  continuedAsNew: boolean;
  history: protoTypes.api.history.v1.IHistory;
}

export async function runHistories(client: Client, workflowId: string, firstRunId: string): Promise<RunHistory[]> {
  const runs: RunHistory[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: protoTypes.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events: protoTypes.api.history.v1.IHistoryEvent[] = history.events ?? [];
    const bytes = temporal.api.history.v1.History.encode(history).finish().length;
    const largestEventBytes = Math.max(0, ...events.map((event) => temporal.api.history.v1.HistoryEvent.encode(event).finish().length));
    const last: protoTypes.api.history.v1.IHistoryEvent | undefined = events.at(-1);
    const next: string | undefined = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    runs.push({ runId, events: events.length, bytes, largestEventBytes, continuedAsNew: next !== undefined, history });
    runId = next;
  }
  return runs;
}

/** Bytes of the data of a set of payloads (an event's input or result). */
export function temporalPayloadBytes(payloads: protoTypes.api.common.v1.IPayloads | null | undefined): number {
  return (payloads?.payloads ?? []).reduce((sum, payload) => sum + (payload.data?.length ?? 0), 0);
}
