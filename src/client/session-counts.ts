/**
 * How many sessions are in each status (`GET /v1/sessions/counts`, the console's counts), by Temporal's
 * CountWorkflowExecutions over the list's own filter. Temporal's visibility stores group counts by `ExecutionStatus`
 * only (`GROUP BY KeelStatus` is refused: "'GROUP BY' clause is only supported for ExecutionStatus"), and a status
 * here is Keel's while a run lives or ended normally and Temporal's when it failed, so each status is counted on
 * its own, with the very clause the list filters by, all at once. Client-side.
 */
import type { Client } from '@temporalio/client';
import { sessionStatusSchema, type SessionStatus } from '../shared/schemas/session-messages.js';
import { executionEndings, sessionListQuery, type ExecutionEnding, type SessionListFilter } from './session-list-query.js';

/** A status a listed session may have: Keel's own, or the abnormal end of its run. */
export type ListedStatus = SessionStatus | ExecutionEnding;

/** Every status counted when the filter names none, in the order the contract lists them. */
export const listedStatuses: ListedStatus[] = [...sessionStatusSchema.options, ...(Object.keys(executionEndings) as ExecutionEnding[])];

export interface SessionCounts {
  /** Sessions per status: each status the filter names (every one when it names none), zeros included. */
  counts: Partial<Record<ListedStatus, number>>;
  /** Sessions the filter matches (a session whose first status is not published yet is in no status). */
  total: number;
}

/**
 * Counts the sessions `filter` matches, per status. A session that continued as new is counted once, by its latest
 * run. Through the visibility store, so a moment behind. @throws ValidationError for a value a query cannot hold.
 */
export async function countSessions(client: Client, filter: SessionListFilter = {}): Promise<SessionCounts> {
  const statuses: ListedStatus[] = filter.statuses && filter.statuses.length > 0 ? [...new Set(filter.statuses)] : listedStatuses;
  const latest: SessionListFilter = { ...filter, latestRunOnly: true };
  const [total, ...perStatus] = await Promise.all([
    client.workflow.count(sessionListQuery(latest)),
    ...statuses.map((status) => client.workflow.count(sessionListQuery({ ...latest, statuses: [status] }))),
  ]);
  return { counts: Object.fromEntries(statuses.map((status, index) => [status, perStatus[index]!.count])), total: total!.count };
}
