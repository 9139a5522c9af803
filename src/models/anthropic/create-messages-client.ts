/**
 * Makes the SDK client for a profile's provider: `@anthropic-ai/sdk` for Anthropic's API, and Anthropic's own
 * `@anthropic-ai/bedrock-sdk` / `@anthropic-ai/vertex-sdk` for the clouds. The cloud packages are optional peers,
 * loaded only when a profile names their cloud, so a team on Anthropic's API installs neither. Every client has the
 * SDK's retries off (Temporal's retry policy is the only retry loop). Credentials come from the worker's
 * environment and the clouds' standard chains, never from the profile. Worker-side.
 */
import Anthropic from '@anthropic-ai/sdk';
import { ConfigError } from '../../errors.js';
import type { ModelProvider } from '../../shared/schemas/model-provider.js';

/** What the adapter uses of a client: streaming a message, which all three SDKs share. */
export interface MessagesClient {
  readonly messages: Pick<Anthropic['messages'], 'stream'>;
}

/**
 * A Google auth client as the Vertex SDK takes it: google-auth-library's `AuthClient` (an `OAuth2Client`, `Impersonated`,
 * a workload-identity client). Declared by shape, so keel's types do not need that optional package installed.
 */
export interface VertexAuthClient {
  getRequestHeaders(url?: string | URL): Promise<Headers>;
  /** The project the credentials belong to; the profile's `projectId` wins. */
  projectId?: string | null;
}

/** The worker's own settings, used where a profile's provider leaves them open. */
export interface MessagesClientSettings {
  /** Anthropic API key for profiles that name no `apiKeyEnv`. @default env `ANTHROPIC_API_KEY` */
  apiKey?: string | undefined;
  /** Messages API base URL for profiles that name none. @default env `ANTHROPIC_BASE_URL`, else Anthropic's */
  baseURL?: string | undefined;
  /** Per-request HTTP timeout, ms. */
  requestTimeoutMs: number;
  /**
   * Google credentials for Vertex AI, given in code (e.g. an impersonated or workload-identity client).
   * @default Application Default Credentials (`GOOGLE_APPLICATION_CREDENTIALS`, gcloud's, or the metadata server)
   */
  vertexAuthClient?: VertexAuthClient | undefined;
}

/** The package a provider needs, and its name for messages. */
const cloudPackages = {
  bedrock: { name: '@anthropic-ai/bedrock-sdk', cloud: 'Amazon Bedrock' },
  vertex: { name: '@anthropic-ai/vertex-sdk', cloud: 'Google Vertex AI' },
} as const;

/** Loads an optional peer package. @throws ConfigError (not retryable) naming the package when it is not installed. */
export async function loadCloudPackage<T>(provider: keyof typeof cloudPackages, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    const { name, cloud } = cloudPackages[provider];
    throw new ConfigError(`a profile runs its model on ${cloud}, which needs the package ${name}: install it beside keel (npm install ${name})`, {
      cause: error,
    });
  }
}

/** The API key an Anthropic profile uses, or undefined when there is none. */
export function anthropicApiKey(provider: Extract<ModelProvider, { type: 'anthropic' }>, settings: MessagesClientSettings): string | undefined {
  if (provider.apiKeyEnv) return process.env[provider.apiKeyEnv] || undefined;
  return settings.apiKey ?? process.env.ANTHROPIC_API_KEY ?? undefined;
}

/**
 * A client for `provider`. @throws ConfigError when the provider's package is not installed (not retryable: the
 * worker's installation must change).
 */
export async function createMessagesClient(provider: ModelProvider, settings: MessagesClientSettings): Promise<MessagesClient> {
  const common = { maxRetries: 0, timeout: settings.requestTimeoutMs };
  switch (provider.type) {
    case 'anthropic':
      return new Anthropic({
        ...common,
        apiKey: anthropicApiKey(provider, settings) ?? null,
        baseURL: provider.baseUrl ?? settings.baseURL ?? process.env.ANTHROPIC_BASE_URL ?? undefined,
      });
    case 'bedrock': {
      const { AnthropicBedrock } = await loadCloudPackage('bedrock', () => import('@anthropic-ai/bedrock-sdk'));
      // No keys passed: the SDK signs with SigV4 from AWS's default chain (environment, shared files, SSO, IMDS),
      // or sends `AWS_BEARER_TOKEN_BEDROCK` when that is set.
      return new AnthropicBedrock({ ...common, awsRegion: provider.region, ...(provider.baseUrl ? { baseURL: provider.baseUrl } : {}) });
    }
    case 'vertex': {
      const { AnthropicVertex } = await loadCloudPackage('vertex', () => import('@anthropic-ai/vertex-sdk'));
      return new AnthropicVertex({
        ...common,
        region: provider.region,
        projectId: provider.projectId,
        ...(provider.baseUrl ? { baseURL: provider.baseUrl } : {}),
        // The SDK types it as google-auth-library's AuthClient, of which it calls what VertexAuthClient declares.
        ...(settings.vertexAuthClient ? { authClient: settings.vertexAuthClient as never } : {}),
      });
    }
  }
}
