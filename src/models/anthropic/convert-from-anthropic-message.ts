import type Anthropic from '@anthropic-ai/sdk';
import type { ContentBlock } from '../../shared/schemas/content.js';
import type { ModelCallResponse } from '../../shared/schemas/model-call.js';

/**
 * Turns the SDK's final message into plain JSON for history. Only the fields the API accepts back are kept on
 * each block (the SDK adds parsing helpers such as `parsed_output`; those must not be sent back).
 */
export function convertFromAnthropicMessage(message: Anthropic.Message, requestId?: string | null): ModelCallResponse {
  const content: ContentBlock[] = message.content.map((block) => {
    switch (block.type) {
      case 'text':
        return { type: 'text', text: block.text };
      case 'tool_use':
        return { type: 'tool_use', id: block.id, name: block.name, input: block.input };
      case 'thinking':
        return { type: 'thinking', thinking: block.thinking, signature: block.signature };
      case 'redacted_thinking':
        return { type: 'redacted_thinking', data: block.data };
      default:
        // Server tools and future block types: kept as the API sent them.
        return JSON.parse(JSON.stringify(block)) as ContentBlock;
    }
  });
  return {
    id: message.id,
    model: message.model,
    content,
    stopReason: message.stop_reason ?? null,
    usage: {
      inputTokens: message.usage.input_tokens ?? 0,
      outputTokens: message.usage.output_tokens ?? 0,
      cacheReadInputTokens: message.usage.cache_read_input_tokens ?? 0,
      cacheCreationInputTokens: message.usage.cache_creation_input_tokens ?? 0,
    },
    ...(requestId ? { requestId } : {}),
  };
}
