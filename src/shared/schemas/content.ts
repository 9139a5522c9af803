/**
 * Messages in the Anthropic Messages format, as JSON. Keel keeps conversation state in this shape so that it
 * goes to the model unchanged. Blocks are checked for their `type` and the fields Keel reads; other fields pass
 * through untouched (the API grows new ones). Bundle-safe.
 */
import { z } from 'zod';

export const textBlockSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
export const toolUseBlockSchema = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.unknown(),
});
export const toolResultBlockSchema = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).optional(),
  is_error: z.boolean().optional(),
});
export const thinkingBlockSchema = z.looseObject({
  type: z.literal('thinking'),
  thinking: z.string(),
  signature: z.string().optional(),
});
export const redactedThinkingBlockSchema = z.looseObject({ type: z.literal('redacted_thinking'), data: z.string() });
const otherBlockSchema = z.looseObject({ type: z.enum(['image', 'document', 'search_result']) });

export const contentBlockSchema = z.discriminatedUnion('type', [
  textBlockSchema,
  toolUseBlockSchema,
  toolResultBlockSchema,
  thinkingBlockSchema,
  redactedThinkingBlockSchema,
  otherBlockSchema,
]);

export const messageContentSchema = z.union([z.string(), z.array(contentBlockSchema).min(1)]);

export const messageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: messageContentSchema,
});

export type TextBlock = z.infer<typeof textBlockSchema>;
export type ToolUseBlock = z.infer<typeof toolUseBlockSchema>;
export type ToolResultBlock = z.infer<typeof toolResultBlockSchema>;
export type ContentBlock = z.infer<typeof contentBlockSchema>;
export type MessageContent = z.infer<typeof messageContentSchema>;
export type Message = z.infer<typeof messageSchema>;

/** A message's content as blocks: a string is one text block. */
export function contentBlocks(content: MessageContent): ContentBlock[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

/** The text of a message's content, text blocks joined by newlines. */
export function textOf(content: MessageContent): string {
  if (typeof content === 'string') return content;
  return content
    .filter((block): block is TextBlock => block.type === 'text')
    .map((block) => block.text)
    .join('\n');
}
