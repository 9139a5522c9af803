/**
 * One session as a visibility listing shows it (`keel list --json`, `GET /v1/sessions`): its status, profile and
 * figures from Keel's search attributes, and the first line of its task from the memo. Pure; client-side.
 */
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { keelCostUsdKey, keelProfileKey, keelStatusKey, keelTokensKey, keelTurnsKey } from '../shared/search-attributes.js';

/** One listed session. */
export interface ListedSession {
  workflowId: string;
  runId: string;
  /** Keel's status, or Temporal's when the run ended abnormally (failed, terminated, timed_out). */
  status: string;
  profile: string | undefined;
  turns: number | undefined;
  tokens: number | undefined;
  costUsd: number | undefined;
  startTime: string;
  closeTime: string | undefined;
  task: string | undefined;
}

const abnormalEnds: Record<string, string> = { FAILED: 'failed', TERMINATED: 'terminated', TIMED_OUT: 'timed_out', CANCELLED: 'cancelled' };

export function toListedSession(info: WorkflowExecutionInfo): ListedSession {
  const attributes = info.typedSearchAttributes;
  const memo = (info.memo ?? {}) as { task?: unknown };
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    status: abnormalEnds[info.status.name] ?? attributes.get(keelStatusKey) ?? info.status.name.toLowerCase(),
    profile: attributes.get(keelProfileKey),
    turns: attributes.get(keelTurnsKey),
    tokens: attributes.get(keelTokensKey),
    costUsd: attributes.get(keelCostUsdKey),
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString(),
    task: typeof memo.task === 'string' ? memo.task : undefined,
  };
}
