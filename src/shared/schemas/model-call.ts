/**
 * The JSON wire types between the session workflow and the model activity. Provider-neutral on purpose: model
 * adapters convert to and from their SDK's types, so no SDK object ever enters workflow history. Bundle-safe.
 */
import { z } from 'zod';
import { contentBlockSchema, messageSchema } from './content.js';

export const toolSpecSchema = z.object({
  name: z.string().min(1),
  description: z.string(),
  /** JSON Schema of the tool's input (type object). */
  inputSchema: z.record(z.string(), z.unknown()),
});
export type ToolSpec = z.infer<typeof toolSpecSchema>;

export const modelCallRequestSchema = z.object({
  sessionId: z.string(),
  turn: z.number().int().nonnegative(),
  model: z.string().min(1),
  maxOutputTokens: z.number().int().positive(),
  system: z.string().optional(),
  messages: z.array(messageSchema).min(1),
  tools: z.array(toolSpecSchema).default([]),
  /** Extended thinking for this call; absent means off. */
  thinking: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('enabled'), budgetTokens: z.number().int().min(1024), display: z.enum(['summarized', 'omitted']).optional() }),
      z.object({ type: z.literal('adaptive'), display: z.enum(['summarized', 'omitted']).optional() }),
    ])
    .optional(),
  /** Prompt-cache breakpoints: where the adapter marks the prompt for caching, and for how long. */
  cache: z
    .object({ breakpoints: z.array(z.enum(['tools', 'system', 'lastMessage'])), ttl: z.enum(['5m', '1h']).default('5m') })
    .optional(),
  stopSequences: z.array(z.string().min(1)).optional(),
  effort: z.enum(['low', 'medium', 'high', 'xhigh', 'max']).optional(),
  /** `none`: the model may not call tools (a summarising call over a conversation that used them). @default auto */
  toolChoice: z.enum(['auto', 'none']).optional(),
});
export type ModelCallRequest = z.input<typeof modelCallRequestSchema>;

export const modelUsageSchema = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cacheReadInputTokens: z.number().int().nonnegative(),
  cacheCreationInputTokens: z.number().int().nonnegative(),
});
export type ModelUsage = z.infer<typeof modelUsageSchema>;

export const modelCallResponseSchema = z.object({
  id: z.string(),
  model: z.string(),
  content: z.array(contentBlockSchema),
  stopReason: z.string().nullable(),
  usage: modelUsageSchema,
  requestId: z.string().optional(),
});
export type ModelCallResponse = z.infer<typeof modelCallResponseSchema>;
