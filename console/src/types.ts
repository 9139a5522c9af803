/**
 * What the console reads from the API: the shapes of its answers (see `GET /v1/openapi.json`), only the fields used.
 * Types shared with the server come from src/shared as types only, so no server code enters the bundle.
 */

import type { SessionStatus, Usage } from '../../src/shared/schemas/session-status.js';

export type { Usage };

export interface ListedSession {
  workflowId: string;
  status: string;
  profile?: string;
  turns?: number;
  tokens?: number;
  costUsd?: number;
  startTime: string;
  closeTime?: string;
  task?: string;
}

/** `GET /v1/sessions/counts`: sessions per status, of all that the filters match (not only the listed page). */
export interface SessionCounts {
  counts: Record<string, number>;
  total: number;
}

export interface PendingApproval {
  toolUseId: string;
  tool: string;
  input: unknown;
  requestedAtTurn: number;
}

export interface SpendEntry {
  turn: number;
  kind: string;
  profile: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface SessionState {
  status: string;
  turn: number;
  usage: Usage;
  pendingApprovals: PendingApproval[];
  profile: string;
  model: string;
  mode: 'task' | 'chat';
  lastError?: string;
  limitReached?: string;
  limits: { maxTokens?: number; maxCostUsd?: number; maxTurns?: number };
  budgetPause?: { limit: string; softLimit: number; used: number; hardLimit: number };
  spend: { total: { costUsd: number; totalTokens: number; calls: number }; recent: SpendEntry[]; olderCalls: number };
  children?: { id: string; status: string; turns: number; usage: Usage }[];
}

export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string }
  | { type: 'redacted_thinking' }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; content?: string | { type: string; text?: string }[]; is_error?: boolean }
  | { type: 'image' | 'document' | 'search_result' };

export type TranscriptEntry =
  | { kind: 'message'; role: 'user' | 'assistant'; content: string | ContentBlock[]; turn: number; epoch: number }
  | { kind: 'marker'; marker: string; turn: number; epoch: number; detail?: string };

export interface TranscriptPage {
  fromIndex: number;
  total: number;
  entries: TranscriptEntry[];
  loading?: boolean;
}

export interface ConsoleSettings {
  temporalUiUrl: string | null;
  namespace: string;
}

/**
 * What the filter offers for each status a session may have: Keel's own (checked against the session's type at
 * compile time, so a status added there must be added here) and Temporal's abnormal ends.
 */
const statusChoices: Record<SessionStatus | 'failed' | 'terminated' | 'timed_out', true> = {
  running: true,
  waiting_for_input: true,
  waiting_for_approval: true,
  waiting_for_budget: true,
  completed: true,
  cancelled: true,
  limit_reached: true,
  failed: true,
  terminated: true,
  timed_out: true,
};
export const statuses = Object.keys(statusChoices);

export const endedStatuses: ReadonlySet<string> = new Set(['completed', 'cancelled', 'limit_reached', 'failed', 'terminated', 'timed_out']);
