import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, ModelError } from '../../src/errors.js';
import { AnthropicModelAdapter } from '../../src/models/anthropic/anthropic-model-adapter.js';
import { FailureTypes } from '../../src/shared/failure-types.js';
import { loadCloudPackage } from '../../src/models/anthropic/create-messages-client.js';
import { parseProfiles } from '../../src/config/profile-registry.js';
import { isWorkerDefaultProvider } from '../../src/shared/schemas/model-provider.js';
import { resolvedProfileSchema } from '../../src/shared/schemas/profile.js';
import { buildModelRequest } from '../../src/workflows/model-request.js';

const context = { sessionId: 's', turn: 1, messages: [{ role: 'user' as const, content: 'hi' }], tools: [] };

test('profile provider: a profile without one runs on Anthropic\'s API, and the model call names no provider', () => {
  const profile = parseProfiles({ plain: { model: 'claude-test-1' } }, 'test').get('plain')!;
  assert.deepEqual(profile.provider, { type: 'anthropic' });
  assert.equal(isWorkerDefaultProvider(profile.provider), true);
  assert.equal('provider' in buildModelRequest({ ...profile, name: 'plain' }, context), false);
});

test('profile provider: the plain string "anthropic" of earlier profiles and recorded histories still reads', () => {
  const profile = parseProfiles({ old: { model: 'claude-test-1', provider: 'anthropic' } }, 'test').get('old')!;
  assert.deepEqual(profile.provider, { type: 'anthropic' });
  const carried = resolvedProfileSchema.parse({ ...profile, provider: 'anthropic', name: 'old' });
  assert.deepEqual(carried.provider, { type: 'anthropic' });
});

test('profile provider: Bedrock and Vertex AI profiles carry their place into each model call', () => {
  const profiles = parseProfiles(
    {
      bedrock: { model: 'anthropic.claude-sonnet-4-5-20250929-v1:0', provider: { type: 'bedrock', region: 'eu-central-1' } },
      vertex: { model: 'claude-sonnet-4-5@20250929', provider: { type: 'vertex', region: 'europe-west1', projectId: 'acme-agents' } },
      gateway: { model: 'gpt-via-gateway', provider: { type: 'anthropic', baseUrl: 'http://127.0.0.1:4000', apiKeyEnv: 'LITELLM_API_KEY' } },
    },
    'test',
  );
  for (const [name, profile] of profiles) {
    const request = buildModelRequest({ ...profile, name }, context);
    assert.deepEqual(request.provider, profile.provider, name);
  }
});

test('profile provider: credentials, unknown clouds and missing places are refused, naming the profile and field', () => {
  assert.throws(
    () => parseProfiles({ leaky: { model: 'm', provider: { type: 'bedrock', region: 'us-east-1', accessKeyId: 'AKIA0000000000000000' } } }, 'profiles.yaml'),
    (error: unknown) => ConfigError.isInstance(error) && /profiles\.yaml: profile "leaky": provider/.test(error.message) && /accessKeyId/.test(error.message),
  );
  assert.throws(() => parseProfiles({ nowhere: { model: 'm', provider: { type: 'vertex', region: 'us-east5' } } }, 'test'), /profile "nowhere": provider/);
  assert.throws(() => parseProfiles({ other: { model: 'm', provider: { type: 'azure' } } }, 'test'), /profile "other": provider/);
  assert.throws(() => parseProfiles({ key: { model: 'm', provider: { type: 'anthropic', apiKeyEnv: 'sk-ant-not-a-name' } } }, 'test'), /apiKeyEnv/);
});

test('cloud package: a provider whose SDK package is not installed fails with a ConfigError naming the package', async () => {
  await assert.rejects(
    loadCloudPackage('bedrock', () => import('@anthropic-ai/keel-test-package-that-is-not-installed' as string)),
    (error: unknown) => ConfigError.isInstance(error) && error.retryable === false && /npm install @anthropic-ai\/bedrock-sdk/.test(error.message),
  );
  const loaded = await loadCloudPackage('vertex', () => import('@anthropic-ai/vertex-sdk'));
  assert.equal(typeof loaded.AnthropicVertex, 'function');
});

test('profile provider: a gateway profile whose key variable is unset fails its call at once with Model.Auth naming the variable', async () => {
  delete process.env.KEEL_TEST_UNSET_GATEWAY_KEY;
  const adapter = new AnthropicModelAdapter({ apiKey: 'the-worker-key', baseURL: 'http://127.0.0.1:9' });
  await assert.rejects(
    adapter.call({
      ...context,
      model: 'gateway-model',
      maxOutputTokens: 100,
      provider: { type: 'anthropic', baseUrl: 'http://127.0.0.1:9', apiKeyEnv: 'KEEL_TEST_UNSET_GATEWAY_KEY' },
    }),
    (error: unknown) =>
      ModelError.isInstance(error) && error.failureType === FailureTypes.ModelAuth && !error.retryable && /KEEL_TEST_UNSET_GATEWAY_KEY/.test(error.message),
  );
});
