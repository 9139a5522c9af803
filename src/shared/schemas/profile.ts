/**
 * A model profile: everything model-specific about how a session runs (model id, limits, prices, timeouts,
 * retries, thinking, prompt caching, sampling, the context policy, fallbacks). Configuration, never code: workers
 * load profiles from a file and the workflow receives the resolved profile through an activity, so it is recorded
 * in history. Bundle-safe.
 */
import { z } from 'zod';
import { FailureTypes } from '../failure-types.js';
import { modelProviderSchema } from './model-provider.js';
import { boundedCount, MAX_COST_USD, MAX_TOKENS, MAX_TURNS, MAX_WAIT_SECONDS } from './input-bounds.js';

export const retrySchema = z.strictObject({
  /** Delay before the first retry, ms. */
  initialIntervalMs: z.number().int().positive().default(1000),
  backoffCoefficient: z.number().min(1).default(2),
  /** Longest delay between retries, ms. */
  maximumIntervalMs: z.number().int().positive().default(60_000),
  /** Attempts in all, the first included; 0 means unlimited. */
  maximumAttempts: z.number().int().nonnegative().default(10),
});

export const modelCallSchema = z.strictObject({
  /** Longest a single model call may take, seconds. */
  startToCloseTimeoutSeconds: z.number().positive().default(600),
  /** A model call that sends no heartbeat for this long is taken as lost (its worker died) and retried, seconds. */
  heartbeatTimeoutSeconds: z.number().positive().default(30),
  retry: retrySchema.default(retrySchema.parse({})),
  /**
   * Run the session's model calls, and its calls to tools marked `safeToRetry`, as local activities: in the worker,
   * within the workflow task, recorded as markers, which saves the server round trips of an ordinary activity. A
   * worker lost mid-call costs the call again (the whole workflow task is retried elsewhere); local activities send no
   * heartbeats (`heartbeatTimeoutSeconds` does not apply); a message or interrupt sent meanwhile is seen when the
   * workflow task ends. Tools not safe to retry stay ordinary activities. See docs/profiles.md, "Local model calls".
   * Left out of a resolved profile unless set, so a session without it records the same history as before.
   * @default false
   */
  local: z.boolean().optional(),
});

export const pricingSchema = z.strictObject({
  /** US dollars per million tokens. */
  inputPerMillionUsd: z.number().nonnegative().default(0),
  outputPerMillionUsd: z.number().nonnegative().default(0),
  cacheReadPerMillionUsd: z.number().nonnegative().default(0),
  cacheWritePerMillionUsd: z.number().nonnegative().default(0),
});

/**
 * Extended thinking, in the API's own terms: `disabled`; `enabled` with a budget of thinking tokens (at least
 * 1024 and below `maxOutputTokens`, as the API requires); or `adaptive`, where the model decides. `display`
 * chooses between summarised and omitted thinking text (the signature comes back either way).
 */
export const thinkingSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('disabled') }),
  z.strictObject({
    type: z.literal('enabled'),
    /** Thinking tokens per call; they count toward `maxOutputTokens`. */
    budgetTokens: z.number().int().min(1024),
    display: z.enum(['summarized', 'omitted']).optional(),
  }),
  z.strictObject({ type: z.literal('adaptive'), display: z.enum(['summarized', 'omitted']).optional() }),
]);

/** Where prompt-cache breakpoints go: the last tool definition, the system prompt, the last block of the conversation. */
export const cacheBreakpointSchema = z.enum(['tools', 'system', 'lastMessage']);

export const promptCachingSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** At most one breakpoint per place; the API allows four in a request. */
  breakpoints: z
    .array(cacheBreakpointSchema)
    .default(['tools', 'system', 'lastMessage'])
    .refine((places) => new Set(places).size === places.length, 'each place may be named once'),
  /** How long a cache entry lives; `1h` costs more to write. */
  ttl: z.enum(['5m', '1h']).default('5m'),
});

/**
 * Sampling settings: what the Messages API offers through the SDK Keel uses (it has no temperature or top_p):
 * stop sequences, and the output effort level for models that support it.
 */
export const samplingSchema = z.strictObject({
  stopSequences: z.array(z.string().min(1)).optional(),
  effort: z.enum(['low', 'medium', 'high', 'xhigh', 'max']).optional(),
});

/** What survives a context reset or compaction; the message awaiting the model always does. */
export const contextKeepSchema = z.strictObject({
  /** The session's system prompt stays in the new context. */
  system: z.boolean().default(true),
  /** The task (the session's first user message) opens the new context. */
  task: z.boolean().default(true),
  /** The last N model turns (each assistant message with the messages after it) are kept verbatim. */
  lastTurns: z.number().int().nonnegative().default(2),
  /** `compact`: the model-written summary opens the new context; `reset`: a note saying what was dropped does. */
  summary: z.boolean().default(true),
});

/**
 * How a session keeps its context within the window. `none`: never on its own (a `resetContext` signal still
 * resets); `reset`: rebuild the context from what `keep` names; `compact`: the same, with a summary the model
 * writes first. Triggered before a model call when the previous call's real input tokens (fresh, cache read and
 * cache write) reached `triggerFraction` of the profile's context window.
 */
