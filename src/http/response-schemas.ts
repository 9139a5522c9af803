/**
 * What the HTTP API answers, as zod schemas for its OpenAPI document. Requests are validated with the session's own
 * schemas (src/shared/schemas/*); the answers here describe the `state` and `transcript` queries and the
 * `AssistantTurn` the workflow gives, which are TypeScript interfaces there. Each schema is checked against its
 * interface at compile time (`Fits` below), so a field the workflow renames or drops breaks the build here rather
 * than the document; objects are loose, so a field the workflow adds is allowed through. Server-side.
 */
import { z } from 'zod';
import { contentBlockSchema, messageContentSchema } from '../shared/schemas/content.js';
import { decideToolCallInputSchema, sessionStatusSchema, transcriptMarkerSchema, usageSchema } from '../shared/schemas/session-messages.js';
import type { AssistantTurn, PendingApproval, SessionStateView, TranscriptPage } from '../shared/schemas/session-messages.js';
import type { ListedSession } from '../client/listed-session.js';
import { listedStatuses, type ListedStatus, type SessionCounts } from '../client/session-counts.js';
import { limitsSchema } from '../shared/schemas/session-input.js';

/** A type without the index signatures of loose objects, at every depth (the interfaces have none). */
type Known<T> = T extends readonly (infer Item)[]
  ? Known<Item>[]
  : T extends object
    ? { [Key in keyof T as string extends Key ? never : Key]: Known<T[Key]> }
    : T;

/** Compiles only when every `Actual` value is a valid `Described` one. */
type Fits<Actual extends Known<Described>, Described> = Actual;

export const createdSessionSchema = z.object({ id: z.string() });

export const acceptedSchema = z.object({
  /** The message id, for `?wait=false` (the caller's, or one the API chose). */
  id: z.string().optional(),
  status: z.literal('accepted'),
});

export const listedSessionSchema = z.object({
  workflowId: z.string(),
  runId: z.string(),
  status: z.string(),
  profile: z.string().optional(),
  turns: z.number().optional(),
  tokens: z.number().optional(),
  costUsd: z.number().optional(),
  startTime: z.string(),
  closeTime: z.string().optional(),
  task: z.string().optional(),
});
export const sessionListSchema = z.object({ sessions: z.array(listedSessionSchema) });
export type _ListedSessionFits = Fits<ListedSession, z.infer<typeof listedSessionSchema>>;

/** `GET /v1/sessions/counts`: sessions per status (each status asked for, zeros included) and in all. */
export const sessionCountsSchema = z.object({
  counts: z.object(Object.fromEntries(listedStatuses.map((status) => [status, z.number().int().nonnegative().optional()])) as Record<ListedStatus, z.ZodOptional<z.ZodNumber>>),
  total: z.number().int().nonnegative(),
});
export type _SessionCountsFits = Fits<SessionCounts, z.infer<typeof sessionCountsSchema>>;

const pendingApprovalSchema = z.looseObject({ toolUseId: z.string(), tool: z.string(), input: z.unknown(), requestedAtTurn: z.number() });
export type _PendingApprovalFits = Fits<PendingApproval, z.infer<typeof pendingApprovalSchema>>;

const spendTotalsSchema = z.looseObject({
  calls: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  totalTokens: z.number(),
  costUsd: z.number(),
});

export const sessionStateSchema = z.looseObject({
  status: sessionStatusSchema,
  turn: z.number(),
  usage: usageSchema,
  pendingApprovals: z.array(pendingApprovalSchema),
  contextEpoch: z.number(),
  profile: z.string(),
  model: z.string(),
  mode: z.enum(['task', 'chat']),
  sandbox: z.looseObject({ provider: z.enum(['local', 'e2b', 'none']), id: z.string().optional() }),
  queuedMessages: z.number(),
  lastError: z.string().optional(),
  limitReached: z.string().optional(),
  primaryProfile: z.string(),
  failovers: z.array(z.looseObject({ turn: z.number(), fromProfile: z.string(), toProfile: z.string(), reason: z.string() })),
  limits: limitsSchema.loose(),
  budgetPause: z.looseObject({ limit: z.enum(['maxTokens', 'maxCostUsd']), softLimit: z.number(), used: z.number(), hardLimit: z.number() }).optional(),
  spend: z.looseObject({ total: spendTotalsSchema, byModel: z.record(z.string(), spendTotalsSchema), olderCalls: z.number() }),
  context: z.looseObject({
    strategy: z.enum(['none', 'reset', 'compact']),
    contextWindow: z.number(),
    lastInputTokens: z.number().optional(),
    triggerTokens: z.number().optional(),
    systemPrompt: z.boolean(),
  }),
});
export type _SessionStateFits = Fits<SessionStateView, z.infer<typeof sessionStateSchema>>;

const transcriptEntrySchema = z.union([
  z.looseObject({ kind: z.literal('message'), role: z.enum(['user', 'assistant']), content: messageContentSchema, turn: z.number(), epoch: z.number() }),
  z.looseObject({
    kind: z.literal('marker'),
    marker: transcriptMarkerSchema,
    turn: z.number(),
    epoch: z.number(),
    detail: z.string().optional(),
  }),
]);
export const transcriptPageSchema = z.looseObject({
  fromIndex: z.number(),
  total: z.number(),
  entries: z.array(transcriptEntrySchema),
  loading: z.boolean().optional(),
});
export type _TranscriptPageFits = Fits<TranscriptPage, z.infer<typeof transcriptPageSchema>>;

export const assistantTurnSchema = z.looseObject({
  messageId: z.string(),
  turn: z.number(),
  text: z.string(),
  content: z.array(contentBlockSchema),
  stopReason: z.string().nullable(),
  endedBy: z.string().optional(),
  usage: usageSchema,
});
export type _AssistantTurnFits = Fits<AssistantTurn, z.infer<typeof assistantTurnSchema>>;

/** `decideToolCall`'s answer: the call that waited, with the decision as recorded. */
export const toolDecisionSchema = pendingApprovalSchema.extend({ decision: decideToolCallInputSchema });

/** `raiseBudget`'s answer: the limits now. */
export const budgetSchema = z.object({ maxTokens: z.number().optional(), maxCostUsd: z.number().optional() });
