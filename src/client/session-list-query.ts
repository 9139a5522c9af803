/**
 * The visibility query behind `keel list` and `keel replay --since`: sessions by Keel status, profile and age,
 * through the contract's search attributes. The same text works in the Temporal UI's filter and in
 * `temporal workflow list --query`. Pure; client-side.
 */
import { ValidationError } from '../errors.js';
import { SESSION_WORKFLOW_TYPE } from '../shared/constants.js';
import { sessionStatusSchema, type SessionStatus } from '../shared/schemas/session-messages.js';
import { keelTenantKey } from '../shared/search-attributes.js';

/** Statuses the workflow itself cannot report, because its run ended abnormally; they come from Temporal's own. */
export const executionEndings = { failed: 'Failed', terminated: 'Terminated', timed_out: 'TimedOut' } as const;
export type ExecutionEnding = keyof typeof executionEndings;

export interface SessionListFilter {
  /** Keel statuses (`KeelStatus`), or `failed` / `terminated` / `timed_out` (Temporal's execution status). */
  statuses?: (SessionStatus | ExecutionEnding)[];
  /** Profile names (`KeelProfile`). */
  profiles?: string[];
  /** Only sessions started after this moment. */
  startedAfter?: Date;
  /** Only the sessions of this tenant (`KeelTenant`, from `metadata.tenant`). */
  tenant?: string;
  /** A raw visibility clause ANDed with the rest. */
  query?: string;
  /**
   * Only each session's latest run. Visibility keeps a row per run of a session that continued as new; the earlier
   * rows (`ContinuedAsNew`) hold the figures of their time, so a listing or a sum over them shows a session twice.
   */
  latestRunOnly?: boolean;
}

const finalStatuses: ReadonlySet<string> = new Set(['completed', 'cancelled', 'limit_reached']);

/** Quotes a keyword for a visibility query. @throws ValidationError on a value a query cannot hold. */
function quoted(value: string, what: string): string {
  if (/['"\\\n]/.test(value)) throw new ValidationError(`${what} "${value}" holds a quote or backslash, which a visibility query cannot take`, what);
  return `'${value}'`;
}

/** @throws ValidationError naming an unknown status. */
export function parseStatus(value: string): SessionStatus | ExecutionEnding {
  if (value in executionEndings) return value as ExecutionEnding;
  const parsed = sessionStatusSchema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(
      `unknown status "${value}"; expected one of ${[...sessionStatusSchema.options, ...Object.keys(executionEndings)].join(', ')}`,
      'status',
    );
  }
  return parsed.data;
}

function statusClause(status: SessionStatus | ExecutionEnding): string {
  if (status in executionEndings) return `ExecutionStatus = '${executionEndings[status as ExecutionEnding]}'`;
  // A session whose run failed keeps the last status it published; only a live run is really in a live status.
  return finalStatuses.has(status) ? `KeelStatus = ${quoted(status, 'status')}` : `(KeelStatus = ${quoted(status, 'status')} AND ExecutionStatus = 'Running')`;
}

/** The visibility query for `filter`, always restricted to the session workflow type. */
export function sessionListQuery(filter: SessionListFilter = {}): string {
  const clauses = [`WorkflowType = '${SESSION_WORKFLOW_TYPE}'`];
  if (filter.statuses && filter.statuses.length > 0) {
    const parts = filter.statuses.map(statusClause);
    clauses.push(parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`);
  }
  if (filter.profiles && filter.profiles.length > 0) {
    const parts = filter.profiles.map((profile) => `KeelProfile = ${quoted(profile, 'profile')}`);
    clauses.push(parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`);
  }
  if (filter.tenant !== undefined) clauses.push(`${keelTenantKey.name} = ${quoted(filter.tenant, 'tenant')}`);
  if (filter.startedAfter) clauses.push(`StartTime > '${filter.startedAfter.toISOString()}'`);
  if (filter.latestRunOnly) clauses.push(`ExecutionStatus != 'ContinuedAsNew'`);
  if (filter.query && filter.query.trim() !== '') clauses.push(`(${filter.query})`);
  return clauses.join(' AND ');
}
