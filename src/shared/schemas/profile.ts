/**
 * A model profile: everything model-specific about how a session runs (model id, limits, prices, timeouts,
 * retries). Configuration, never code: workers load profiles from a file and the workflow receives the resolved
 * profile through an activity, so it is recorded in history. Bundle-safe.
 */
import { z } from 'zod';

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
});

export const pricingSchema = z.strictObject({
  /** US dollars per million tokens. */
  inputPerMillionUsd: z.number().nonnegative().default(0),
  outputPerMillionUsd: z.number().nonnegative().default(0),
  cacheReadPerMillionUsd: z.number().nonnegative().default(0),
  cacheWritePerMillionUsd: z.number().nonnegative().default(0),
});

export const profileSchema = z.strictObject({
  provider: z.literal('anthropic').default('anthropic'),
  /** The provider's model id, e.g. `claude-sonnet-4-5`. */
  model: z.string().min(1),
  maxOutputTokens: z.number().int().positive().default(8192),
  /** Context window, tokens. */
  contextWindow: z.number().int().positive().default(200_000),
  pricing: pricingSchema.default(pricingSchema.parse({})),
  modelCall: modelCallSchema.default(modelCallSchema.parse({})),
  /** Defaults for the session's `limits` when the input does not set them. */
  limits: z
    .strictObject({
      maxTurns: z.number().int().positive().optional(),
      maxTokens: z.number().int().positive().optional(),
      maxCostUsd: z.number().positive().optional(),
      idleTimeoutSeconds: z.number().positive().optional(),
    })
    .default({}),
});

export type ProfileConfig = z.input<typeof profileSchema>;
export type Profile = z.output<typeof profileSchema>;

/** A profile as the workflow receives it: resolved, with its name. */
export type ResolvedProfile = Profile & { name: string };
