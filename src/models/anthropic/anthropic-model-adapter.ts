/**
 * The Claude adapter: the real `@anthropic-ai/sdk`, streaming (`messages.stream` + `finalMessage`), with the SDK's
 * own retries off so that Temporal's retry policy is the only retry loop. Worker-side.
 */
import Anthropic from '@anthropic-ai/sdk';
import { ModelError } from '../../errors.js';
import { FailureTypes } from '../../shared/failure-types.js';
import type { ModelCallRequest, ModelCallResponse } from '../../shared/schemas/model-call.js';
import type { ModelAdapter, ModelCallOptions } from '../model-adapter.js';
import { convertFromAnthropicMessage } from './convert-from-anthropic-message.js';
import { convertToAnthropicRequest } from './convert-to-anthropic-request.js';
import { mapAnthropicError } from './map-anthropic-error.js';

export interface AnthropicModelAdapterOptions {
  /** API key. Read on the worker only. @default env `ANTHROPIC_API_KEY` */
  apiKey?: string;
  /** Messages API base URL; any server that speaks the Messages API. @default env `ANTHROPIC_BASE_URL`, else Anthropic's */
  baseURL?: string;
  /** Per-request HTTP timeout, ms. The activity's own timeouts are the real bound. @default 600000 */
  requestTimeoutMs?: number;
}

export class AnthropicModelAdapter implements ModelAdapter {
  readonly provider = 'anthropic';
  readonly #client: Anthropic;
  readonly #hasApiKey: boolean;

  constructor(options: AnthropicModelAdapterOptions = {}) {
    const apiKey = options.apiKey ?? process.env.ANTHROPIC_API_KEY;
    this.#hasApiKey = Boolean(apiKey);
    this.#client = new Anthropic({
      apiKey: apiKey ?? null,
      baseURL: options.baseURL ?? process.env.ANTHROPIC_BASE_URL ?? undefined,
      maxRetries: 0,
      timeout: options.requestTimeoutMs ?? 600_000,
    });
  }

  /** @throws ModelError, classified retryable or not. */
  async call(request: ModelCallRequest, options: ModelCallOptions = {}): Promise<ModelCallResponse> {
    if (!this.#hasApiKey) {
      throw new ModelError('no API key: set ANTHROPIC_API_KEY in the worker environment', {
        retryable: false,
        failureType: FailureTypes.ModelAuth,
      });
    }
    try {
      const stream = this.#client.messages.stream(convertToAnthropicRequest(request), { signal: options.signal });
      let outputCharacters = 0;
      let events = 0;
      // A tool call's deltas name the call, which only its block's start tells.
      const toolUseIds = new Map<number, string>();
      const onDelta = options.onDelta;
      stream.on('streamEvent', (event) => {
        events += 1;
        if (event.type === 'content_block_start' && event.content_block.type === 'tool_use') toolUseIds.set(event.index, event.content_block.id);
        if (event.type === 'content_block_delta') {
          const { delta, index } = event;
          if (delta.type === 'text_delta') {
            outputCharacters += delta.text.length;
            onDelta?.({ kind: 'text', index, text: delta.text });
          } else if (delta.type === 'input_json_delta') {
            outputCharacters += delta.partial_json.length;
            onDelta?.({ kind: 'tool_input', index, toolUseId: toolUseIds.get(index) ?? '', json: delta.partial_json });
          } else if (delta.type === 'thinking_delta') {
            outputCharacters += delta.thinking.length;
            onDelta?.({ kind: 'thinking', index, text: delta.thinking });
          }
        }
        options.onProgress?.({ outputCharacters, events });
      });
      const message = await stream.finalMessage();
      return convertFromAnthropicMessage(message, stream.request_id);
    } catch (error) {
      throw mapAnthropicError(error);
    }
  }
}
