/**
 * The shape of a Messages API request body, as the scripted model server checks it (`validate-request.ts`): fields,
 * types and content block kinds, as zod schemas. Conversation rules a schema cannot express live in
 * `check-conversation.ts`.
 *
 * Unknown top-level fields are allowed (the real API rejects them, but the SDK adds new ones faster than this file
 * would follow). Worker/dev side only, though it imports nothing but zod.
 */
import { z } from 'zod';

const textBlockParamSchema = z.looseObject({ type: z.literal('text'), text: z.string() });

const toolUseBlockParamSchema = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
});

const toolResultBlockParamSchema = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).optional(),
  is_error: z.boolean().optional(),
});

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
] as const;

/** A content block inside `messages[].content`, as accepted by the real API. */
export const contentBlockParamSchema = z.discriminatedUnion('type', [
  textBlockParamSchema,
  z.looseObject({ type: z.literal('image'), source: z.looseObject({ type: z.string() }) }),
  z.looseObject({ type: z.literal('document'), source: z.looseObject({ type: z.string() }) }),
  toolUseBlockParamSchema,
  toolResultBlockParamSchema,
  // The API needs the signature to verify that thinking it produced comes back unaltered, so it is required
  // whether or not thinking is enabled on this request.
  z.looseObject({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() }),
  z.looseObject({ type: z.literal('redacted_thinking'), data: z.string() }),
  z.looseObject({ type: z.enum(serverContentBlockTypes) }),
]);

const messageContentSchema = z.union([z.string(), z.array(contentBlockParamSchema)]);

const messageParamSchema = z.discriminatedUnion('role', [
  z.looseObject({ role: z.literal('user'), content: messageContentSchema }),
  z.looseObject({ role: z.literal('assistant'), content: messageContentSchema }),
  z.looseObject({ role: z.literal('system'), content: z.union([z.string(), z.array(textBlockParamSchema)]) }),
]);

/**
 * A tool definition. Custom tools (no `type`, or `type: 'custom'`) need an object `input_schema`; server tools such
 * as `bash_20250124` carry only a versioned `type` and a `name`. That split is checked in `checkTools`, because the
 * server tool types are too many and too new to list here.
 */
const toolSchema = z.looseObject({
  type: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.looseObject({ type: z.literal('object') }).optional(),
});

const thinkingConfigSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1024) }),
  z.looseObject({ type: z.literal('disabled') }),
  z.looseObject({ type: z.literal('adaptive') }),
  z.looseObject({ type: z.literal('between_tools') }),
]);

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
  temperature: z.number().min(0).max(1).optional(),
  metadata: z.looseObject({}).optional(),
});

/** A request body that passed `messagesRequestSchema` (not necessarily the conversation checks). */
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;
/** One content block of a message in a `MessagesRequest`. */
export type ContentBlockParam = z.infer<typeof contentBlockParamSchema>;
