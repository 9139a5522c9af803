import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionHandle } from '../../src/client/session-client.js';
import { startChatCompletionsStandIn, type ChatCompletionsStandIn } from '../../src/dev/chat-completions-stand-in/server.js';
import type { ProfileConfig } from '../../src/shared/schemas/profile.js';
import { startLiteLlmProxy, type LiteLlmProxy } from '../harness/litellm-proxy.js';
import { assertHistoriesReplay } from '../harness/replay.js';
import { testProfiles } from '../harness/test-profiles.js';
import { useKeel } from '../harness/use-keel.js';

// The profile names where the worker finds the gateway's key, never the key itself.
const gatewayKeyVariable = 'KEEL_TEST_GATEWAY_KEY';
const gatewayKey = 'sk-keel-gateway-test';
const backendKey = 'sk-backend-test';
process.env[gatewayKeyVariable] = gatewayKey;

describe('a model behind LiteLLM\'s proxy, on an OpenAI Chat Completions backend', () => {
  const sessions: SessionHandle[] = [];
  let backend: ChatCompletionsStandIn;
  let proxy: LiteLlmProxy;

  const keel = useKeel({
    worker: async (started) => {
      backend = started.closeAfter(await startChatCompletionsStandIn({ apiKey: backendKey }));
      proxy = started.closeAfter(
        await startLiteLlmProxy({ modelName: 'gateway-model', backendUrl: backend.url, backendModel: 'stand-in-chat-1', backendApiKey: backendKey, masterKey: gatewayKey }),
      );
      const profiles: Record<string, ProfileConfig> = {
        gateway: { ...testProfiles.test, model: 'gateway-model', provider: { type: 'anthropic', baseUrl: proxy.url, apiKeyEnv: gatewayKeyVariable } },
      };
      // A worker whose own Anthropic settings point nowhere useful: the profile's base URL and key must win.
      return { profiles, modelUrl: 'http://127.0.0.1:9', apiKey: 'not-the-gateway-key' };
    },
  });

  test('gateway: a session calls a tool and ends through LiteLLM\'s /v1/messages, streamed from Chat Completions chunks', async () => {
    backend.push(
      { text: 'Running it.', toolCalls: [{ id: 'call_gateway_1', name: 'bash', arguments: { command: 'echo from-the-sandbox' } }], promptTokens: 300, completionTokens: 40 },
      { text: 'The command printed from-the-sandbox.', promptTokens: 400, completionTokens: 30 },
    );
    const handle = await keel.worker.sessions.start({ profile: 'gateway', tools: ['bash'], messages: [{ role: 'user', content: 'run the echo' }] });
    sessions.push(handle);
    const result = await handle.result();
    assert.equal(result.status, 'completed', proxy.output().slice(-2000));
    assert.equal(result.finalText, 'The command printed from-the-sandbox.');
    assert.equal(result.turns, 2);

    const calls = backend.requests.filter((request) => request.path === '/v1/chat/completions');
    assert.equal(calls.length, 2);
    for (const call of calls) {
      assert.equal(call.headers.authorization, `Bearer ${backendKey}`);
      assert.equal(call.body.model, 'stand-in-chat-1');
      assert.equal(call.body.stream, true, 'LiteLLM streams from the backend as Keel streams from it');
      const tools = call.body.tools.map((tool: { type: string; function: { name: string } }) => `${tool.type}:${tool.function.name}`);
      assert.ok(tools.includes('function:bash'), tools.join(', '));
    }
    const toolMessage = calls[1]!.body.messages.find((message: { role: string }) => message.role === 'tool');
    assert.equal(toolMessage?.tool_call_id, 'call_gateway_1');
    assert.match(JSON.stringify(toolMessage.content), /from-the-sandbox/);
    const assistant = calls[1]!.body.messages.find((message: { role: string }) => message.role === 'assistant');
    assert.equal(assistant?.tool_calls?.[0]?.function?.name, 'bash');
    assert.deepEqual(JSON.parse(assistant.tool_calls[0].function.arguments), { command: 'echo from-the-sandbox' });
    // The backend's token counts come back through the gateway and are priced by the profile.
    assert.equal(result.usage.inputTokens, 700);
    assert.equal(result.usage.outputTokens, 70);
  });

  test('replay: the session through the gateway replays from its history', async () => {
    await assertHistoriesReplay(keel.environment.bundle, sessions);
  });
});
