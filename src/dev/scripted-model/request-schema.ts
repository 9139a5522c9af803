/**
 * The shape of a Messages API request body, as the scripted model server checks it (`validate-request.ts`): fields,
 * types and content block kinds, as zod schemas. Conversation rules a schema cannot express live in
 * `check-conversation.ts`.
 *
 * Each schema `satisfies` the `@anthropic-ai/sdk` type it checks (minus the parts it checks only loosely, named with
 * `Without`): what it accepts is a value of the SDK's type, so an SDK upgrade that renames a field, changes a tag or
 * adds a required field fails the typecheck here instead of letting this server accept what the real API refuses.
 * Unknown top-level fields are allowed (the real API rejects them, but the SDK adds new ones faster than this file
 * would follow). Worker/dev side only, though it imports nothing but zod and types.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsBase } from '@anthropic-ai/sdk/resources/messages';
import { z } from 'zod';
import type { Without } from './api-types.js';

const textBlockParamSchema = z.looseObject({
  type: z.literal('text'),
  text: z.string(),
}) satisfies z.ZodType<Anthropic.Messages.TextBlockParam>;

const toolUseBlockParamSchema = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
}) satisfies z.ZodType<Anthropic.Messages.ToolUseBlockParam>;

const toolResultBlockParamSchema = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).optional(),
  is_error: z.boolean().optional(),
  // Blocks inside a result are checked by their tag only.
}) satisfies z.ZodType<Without<Anthropic.Messages.ToolResultBlockParam, 'content'>>;

/** Block types the API accepts that Keel never produces; only their tag is checked. */
const serverContentBlockTypes = [
  'search_result',
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'tool_search_tool_result',
  'container_upload',
] as const satisfies readonly Anthropic.Messages.ContentBlockParam['type'][];

// Sources are checked by their tag only.
const imageBlockParamSchema = z.looseObject({
  type: z.literal('image'),
  source: z.looseObject({ type: z.string() }),
}) satisfies z.ZodType<Without<Anthropic.Messages.ImageBlockParam, 'source'>>;

const documentBlockParamSchema = z.looseObject({
  type: z.literal('document'),
  source: z.looseObject({ type: z.string() }),
}) satisfies z.ZodType<Without<Anthropic.Messages.DocumentBlockParam, 'source'>>;

/** A content block inside `messages[].content`, as accepted by the real API. */
export const contentBlockParamSchema = z.discriminatedUnion('type', [
  textBlockParamSchema,
  imageBlockParamSchema,
  documentBlockParamSchema,
  toolUseBlockParamSchema,
  toolResultBlockParamSchema,
  // The API needs the signature to verify that thinking it produced comes back unaltered, so it is required
  // whether or not thinking is enabled on this request.
  z.looseObject({
    type: z.literal('thinking'),
    thinking: z.string(),
    signature: z.string(),
  }) satisfies z.ZodType<Anthropic.Messages.ThinkingBlockParam>,
  z.looseObject({
    type: z.literal('redacted_thinking'),
    data: z.string(),
  }) satisfies z.ZodType<Anthropic.Messages.RedactedThinkingBlockParam>,
  z.looseObject({ type: z.enum(serverContentBlockTypes) }),
]);

const messageContentSchema = z.union([z.string(), z.array(contentBlockParamSchema)]);

// `content` is left out of the user and assistant checks because image and document sources are checked loosely.
const messageParamSchema = z.discriminatedUnion('role', [
  z.looseObject({
    role: z.literal('user'),
    content: messageContentSchema,
  }) satisfies z.ZodType<Without<Anthropic.Messages.UserMessageParam, 'content'>>,
  z.looseObject({
    role: z.literal('assistant'),
    content: messageContentSchema,
  }) satisfies z.ZodType<Without<Anthropic.Messages.AssistantMessageParam, 'content'>>,
  z.looseObject({
    role: z.literal('system'),
    content: z.union([z.string(), z.array(textBlockParamSchema)]),
  }) satisfies z.ZodType<Anthropic.Messages.SystemMessageParam>,
]);

/**
 * A tool definition. Custom tools (no `type`, or `type: 'custom'`) need an object `input_schema`; server tools such
 * as `bash_20250124` carry only a versioned `type` and a `name`. That split is checked in `checkTools`, because the
 * server tool types are too many and too new to list here, so only the fields every custom tool has are typed
 * against the SDK's `Tool`.
 */
const toolSchema = z.looseObject({
  type: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.looseObject({ type: z.literal('object') }).optional(),
}) satisfies z.ZodType<Pick<Anthropic.Messages.Tool, 'name' | 'description'>>;

const thinkingConfigSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1024) }),
  z.looseObject({ type: z.literal('disabled') }),
  z.looseObject({ type: z.literal('adaptive') }),
  z.looseObject({ type: z.literal('between_tools') }),
]) satisfies z.ZodType<Anthropic.Messages.ThinkingConfigParam>;

/** The body of `POST /v1/messages`, as far as the scripted model server checks it. */
export const messagesRequestSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  messages: z.array(messageParamSchema).min(1),
  system: z.union([z.string(), z.array(textBlockParamSchema)]).optional(),
  tools: z.array(toolSchema).optional(),
  tool_choice: z.looseObject({ type: z.string() }).optional(),
  thinking: thinkingConfigSchema.optional(),
  stream: z.boolean().optional(),
  stop_sequences: z.array(z.string()).optional(),
  // Not in this SDK version's types, so left out of the check against them below; still checked here.
  temperature: z.number().min(0).max(1).optional(),
  metadata: z.looseObject({}).optional(),
}) satisfies z.ZodType<
  Pick<
    MessageCreateParamsBase,
    'model' | 'max_tokens' | 'system' | 'thinking' | 'stream' | 'stop_sequences' | 'metadata'
  >
>;

/** A request body that passed `messagesRequestSchema` (not necessarily the conversation checks). */
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;
/** One content block of a message in a `MessagesRequest`. */
export type ContentBlockParam = z.infer<typeof contentBlockParamSchema>;
