/**
 * What a session carries into its next run when it continues as new: one object, each of whose parts belongs to
 * the part of the workflow that writes it (`toCarry()`) and reads it back (`fromCarry()` or its constructor): the
 * session state, the transcript (by reference: archived segments in the content store), the model context and the
 * tools. The second argument of `agentSession`, set by Keel itself; clients never pass it. Bundle-safe.
 */
import { z } from 'zod';
import { contentBlockSchema, messageContentSchema } from './content.js';
import { limitsSchema } from './session-input.js';
import { resolvedProfileSchema } from './profile.js';
import { resetContextInputSchema, sessionStatusSchema, transcriptMarkerSchema, usageSchema } from './session-messages.js';
import { nanoSpendSchema, nanoTotalsSchema } from './spend.js';
import { childSessionSchema } from './sub-agents.js';
import { transcriptSegmentSchema } from './transcript-archive.js';
import { blobRefSchema, contextRefSchema } from './stored-block.js';

/** 2: the carry made of one part per owner (1 was flat). */
export const CARRY_VERSION = 2;

/**
 * `AssistantTurn.endedBy` when a session had to continue as new while a `sendMessage` caller was still waiting (a
 * turn so long that the history neared its limits): the reply is not this one. Send the same message id again to
 * wait for it in the new run; Keel's client does so by itself.
 */
export const CONTINUED_AS_NEW = 'continued-as-new';

/** How many message ids a session remembers across runs, to ignore a repeated `userMessage`/`sendMessage`. */
export const CARRIED_MESSAGE_IDS = 1000;

/** How many recent replies go along, for a `sendMessage` retried with the same id after the switch. */
export const CARRIED_REPLIES = 8;

const assistantTurnSchema = z.strictObject({
  messageId: z.string(),
  turn: z.number().int().nonnegative(),
  text: z.string(),
  content: z.array(contentBlockSchema),
  stopReason: z.string().nullable(),
  endedBy: z.string().optional(),
  usage: usageSchema,
});

const count = z.number().int().nonnegative();

const spendEntrySchema = z.strictObject({
  turn: count,
  kind: z.enum(['turn', 'compaction']),
  profile: z.string(),
  model: z.string(),
  inputTokens: count,
  outputTokens: count,
  cacheReadInputTokens: count,
  cacheCreationInputTokens: count,
  costUsd: z.number().nonnegative(),
});

const budgetLimitSchema = z.enum(['maxTokens', 'maxCostUsd']);

const failoverEventSchema = z.strictObject({
  turn: count,
  fromProfile: z.string(),
  fromModel: z.string(),
  toProfile: z.string(),
  toModel: z.string(),
  reason: z.string(),
  message: z.string(),
});

const transcriptEntrySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('message'), role: z.enum(['user', 'assistant']), content: messageContentSchema, turn: count, epoch: count }),
  z.strictObject({
    kind: z.literal('marker'),
    marker: transcriptMarkerSchema,
    turn: count,
    epoch: count,
    detail: z.string().optional(),
  }),
]);

/**
 * The state the tools part carries (`SessionTools.toCarry`): the sandbox's reference, and in an eval session
 * (`replay`) which recorded calls were already answered, by their index.
 */
export const carriedToolsSchema = z.strictObject({
  sandbox: z.strictObject({ provider: z.enum(['local', 'e2b']), id: z.string().min(1), sessionId: z.string().min(1) }).optional(),
  replayed: z.array(count).optional(),
});
export type CarriedTools = z.infer<typeof carriedToolsSchema>;

/** The session state's part (`SessionState.toCarry`): everything it holds but the transcript. */
export const carriedSessionStateSchema = z.strictObject({
  /**
   * The profile calls go to (the session's own, a canary, one `switchProfile` named, or the fallback it failed over
   * to). A continued run resolves its name again, so that an edit to it reaches the session.
   */
  profile: resolvedProfileSchema,
  status: sessionStatusSchema,
  turn: count,
  contextEpoch: count,
  usage: usageSchema,
  limits: limitsSchema,
  finalText: z.string(),
  lastError: z.string().optional(),
  limitReached: z.string().optional(),
  interruptRequested: z.string().optional(),
  queue: z.array(z.strictObject({ id: z.string(), content: messageContentSchema })),
  seenMessageIds: z.array(z.string()),
  answering: z.array(z.string()),
  recentReplies: z.array(assistantTurnSchema),
  /** The spend ledger's and the budget guard's snapshots (`SpendLedger`, `BudgetGuard`). */
  spend: z.strictObject({
    total: nanoTotalsSchema,
    byModel: z.record(z.string(), nanoTotalsSchema),
    byProfile: z.record(z.string(), nanoTotalsSchema),
    recent: z.array(spendEntrySchema),
    olderCalls: count,
  }),
  /** Each sub-agent's spend as it last reported it, by its workflow id. */
  childSpend: z.record(z.string(), nanoSpendSchema),
  budget: z.strictObject({ acknowledged: z.strictObject({ maxTokens: z.number().optional(), maxCostUsd: z.number().optional() }) }),
  budgetPause: z
    .strictObject({ limit: budgetLimitSchema, softLimit: z.number(), used: z.number(), hardLimit: z.number() })
    .optional(),
  failovers: z.array(failoverEventSchema),
  /** A `switchProfile` not applied yet: the next run resolves this name and applies it before its first model call. */
  pendingProfileSwitch: z.strictObject({ profile: z.string().min(1), reason: z.string().optional() }).optional(),
  lastContextTokens: count.optional(),
  pendingContextReset: resetContextInputSchema.optional(),
  systemInContext: z.boolean(),
});
export type CarriedSessionState = z.infer<typeof carriedSessionStateSchema>;

/** The transcript's part (`TranscriptArchive.toCarry`): archived segments, and what may still change inline. */
export const carriedTranscriptSchema = z.strictObject({
  total: count,
  segments: z.array(transcriptSegmentSchema),
  /** The entries after the last assistant message, which may still change, inline. */
  tail: z.array(transcriptEntrySchema),
});
export type CarriedTranscript = z.infer<typeof carriedTranscriptSchema>;

/** The model context's part (`SessionContext.toCarry`): the stored context the model activity goes on from. */
export const carriedContextSchema = z.strictObject({ ref: contextRefSchema, epoch: count, systemRef: blobRefSchema.optional() });
export type CarriedContext = z.infer<typeof carriedContextSchema>;

/** The sub-agents' part (`SubAgents.toCarry`): how many were started (the next one's number) and each one's state. */
export const carriedSubAgentsSchema = z.strictObject({
  started: count,
  children: z.array(childSessionSchema),
});
export type CarriedSubAgents = z.infer<typeof carriedSubAgentsSchema>;

/**
 * Parsed whole and strictly, every field typed: a carry that does not fit fails the run at once, never a workflow
 * task later on.
 */
export const sessionCarrySchema = z.strictObject({
  version: z.literal(CARRY_VERSION),
  /** Runs before this one. */
  runs: z.number().int().positive(),
  state: carriedSessionStateSchema,
  transcript: carriedTranscriptSchema,
  context: carriedContextSchema.optional(),
  tools: carriedToolsSchema,
  subAgents: carriedSubAgentsSchema,
});

export type SessionCarry = z.infer<typeof sessionCarrySchema>;
