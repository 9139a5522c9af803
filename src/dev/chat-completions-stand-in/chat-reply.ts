/**
 * What the Chat Completions stand-in answers: a scripted assistant turn (text, tool calls or both) and its token
 * counts, and how that turn is written as the OpenAI Chat Completions API writes it, whole or as server-sent
 * `chat.completion.chunk` events (text in pieces, each tool call's name first and then its arguments in pieces,
 * the finish reason, the usage chunk, `[DONE]`). Dev side only: plain functions, no I/O.
 */
import { z } from 'zod';

export const chatReplySchema = z.strictObject({
  text: z.string().optional(),
  toolCalls: z
    .array(z.strictObject({ id: z.string().min(1), name: z.string().min(1), arguments: z.record(z.string(), z.unknown()) }))
    .optional(),
  promptTokens: z.number().int().nonnegative().default(100),
  completionTokens: z.number().int().nonnegative().default(20),
});

/** One scripted assistant turn. */
export type ChatReply = z.input<typeof chatReplySchema>;

/** Splits `text` into pieces of at most `size` characters (at least one piece), as a model streams it. */
function pieces(text: string, size: number): string[] {
  const parts: string[] = [];
  for (let index = 0; index < text.length; index += size) parts.push(text.slice(index, index + size));
  return parts.length > 0 ? parts : [''];
}

function finishReason(reply: z.output<typeof chatReplySchema>): 'tool_calls' | 'stop' {
  return reply.toolCalls && reply.toolCalls.length > 0 ? 'tool_calls' : 'stop';
}

function usageOf(reply: z.output<typeof chatReplySchema>) {
  return { prompt_tokens: reply.promptTokens, completion_tokens: reply.completionTokens, total_tokens: reply.promptTokens + reply.completionTokens };
}

/** The whole `chat.completion` object of a non-streaming answer. */
export function chatCompletion(id: string, model: string, created: number, raw: ChatReply): Record<string, unknown> {
  const reply = chatReplySchema.parse(raw);
  const toolCalls = (reply.toolCalls ?? []).map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.arguments) } }));
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply.text ?? null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
        finish_reason: finishReason(reply),
      },
    ],
    usage: usageOf(reply),
  };
}

/** The `data:` payloads of a streaming answer, in order, ending with `[DONE]`. */
export function chatCompletionChunks(id: string, model: string, created: number, raw: ChatReply, includeUsage: boolean): string[] {
  const reply = chatReplySchema.parse(raw);
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] });
  const payloads = [chunk({ role: 'assistant', content: '' })];
  if (reply.text) for (const piece of pieces(reply.text, 8)) payloads.push(chunk({ content: piece }));
  for (const [index, call] of (reply.toolCalls ?? []).entries()) {
    payloads.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
    for (const piece of pieces(JSON.stringify(call.arguments), 12)) payloads.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  }
  payloads.push(chunk({}, finishReason(reply)));
  if (includeUsage) payloads.push(JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: usageOf(reply) }));
  payloads.push('[DONE]');
  return payloads;
}
