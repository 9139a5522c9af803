/**
 * Response encoding of the scripted model server: turns a scripted `message` reply into the Message object the
 * Messages API answers with (ids, signatures, stop reason and usage filled in as the API would). The same object is
 * sent as JSON or cut into SSE events by `encode-stream-events.ts`. Worker/dev side only: uses `node:crypto`.
 */
import { randomBytes } from 'node:crypto';
import type { ApiContentBlock, ApiMessage } from './api-types.js';
import { isRecord } from './is-record.js';
import { randomBase62 } from './random-id.js';
import type { MessageReply, RecordedRequest, ScriptedBlock } from './script.js';

/** The Message answering `record` with the scripted `reply`. */
export function buildMessage(reply: MessageReply, record: RecordedRequest): ApiMessage {
  const body: Record<string, unknown> = isRecord(record.body) ? record.body : {};
  const content = reply.content.map(toApiContentBlock);
  const stopReason = reply.stopReason ?? (content.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn');
  const stopSequences = Array.isArray(body['stop_sequences']) ? (body['stop_sequences'] as unknown[]) : [];
  return {
    id: `msg_${randomBase62(24)}`,
    type: 'message',
    role: 'assistant',
    model: record.model ?? 'scripted-model',
    content,
    stop_reason: stopReason,
    // The API reports which stop sequence matched; the first one requested is the honest guess.
    stop_sequence: stopReason === 'stop_sequence' && typeof stopSequences[0] === 'string' ? stopSequences[0] : null,
    stop_details: null,
    container: null,
    usage: {
      input_tokens: reply.usage?.input_tokens ?? estimateTokens(JSON.stringify(record.body ?? null)),
      output_tokens: reply.usage?.output_tokens ?? estimateTokens(content.map(blockText).join('')),
      cache_creation_input_tokens: reply.usage?.cache_creation_input_tokens ?? 0,
      cache_read_input_tokens: reply.usage?.cache_read_input_tokens ?? 0,
    },
  };
}

/** The partial message that `stream-error` and `drop-connection` replies interrupt. */
export const fillerReply: MessageReply = {
  kind: 'message',
  content: [{ type: 'text', text: 'This reply is cut short on purpose by the scripted model server.' }],
};

function toApiContentBlock(block: ScriptedBlock): ApiContentBlock {
  switch (block.type) {
    case 'tool_use':
      return { type: 'tool_use', id: block.id ?? `toolu_${randomBase62(24)}`, name: block.name, input: block.input };
    case 'thinking':
      // Real signatures are opaque base64; a generated one lets thinking round-trip through validation.
      return {
        type: 'thinking',
        thinking: block.thinking,
        signature: block.signature ?? randomBytes(48).toString('base64'),
      };
    default:
      return block;
  }
}

function blockText(block: ApiContentBlock): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'thinking':
      return block.thinking;
    case 'redacted_thinking':
      return block.data;
    case 'tool_use':
      return block.name + JSON.stringify(block.input);
  }
}

/** About four characters per token: good enough for budgets and logs, and stable for a given request. */
function estimateTokens(text: string): number {
  return Math.max(1, Math.round(text.length / 4));
}
