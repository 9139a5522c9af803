/**
 * The JSON wire types between the session workflow and the model activity. Provider-neutral on purpose: model
 * adapters convert to and from their SDK's types, so no SDK object ever enters workflow history. Bundle-safe.
 */
import { z } from 'zod';
import { modelProviderSchema } from './model-provider.js';
import { contentBlockSchema, messageSchema } from './content.js';
import { blobRefSchema, contextRefSchema } from './stored-block.js';
import { usageSchema } from './session-status.js';

export const toolSpecSchema = z.object({
  name: z.string().min(1),
  description: z.string(),
  /** JSON Schema of the tool's input (type object). */
  inputSchema: z.record(z.string(), z.unknown()),
});
export type ToolSpec = z.infer<typeof toolSpecSchema>;

/**
 * The turn before a call as the transcript holds it (the reply, with stored blocks as stand-ins, and the messages
 * after it: tool results), with that turn's usage. Not sent to the model: the activity publishes it ahead of the
 * call's live stream, so that subscribers place the turn's tool calls, results and end without a transcript read.
 */
export const callPreludeSchema = z.object({
  previousTurn: z.number().int().nonnegative(),
  messages: z.array(messageSchema),
  usage: usageSchema,
});
export type CallPrelude = z.infer<typeof callPreludeSchema>;

export const modelCallRequestSchema = z.object({
  sessionId: z.string(),
  turn: z.number().int().nonnegative(),
  model: z.string().min(1),
  /** Where the model is served, from the profile; absent means Anthropic's API with the worker's own settings. */
  provider: modelProviderSchema.optional(),
  maxOutputTokens: z.number().int().positive(),
  system: z.string().optional(),
  /** The system prompt as stored (the model activity returned it once); takes the place of `system`. */
  systemRef: blobRefSchema.optional(),
  /**
   * The stored context that comes before `messages`. With it, `messages` holds only what is new since that
   * context, so the activity's input stays small however long the conversation grows.
   */
  contextBase: contextRefSchema.optional(),
  /** What follows `contextBase` (or the whole conversation without one). Blocks may be stored blocks (`keel_ref`). */
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
  /**
   * `none`: the model may not call tools (a summarising call over a conversation that used them); `any`: it must
   * call one (a grading call and its verdict tool). @default auto
   */
  toolChoice: z.enum(['auto', 'none', 'any']).optional(),
  /**
   * Return the reply's content whole instead of storing its large blocks by reference, and keep the call out of the
   * session's stored context: for a call whose text the workflow itself reads (a context summary).
   */
  inlineReply: z.boolean().optional(),
  /** A tool result is cut to this many bytes, with a note, before the model sees it. @default 50000 */
  toolResultMaxBytes: z.number().int().positive().optional(),
  /** The turn before this one, for the call's live stream (see `callPreludeSchema`). */
  prelude: callPreludeSchema.optional(),
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
  /** The stored context after this call: the request's context plus the reply (set by the model activity). */
  context: contextRefSchema.optional(),
  /** The system prompt as stored, when the request carried a large one inline; send it as `systemRef` next time. */
  systemRef: blobRefSchema.optional(),
});
export type ModelCallResponse = z.infer<typeof modelCallResponseSchema>;
