/** A session's status and its token usage: the two shapes every other message schema names. Bundle-safe. */
import { z } from 'zod';

export const usageSchema = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadInputTokens: z.number(),
  cacheCreationInputTokens: z.number(),
  costUsd: z.number(),
});
export type Usage = z.infer<typeof usageSchema>;

export const sessionStatusSchema = z.enum([
  'running',
  'waiting_for_input',
  'waiting_for_approval',
  'waiting_for_budget',
  'completed',
  'cancelled',
  'limit_reached',
]);
export type SessionStatus = z.infer<typeof sessionStatusSchema>;