export const contextPolicySchema = z.strictObject({
  strategy: z.enum(['none', 'reset', 'compact']).default('none'),
  triggerFraction: z.number().gt(0).max(1).default(0.8),
  keep: contextKeepSchema.default(contextKeepSchema.parse({})),
  /** Output budget of the summarising call. @default the profile's `maxOutputTokens` */
  summaryMaxOutputTokens: z.number().int().positive().optional(),
  /** Replaces Keel's instruction for the summarising call. */
  summaryPrompt: z.string().min(1).optional(),
});

export const profileLimitsSchema = z.strictObject({
  maxTurns: boundedCount(MAX_TURNS).optional(),
  maxTokens: boundedCount(MAX_TOKENS).optional(),
  maxCostUsd: z.number().positive().max(MAX_COST_USD).optional(),
  idleTimeoutSeconds: z.number().positive().max(MAX_WAIT_SECONDS).optional(),
  /** Fraction of `maxTokens` / `maxCostUsd` at which the session pauses in `waiting_for_budget`. */
  softLimitFraction: z.number().gt(0).max(1).optional(),
});

const modelFailureTypes = Object.values(FailureTypes).filter((type) => type.startsWith('Model.')) as [string, ...string[]];

/** Failure types after which, once the model call's retries are spent, the next fallback profile takes over. */
export const defaultFailoverOn = [
  FailureTypes.ModelOverloaded,
  FailureTypes.ModelServerError,
  FailureTypes.ModelRateLimit,
  FailureTypes.ModelTimeout,
  FailureTypes.ModelConnection,
];

const profileFields = {
  /** Where the model is served: Anthropic's API, Amazon Bedrock or Google Vertex AI (see `model-provider.ts`). */
  provider: modelProviderSchema.default({ type: 'anthropic' }),
  /** The provider's model id, e.g. `claude-sonnet-4-5`, on Bedrock `anthropic.claude-…`, on Vertex `claude-…@<date>`. */
  model: z.string().min(1),
  maxOutputTokens: z.number().int().positive().default(8192),
  /** Context window, tokens. */
  contextWindow: z.number().int().positive().default(200_000),
  pricing: pricingSchema.default(pricingSchema.parse({})),
  modelCall: modelCallSchema.default(modelCallSchema.parse({})),
  thinking: thinkingSchema.default({ type: 'disabled' }),
  promptCaching: promptCachingSchema.default(promptCachingSchema.parse({})),
  sampling: samplingSchema.default({}),
  contextPolicy: contextPolicySchema.default(contextPolicySchema.parse({})),
  /** Profiles to fail over to, in order, when this profile's model stays unavailable past its retries. */
  fallbacks: z.array(z.string().min(1)).default([]),
  /** Failure types that trigger failover (`Model.*` types of `src/shared/failure-types.ts`). */
  failoverOn: z.array(z.enum(modelFailureTypes)).default(defaultFailoverOn),
  /**
   * What the model sees of one tool result, bytes; a longer output is cut there with a note, stays stored whole,
   * and the model can page through it with the `read_output` tool.
   */
  toolResultMaxBytes: z.number().int().min(1024).default(50_000),
  /**
   * Continue as new after this many model calls in one run, besides whenever Temporal suggests it (history near
   * its limits). Unset: only when Temporal suggests it.
   */
  continueAsNewAfterTurns: z.number().int().positive().optional(),
  /** Defaults for the session's `limits` when the input does not set them. */
  limits: profileLimitsSchema.default({}),
  /**
   * Ramping a new profile: a new session asking for this profile takes `profile` instead at `share` (0 to 1) of
   * sessions, drawn once at its start by a local activity (recorded in its history, so replay takes the same branch).
   * The session then stays on the one drawn; running sessions are not moved.
   */
  canary: z.strictObject({ profile: z.string().min(1), share: z.number().min(0).max(1) }).optional(),
};

/** Extended thinking's budget must stay below the output limit, as the API requires. */
function checkThinkingBudget(profile: { thinking: z.output<typeof thinkingSchema>; maxOutputTokens: number }, context: z.RefinementCtx): void {
  if (profile.thinking.type === 'enabled' && profile.thinking.budgetTokens >= profile.maxOutputTokens) {
    context.addIssue({
      code: 'custom',
      path: ['thinking', 'budgetTokens'],
      message: `must be below maxOutputTokens (${profile.maxOutputTokens}): thinking tokens count toward it`,
    });
  }
}

export const profileSchema = z.strictObject(profileFields).superRefine(checkThinkingBudget);

/** A profile as the workflow receives it (and a continued run carries it): resolved, with its name. */
export const resolvedProfileSchema = z.strictObject({ ...profileFields, name: z.string().min(1) }).superRefine(checkThinkingBudget);

export type ProfileConfig = z.input<typeof profileSchema>;
export type Profile = z.output<typeof profileSchema>;
export type ThinkingConfig = z.output<typeof thinkingSchema>;
export type ContextPolicy = z.output<typeof contextPolicySchema>;
export type ContextKeep = z.output<typeof contextKeepSchema>;
export type CacheBreakpoint = z.output<typeof cacheBreakpointSchema>;

export type ResolvedProfile = z.output<typeof resolvedProfileSchema>;
