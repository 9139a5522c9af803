/**
 * The Claude adapter: the real `@anthropic-ai/sdk` (or Anthropic's SDK for Bedrock or Vertex AI, as the call's
 * profile names), streaming (`messages.stream` + `finalMessage`), with the SDK's own retries off so that Temporal's
 * retry policy is the only retry loop. Worker-side.
 */
import { ModelError } from '../../errors.js';
import { FailureTypes } from '../../shared/failure-types.js';
import type { ModelCallRequest, ModelCallResponse } from '../../shared/schemas/model-call.js';
import type { ModelAdapter, ModelCallOptions } from '../model-adapter.js';
import { modelProviderSchema, type ModelProvider } from '../../shared/schemas/model-provider.js';
import { anthropicApiKey, createMessagesClient, type MessagesClient, type MessagesClientSettings, type VertexAuthClient } from './create-messages-client.js';
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
  /**
   * Google credentials for profiles on Vertex AI, given in code (an impersonated or workload-identity client).
   * @default Application Default Credentials
   */
  vertexAuthClient?: VertexAuthClient;
}

export class AnthropicModelAdapter implements ModelAdapter {
  readonly provider = 'anthropic';
  readonly #settings: MessagesClientSettings;
  /** One client per provider setting, made on first use: a profile on Bedrock loads that SDK only then. */
  readonly #clients = new Map<string, Promise<MessagesClient>>();

  constructor(options: AnthropicModelAdapterOptions = {}) {
    this.#settings = {
      apiKey: options.apiKey ?? process.env.ANTHROPIC_API_KEY,
      baseURL: options.baseURL ?? process.env.ANTHROPIC_BASE_URL,
      requestTimeoutMs: options.requestTimeoutMs ?? 600_000,
      vertexAuthClient: options.vertexAuthClient,
    };
  }

  #client(provider: ModelProvider): Promise<MessagesClient> {
    const key = JSON.stringify(provider);
    let client = this.#clients.get(key);
    if (!client) {
      client = createMessagesClient(provider, this.#settings);
      // A failed load (a missing package) is not kept: installing it and restarting is the fix, but keep no poison.
      client.catch(() => this.#clients.delete(key));
      this.#clients.set(key, client);
    }
    return client;
  }

  /** @throws ModelError, classified retryable or not; ConfigError when the provider's SDK package is missing. */
  async call(request: ModelCallRequest, options: ModelCallOptions = {}): Promise<ModelCallResponse> {
    const provider = modelProviderSchema.parse(request.provider ?? 'anthropic');
    if (provider.type === 'anthropic' && !anthropicApiKey(provider, this.#settings)) {
      const variable = provider.apiKeyEnv ?? 'ANTHROPIC_API_KEY';
      throw new ModelError(`no API key: set ${variable} in the worker environment`, {
        retryable: false,
        failureType: FailureTypes.ModelAuth,
      });
    }
    const client = await this.#client(provider);
    try {
      const stream = client.messages.stream(convertToAnthropicRequest(request), { signal: options.signal });
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
