import type Anthropic from '@anthropic-ai/sdk';
import type { ModelCallRequest } from '../../shared/schemas/model-call.js';

/** Builds the Messages API body from Keel's wire request. Content blocks are already in the API's shape. */
export function convertToAnthropicRequest(request: ModelCallRequest): Anthropic.MessageStreamParams {
  const body: Anthropic.MessageStreamParams = {
    model: request.model,
    max_tokens: request.maxOutputTokens,
    messages: request.messages as Anthropic.MessageParam[],
  };
  if (request.system) body.system = request.system;
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: tool.inputSchema as Anthropic.Tool.InputSchema,
    }));
  }
  return body;
}
