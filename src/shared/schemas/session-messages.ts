/**
 * Arguments and results of the session's signals, updates and queries (README.md, "The public contract").
 * Bundle-safe.
 */
import { z } from 'zod';
import type { SessionStatus, Usage } from './session-status.js';
import { type contentBlockSchema, messageContentSchema, type messageSchema } from './content.js';
import type { FailoverEvent } from './failover-event.js';
import { boundedCount, clientIdSchema, MAX_COST_USD, MAX_ID_CHARACTERS, MAX_TOKENS, reasonSchema } from './input-bounds.js';
import { userContentProblem } from './message-rules.js';
import type { SessionLimits } from './session-input.js';
import type { SoftLimitHit, SpendLedgerView } from './spend.js';
import type { ChildSessionView } from './sub-agents.js';

/** `sendMessage` and `userMessage`: content the API takes as a user turn, with no stored block of Keel's in it. */
export const userMessageInputSchema = z
  .strictObject({
    content: messageContentSchema,
    id: clientIdSchema.optional(),
  })
  .superRefine((message, context) => {
    const problem = userContentProblem(message.content);
    if (problem) context.addIssue({ code: 'custom', path: ['content', ...problem.path], message: problem.message });
  });
export type UserMessageInput = z.infer<typeof userMessageInputSchema>;

export const resetContextInputSchema = z.strictObject({
  strategy: z.enum(['compact', 'clear']).optional(),
  reason: reasonSchema.optional(),
});
export type ResetContextInput = z.infer<typeof resetContextInputSchema>;

export const interruptInputSchema = z.strictObject({ reason: reasonSchema.optional() });
export type InterruptInput = z.infer<typeof interruptInputSchema>;

export const decideToolCallInputSchema = z.strictObject({
  toolUseId: clientIdSchema,
  approve: z.boolean(),
  /** Edited input for the tool: an object, as the model's own input is. */
  input: z.record(z.string(), z.unknown()).optional(),
  result: z.string().optional(),
  reason: reasonSchema.optional(),
});
export type DecideToolCallInput = z.infer<typeof decideToolCallInputSchema>;

/** `switchProfile`: the profile the session moves to at its next model call, and why. */
export const switchProfileInputSchema = z.strictObject({
  profile: z.string().min(1).max(MAX_ID_CHARACTERS),
  reason: reasonSchema.optional(),
});
export type SwitchProfileInput = z.infer<typeof switchProfileInputSchema>;

/** The answer to `switchProfile`: the profile resolved, which the session moves to before its next model call. */
export interface SwitchProfileResult {
  profile: string;
  model: string;
  /** The profile in use when the switch was asked for. */
  fromProfile: string;
}

export const raiseBudgetInputSchema = z.strictObject({
  maxTokens: boundedCount(MAX_TOKENS).optional(),
  maxCostUsd: z.number().positive().max(MAX_COST_USD).optional(),
});
export type RaiseBudgetInput = z.infer<typeof raiseBudgetInputSchema>;

/** `state` takes no argument; a client may send nothing, null or an empty object. */
export const stateQueryInputSchema = z.strictObject({}).nullish();

export const transcriptQueryInputSchema = z.strictObject({ fromIndex: z.number().int().nonnegative().optional() });
export type TranscriptQueryInput = z.infer<typeof transcriptQueryInputSchema>;

export { sessionStatusSchema, usageSchema, type SessionStatus, type Usage } from './session-status.js';

/** The reply to a `sendMessage` update: what the assistant said in the turn that answered it. */
export interface AssistantTurn {
  /** The message id the reply answers (the caller's or one Keel assigned). */
  messageId: string;
  /** The turn number that ended with this reply. */
  turn: number;
  /** The text of the assistant's final message in that turn. */
  text: string;
  /** The full content of that final message. */
  content: z.infer<typeof contentBlockSchema>[];
  stopReason: string | null;
  /** Why the turn ended when it was not the model's own end: `interrupted`, or the session's end status. */
  endedBy?: string;
  usage: Usage;
}

/** A transcript entry: a message the model saw, or a marker Keel inserted (context reset, interruption). */
export type TranscriptEntry =
  | (z.infer<typeof messageSchema> & { kind: 'message'; turn: number; epoch: number })
  | { kind: 'marker'; marker: TranscriptMarker; turn: number; epoch: number; detail?: string };

/**
 * Markers in the transcript (never sent to the model). `tool-decision` records a reviewer's decision on a tool
 * call waiting for approval (or its timeout); `detail` names the call and the decision. `profile-switch` records a
 * move to another profile (`switchProfile`, or an edited profile read again at continue-as-new).
 * `continued-as-new` records where the session went on in a new run; `detail` names the run and why. One schema
 * for every place that validates or describes transcript entries (the carried state, the HTTP API's document).
 */
export const transcriptMarkerSchema = z.enum([
  'context-reset',
  'interrupted',
  'limit-reached',
  'failover',
  'tool-decision',
  'profile-switch',
  'continued-as-new',
]);
export type TranscriptMarker = z.infer<typeof transcriptMarkerSchema>;

export interface TranscriptPage {
  fromIndex: number;
  total: number;
  entries: TranscriptEntry[];
  /**
   * True while a run that continued as new is still reading back earlier entries: `entries` may be empty before
   * `total`; ask again shortly.
   */
  loading?: boolean;
}

/** A tool call waiting for a human decision (listed in `state.pendingApprovals`). */
export interface PendingApproval {
  toolUseId: string;
  tool: string;
  /** The input as the model sent it. */
  input: unknown;
  requestedAtTurn: number;
}

/** The answer to the `state` query. */
export interface SessionStateView {
  status: SessionStatus;
  turn: number;
  usage: Usage;
  pendingApprovals: PendingApproval[];
  contextEpoch: number;
  profile: string;
  model: string;
  mode: 'task' | 'chat';
  sandbox: { provider: 'local' | 'e2b' | 'none'; id?: string };
  queuedMessages: number;
  lastError?: string;
  limitReached?: string;
  /** The profile the session started with (`profile` names the one in use, a fallback after failover). */
  primaryProfile: string;
  /** Switches to fallback profiles, oldest first. */
  failovers: FailoverEvent[];
  /** The profile a `switchProfile` named, until the session moves to it before its next model call. */
  pendingProfile?: string;
  /** The session's limits now (input over profile defaults, raised by `raiseBudget`). */
  limits: SessionLimits;
  /** The soft limit the session waits on, while `status` is `waiting_for_budget`. */
  budgetPause?: SoftLimitHit;
  /** Tokens and cost per call, per model, per profile and in total; with sub-agents, of the whole tree. */
  spend: SpendLedgerView;
  /** The sub-agents `spawn_agent` started, oldest first. */
  children: ChildSessionView[];
  /** The context window as the policy sees it. */
  context: {
    strategy: 'none' | 'reset' | 'compact';
    contextWindow: number;
    /** Real input tokens of the last call in this context epoch; absent right after a reset. */
    lastInputTokens?: number;
    /** Input tokens at which the policy resets on its own; absent with strategy `none`. */
    triggerTokens?: number;
    /** False once a reset dropped the system prompt. */
    systemPrompt: boolean;
  };
}

/** The workflow's result. */
export interface SessionResult {
  status: 'completed' | 'cancelled' | 'limit_reached';
  finalText: string;
  turns: number;
  usage: Usage;
  /** Which limit ended the session, when `status` is `limit_reached`. */
  limit?: string;
}
