import type Anthropic from '@anthropic-ai/sdk';
import type { ModelCallRequest } from '../../shared/schemas/model-call.js';

type CacheControl = Anthropic.CacheControlEphemeral;

/** Block types the API refuses a `cache_control` on: the thinking it produced must come back unaltered. */
const uncacheableBlockTypes = new Set(['thinking', 'redacted_thinking']);

/**
 * The last message with a cache breakpoint on its last block that may carry one. A copy: the request (and so the
 * transcript in workflow history) is never touched. Returns the message unchanged when no block can carry one.
 */
function withCachedLastBlock(message: Anthropic.MessageParam, cacheControl: CacheControl): Anthropic.MessageParam {
  if (typeof message.content === 'string') {
    if (message.content.length === 0) return message;
    return { ...message, content: [{ type: 'text', text: message.content, cache_control: cacheControl }] } as Anthropic.MessageParam;
  }
  const blocks = [...message.content];
  for (let index = blocks.length - 1; index >= 0; index -= 1) {
    const block = blocks[index];
    if (uncacheableBlockTypes.has(block.type)) continue;
    if (block.type === 'text' && block.text.length === 0) continue;
    blocks[index] = { ...block, cache_control: cacheControl } as Anthropic.ContentBlockParam;
    return { ...message, content: blocks } as Anthropic.MessageParam;
  }
  return message;
}

/**
 * Builds the Messages API body from Keel's wire request. Content blocks are already in the API's shape (thinking
 * and redacted thinking blocks with their signatures included, which the API needs back across tool use). Cache
 * breakpoints go where the request says: the last tool, the system prompt, the last block of the conversation.
 */
export function convertToAnthropicRequest(request: ModelCallRequest): Anthropic.MessageStreamParams {
  const breakpoints = new Set(request.cache?.breakpoints ?? []);
  const cacheControl: CacheControl = { type: 'ephemeral', ...(request.cache?.ttl === '1h' ? { ttl: '1h' as const } : {}) };
  const messages = request.messages as Anthropic.MessageParam[];
  const body: Anthropic.MessageStreamParams = {
    model: request.model,
    max_tokens: request.maxOutputTokens,
    messages:
      breakpoints.has('lastMessage') && messages.length > 0
        ? [...messages.slice(0, -1), withCachedLastBlock(messages[messages.length - 1], cacheControl)]
        : messages,
  };
  if (request.system) {
    body.system = breakpoints.has('system')
      ? [{ type: 'text', text: request.system, cache_control: cacheControl }]
      : request.system;
  }
  if (request.tools && request.tools.length > 0) {
    const last = request.tools.length - 1;
    body.tools = request.tools.map((tool, index) => ({
      name: tool.name,
      description: tool.description,
      input_schema: tool.inputSchema as Anthropic.Tool.InputSchema,
      ...(index === last && breakpoints.has('tools') ? { cache_control: cacheControl } : {}),
    }));
    if (request.toolChoice) body.tool_choice = { type: request.toolChoice };
  }
  if (request.thinking?.type === 'enabled') {
    body.thinking = {
      type: 'enabled',
      budget_tokens: request.thinking.budgetTokens,
      ...(request.thinking.display ? { display: request.thinking.display } : {}),
    };
  } else if (request.thinking?.type === 'adaptive') {
    body.thinking = { type: 'adaptive', ...(request.thinking.display ? { display: request.thinking.display } : {}) };
  }
  if (request.stopSequences && request.stopSequences.length > 0) body.stop_sequences = request.stopSequences;
  if (request.effort) body.output_config = { effort: request.effort };
  return body;
}
