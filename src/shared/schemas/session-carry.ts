/**
 * What a session carries into its next run when it continues as new: everything its state holds except the
 * transcript, which goes by reference (archived segments in the content store). The second argument of
 * `agentSession`, set by Keel itself; clients never pass it. Bundle-safe.
 */
import { z } from 'zod';
import { contentBlockSchema, messageContentSchema } from './content.js';
import { limitsSchema } from './session-input.js';
import { sessionStatusSchema, usageSchema } from './session-messages.js';
import { transcriptSegmentSchema } from './transcript-archive.js';
import { blobRefSchema, contextRefSchema } from './transcript-ref.js';

export const CARRY_VERSION = 1;

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

const assistantTurnSchema = z.looseObject({
  messageId: z.string(),
  turn: z.number(),
  text: z.string(),
  content: z.array(contentBlockSchema),
  stopReason: z.string().nullable(),
  endedBy: z.string().optional(),
  usage: usageSchema,
});

export const sessionCarrySchema = z.object({
  version: z.literal(CARRY_VERSION),
  /** Runs before this one. */
  runs: z.number().int().positive(),
  /** The profile calls go to (the session's own, or the fallback it failed over to): kept for the session's life. */
  profile: z.looseObject({ name: z.string(), model: z.string() }),
  status: sessionStatusSchema,
  turn: z.number().int().nonnegative(),
  contextEpoch: z.number().int().nonnegative(),
  usage: usageSchema,
  limits: limitsSchema,
  finalText: z.string(),
  lastError: z.string().optional(),
  limitReached: z.string().optional(),
  interruptRequested: z.string().optional(),
  queue: z.array(z.object({ id: z.string(), content: messageContentSchema })),
  seenMessageIds: z.array(z.string()),
  answering: z.array(z.string()),
  recentReplies: z.array(assistantTurnSchema),
  transcript: z.object({
    total: z.number().int().nonnegative(),
    segments: z.array(transcriptSegmentSchema),
    /** The entries after the last assistant message, which may still change, inline. */
    tail: z.array(z.looseObject({ kind: z.enum(['message', 'marker']) })),
  }),
  context: z
    .object({ ref: contextRefSchema, epoch: z.number().int().nonnegative(), systemRef: blobRefSchema.optional() })
    .optional(),
  /** The spend ledger's and the budget guard's snapshots (`SpendLedger`, `BudgetGuard`). */
  spend: z.looseObject({ total: z.looseObject({}), byModel: z.record(z.string(), z.unknown()), recent: z.array(z.unknown()) }),
  budget: z.looseObject({ acknowledged: z.record(z.string(), z.number()) }),
  budgetPause: z.looseObject({ limit: z.string() }).optional(),
  failovers: z.array(z.looseObject({ turn: z.number() })),
  lastContextTokens: z.number().optional(),
  pendingContextReset: z.looseObject({}).optional(),
  systemInContext: z.boolean(),
  /** State that other parts of the workflow carry, by name (sandbox, approvals): each part reads its own. */
  extensions: z.record(z.string(), z.unknown()).default({}),
});

export type SessionCarry = z.infer<typeof sessionCarrySchema>;
