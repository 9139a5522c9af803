/**
 * The session's signal, update and query definitions. Their string names are stored in history and are part of
 * the public contract: never rename them. Bundle-safe.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  AssistantTurn,
  DecideToolCallInput,
  InterruptInput,
  PendingApproval,
  RaiseBudgetInput,
  ResetContextInput,
  SessionStateView,
  SwitchProfileInput,
  SwitchProfileResult,
  TranscriptPage,
  TranscriptQueryInput,
  UserMessageInput,
} from './schemas/session-messages.js';
import type { BudgetLease, ChildReport } from './schemas/sub-agents.js';

export const sendMessageUpdate = defineUpdate<AssistantTurn, [UserMessageInput]>('sendMessage');
export const userMessageSignal = defineSignal<[UserMessageInput]>('userMessage');
export const resetContextSignal = defineSignal<[ResetContextInput?]>('resetContext');
export const decideToolCallUpdate = defineUpdate<PendingApproval & { decision: DecideToolCallInput }, [DecideToolCallInput]>(
  'decideToolCall',
);
export const raiseBudgetUpdate = defineUpdate<{ maxTokens?: number; maxCostUsd?: number }, [RaiseBudgetInput]>('raiseBudget');
/** Moves the session to another profile before its next model call (a `profile-switch` marker records it). */
export const switchProfileUpdate = defineUpdate<SwitchProfileResult, [SwitchProfileInput]>('switchProfile');
export const interruptSignal = defineSignal<[InterruptInput?]>('interrupt');
/** Sent by a sub-agent to its parent after each of its model calls (Keel's own; a parent drops one from a stranger). */
export const childReportSignal = defineSignal<[ChildReport]>('childReport');
/** Sent by a parent to a sub-agent that asked for a budget lease (Keel's own; a lease nobody asked for is dropped). */
export const budgetLeaseSignal = defineSignal<[BudgetLease]>('budgetLease');

export const stateQuery = defineQuery<SessionStateView>('state');
export const transcriptQuery = defineQuery<TranscriptPage, [TranscriptQueryInput?]>('transcript');
