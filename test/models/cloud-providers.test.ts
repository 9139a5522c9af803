import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OAuth2Client } from 'google-auth-library';
import type { SessionHandle } from '../../src/client/session-client.js';
import { AnthropicModelAdapter } from '../../src/models/anthropic/anthropic-model-adapter.js';
import type { RecordedRequest, ScriptedModelServer } from '../../src/dev/scripted-model/index.js';
import type { ProfileConfig } from '../../src/shared/schemas/profile.js';
import { assertHistoriesReplay } from '../harness/replay.js';
import { testProfiles } from '../harness/test-profiles.js';
import { useKeel } from '../harness/use-keel.js';

// The AWS default chain reads the environment first: a test key, and nothing that would take precedence over it.
const accessKeyId = 'AKIAKEELTESTKEY00001';
const secretAccessKey = 'keel-test-secret-access-key';
process.env.AWS_ACCESS_KEY_ID = accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = secretAccessKey;
for (const name of ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_BEARER_TOKEN_BEDROCK', 'ANTHROPIC_BEDROCK_BASE_URL', 'ANTHROPIC_VERTEX_BASE_URL']) delete process.env[name];

// A Google OAuth client holding an unexpired access token, as a workload-identity or impersonated client would.
const vertexToken = 'ya29.keel-test-access-token';
const vertexAuthClient = new OAuth2Client();
vertexAuthClient.setCredentials({ access_token: vertexToken, expiry_date: Date.now() + 3_600_000 });

const bedrockModel = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const vertexModel = 'claude-sonnet-4-5@20250929';
/** The SDKs put the API version they were built with into the body: the clouds' first one, or a dated one. */
const apiVersion = /^(bedrock-2023-05-31|vertex-2023-10-16|\d{4}-\d{2}-\d{2})$/;
const thinking = { type: 'enabled' as const, budgetTokens: 2048 };
const usage = { input_tokens: 1000, output_tokens: 500 };
const signed = { type: 'thinking' as const, thinking: 'The listing answers it.', signature: 'c2lnbmVkLXRoaW5raW5n' };

function cloudProfiles(modelUrl: string): Record<string, ProfileConfig> {
  const base = { ...testProfiles.test, maxOutputTokens: 4096, thinking };
  return {
    bedrock: { ...base, model: bedrockModel, provider: { type: 'bedrock', region: 'eu-central-1', baseUrl: modelUrl } },
    // Vertex AI's base URL ends in the API version; the SDK puts the project path after it.
    vertex: { ...base, model: vertexModel, provider: { type: 'vertex', region: 'europe-west1', projectId: 'keel-test-project', baseUrl: `${modelUrl}/v1` } },
  };
}

/** A thinking turn that lists files, then the answer: streaming, a tool call and thinking in one session. */
function scriptToolSession(model: ScriptedModelServer): void {
  model.push(
    { kind: 'message', usage, content: [signed, { type: 'tool_use', id: 'toolu_cloud_1', name: 'bash', input: { command: 'echo listed' } }] },
    { kind: 'message', usage, content: [{ type: 'text', text: 'The listing says: listed' }] },
  );
}

function bodyOf(request: RecordedRequest): Record<string, unknown> {
  return request.body as Record<string, unknown>;
}

describe('Claude on Amazon Bedrock and Google Vertex AI', () => {
  const sessions: SessionHandle[] = [];
  const keel = useKeel({
    // Bedrock requests must carry a SigV4 signature that the stand-in computes again with the same key.
    model: { validate: true, awsCredentials: { accessKeyId, secretAccessKey } },
    // One that checks a signature's form only, to reach the body checks with a made-up signature.
    models: { formOnly: { validate: true } },
    worker: (started) => ({
      profiles: cloudProfiles(started.model.url),
      model: new AnthropicModelAdapter({ apiKey: 'test-key', baseURL: started.model.url, vertexAuthClient }),
    }),
  });

  test('bedrock: a session with thinking and a tool call streams through invoke-with-response-stream, SigV4-signed, the model in the path', async () => {
    const before = keel.model.requests.length;
    scriptToolSession(keel.model);
    const handle = await keel.worker.sessions.start({ profile: 'bedrock', tools: ['bash'], messages: [{ role: 'user', content: 'list the files' }] });
    sessions.push(handle);
    const result = await handle.result();
    assert.equal(result.finalText, 'The listing says: listed');

    const requests = keel.model.requests.slice(before);
    assert.deepEqual(
      requests.map((request) => [request.platform, request.path, request.reply]),
      [
        ['bedrock', `/model/${bedrockModel}/invoke-with-response-stream`, 'message'],
        ['bedrock', `/model/${bedrockModel}/invoke-with-response-stream`, 'message'],
      ],
    );
    for (const request of requests) {
      assert.equal(request.model, bedrockModel);
      assert.match(String(request.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIAKEELTESTKEY00001\/\d{8}\/eu-central-1\/bedrock\/aws4_request, ?SignedHeaders=[^,]*host[^,]*, ?Signature=[0-9a-f]{64}$/);
      assert.equal(request.sigV4?.accessKeyId, accessKeyId);
      assert.equal(request.sigV4?.valid, true, 'the signature covers the body and headers as sent');
      assert.match(String(request.headers['x-amz-date']), /^\d{8}T\d{6}Z$/);
      assert.equal(request.headers['x-api-key'], undefined, 'no Anthropic key goes to AWS');
      assert.equal(request.headers['anthropic-version'], undefined, 'the version travels in the body');
      const body = bodyOf(request);
      assert.match(String(body.anthropic_version), apiVersion);
      assert.equal('model' in body, false);
      assert.equal('stream' in body, false);
      assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 2048 });
    }
    const second = bodyOf(requests[1]!) as { messages: Array<{ role: string; content: Array<Record<string, unknown>> }> };
    assert.deepEqual(second.messages[1]!.content[0], signed, 'the signed thinking goes back unaltered');
    assert.equal(second.messages[2]!.content[0]!.type, 'tool_result');
    assert.match(JSON.stringify(second.messages[2]!.content[0]!.content), /listed/);
    // Prices come from the profile whatever the provider: 2 calls × (1000 in × $1 + 500 out × $10) per million.
    assert.deepEqual(result.usage, { inputTokens: 2000, outputTokens: 1000, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: 0.012 });
  });

  test('vertex: a session with thinking and a tool call streams through streamRawPredict with a Google bearer token, the model in the path', async () => {
    const before = keel.model.requests.length;
    scriptToolSession(keel.model);
    const handle = await keel.worker.sessions.start({ profile: 'vertex', tools: ['bash'], messages: [{ role: 'user', content: 'list the files' }] });
    sessions.push(handle);
    const result = await handle.result();
    assert.equal(result.finalText, 'The listing says: listed');

    const requests = keel.model.requests.slice(before);
    const path = `/v1/projects/keel-test-project/locations/europe-west1/publishers/anthropic/models/${vertexModel}:streamRawPredict`;
    assert.deepEqual(
      requests.map((request) => [request.platform, request.path, request.reply]),
      [
        ['vertex', path, 'message'],
        ['vertex', path, 'message'],
      ],
    );
    for (const request of requests) {
      assert.equal(request.model, vertexModel);
      assert.equal(request.headers.authorization, `Bearer ${vertexToken}`);
      assert.equal(request.headers['x-api-key'], undefined, 'no Anthropic key goes to Google');
      assert.equal(request.headers['anthropic-version'], undefined, 'the version travels in the body');
      const body = bodyOf(request);
      assert.match(String(body.anthropic_version), apiVersion);
      assert.equal('model' in body, false);
      assert.equal(body.stream, true);
      assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 2048 });
    }
    const second = bodyOf(requests[1]!) as { messages: Array<{ role: string; content: Array<Record<string, unknown>> }> };
    assert.deepEqual(second.messages[1]!.content[0], signed);
    assert.deepEqual(result.usage, { inputTokens: 2000, outputTokens: 1000, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: 0.012 });
  });

  test('bedrock: the stand-in refuses a wrong signature, a missing one, and a body that names the model, as Bedrock does', async () => {
    const madeUp = {
      'content-type': 'application/json',
      'x-amz-date': '20261207T000000Z',
      authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20261207/eu-central-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${'0'.repeat(64)}`,
    };
    const body = JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    const wrong = await fetch(`${keel.model.url}/model/${bedrockModel}/invoke`, { method: 'POST', headers: madeUp, body });
    assert.equal(wrong.status, 403);
    assert.equal(keel.model.requests.at(-1)!.sigV4?.valid, false);
    const response = await fetch(`${keel.namedModel('formOnly').url}/model/${bedrockModel}/invoke`, {
      method: 'POST',
      headers: madeUp,
      body: JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', model: bedrockModel, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: { message: string } }).error.message, /extraneous key \[model\]/);
    const unsigned = await fetch(`${keel.namedModel('formOnly').url}/model/${bedrockModel}/invoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(unsigned.status, 403);
  });

  test('replay: the sessions on Bedrock and Vertex AI replay from their histories', async () => {
    await assertHistoriesReplay(keel.environment.bundle, sessions);
  });
});
