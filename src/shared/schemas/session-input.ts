/** `SessionInput`: the one argument of the `agentSession` workflow (README.md, "The public contract"). Bundle-safe. */
import { z } from 'zod';
import { stringMatching } from './string-matching.js';
import { messageSchema } from './content.js';
import { boundedCount, MAX_COST_USD, MAX_SANDBOX_SECONDS, MAX_TOKENS, MAX_TURNS, MAX_WAIT_SECONDS } from './input-bounds.js';
import { conversationProblem } from './message-rules.js';
import { sessionReplaySchema } from './recorded-tool-calls.js';

export const sandboxSchema = z.strictObject({
  provider: z.enum(['local', 'e2b', 'none']),
  template: z.string().min(1).optional(),
  timeoutSeconds: boundedCount(MAX_SANDBOX_SECONDS).optional(),
  network: z.boolean().optional(),
  /**
   * Start the local sandbox from a snapshot another session took at a turn boundary (`keel fork`): its files as
   * they were then. Local sandboxes only.
   */
  fromSnapshot: stringMatching(/^[A-Za-z0-9._-]+$/, 'a snapshot id: letters, digits, dot, dash, underscore').optional(),
});

/** Every duration and count has an upper bound (input-bounds.ts): a timer must stay a finite number of milliseconds. */
export const limitsSchema = z.strictObject({
  maxTurns: boundedCount(MAX_TURNS).optional(),
  maxTokens: boundedCount(MAX_TOKENS).optional(),
  maxCostUsd: z.number().positive().max(MAX_COST_USD).optional(),
  idleTimeoutSeconds: z.number().positive().max(MAX_WAIT_SECONDS).optional(),
  /** Fraction of `maxTokens` / `maxCostUsd` at which the session pauses in `waiting_for_budget` until `raiseBudget`. */
  softLimitFraction: z.number().gt(0).max(1).optional(),
  /** How long a tool call in `approval.tools` waits for a decision; none counts as a denial. @default no limit */
  approvalTimeoutSeconds: z.number().positive().max(MAX_WAIT_SECONDS).optional(),
});

/**
 * Read access to another session's stored content and snapshots, set by `keel fork`: `grant` is
 * HMAC-SHA256(workers' KEEL_GRANT_KEY, "keel-fork\0" + from + "\0" + this session's id), checked by the worker.
 */
export const forkGrantSchema = z.strictObject({
  from: z.string().min(1).max(1000),
  grant: stringMatching(/^[0-9a-f]{64}$/, 'an HMAC-SHA256 as 64 lowercase hex digits'),
});
export type ForkGrant = z.infer<typeof forkGrantSchema>;

export const sessionInputSchema = z.strictObject({
  profile: z.string().min(1).default('default'),
  system: z.string().optional(),
  messages: z.array(messageSchema).min(1, 'at least one message is required'),
  tools: z.array(z.string().min(1)).default([]),
  sandbox: sandboxSchema.optional(),
  mode: z.enum(['task', 'chat']).default('task'),
  limits: limitsSchema.default({}),
  approval: z.strictObject({ tools: z.array(z.string().min(1)).default([]) }).default({ tools: [] }),
  metadata: z.record(z.string(), z.string()).default({}),
  /** Set by `keel fork`: read access to the source session's content, checked before the first step. */
  fork: forkGrantSchema.optional(),
  /** Set by `keel eval`: the recorded session's tool calls, answered from the record when matched (recorded-tool-calls.ts). */
  replay: sessionReplaySchema.optional(),
}).superRefine((input, context) => {
  // The recorded results may name the source's stored blocks and snapshots: only its grant holder may replay it.
  if (input.replay && input.fork?.from !== input.replay.from) {
    context.addIssue({ code: 'custom', path: ['replay', 'from'], message: 'replay needs `fork` for the same source session (its grant, made by `keel eval`)' });
  }
  // What the Messages API would refuse fails here, naming the field, instead of at the first model call.
  const problem = conversationProblem(input.messages);
  if (problem) context.addIssue({ code: 'custom', path: ['messages', ...problem.path], message: problem.message });
});

/** What a client sends (defaults may be left out). */
export type SessionInputRequest = z.input<typeof sessionInputSchema>;
/** What the workflow works with (defaults filled in). */
export type SessionInput = z.output<typeof sessionInputSchema>;
export type SessionLimits = z.infer<typeof limitsSchema>;
export type SandboxOptions = z.infer<typeof sandboxSchema>;
