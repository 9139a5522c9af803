/**
 * Where a profile's Claude model is served: Anthropic's API (or any server that speaks the Messages API, such as a
 * gateway), Amazon Bedrock or Google Vertex AI, each through Anthropic's own SDK package for it. Only places and
 * names: credentials never appear here, so they never reach a profiles file or workflow history; the worker takes
 * them from its environment and the clouds' standard credential chains. Bundle-safe.
 */
import { z } from 'zod';
import { stringMatching } from './string-matching.js';

// Not `z.url({ protocol })`: its check writes to its pattern, which is frozen in a worker (see string-matching.ts).
// Runs on a URL `z.url()` refused as well, so it reads the text, as the URL parser does (surrounding spaces dropped).
const httpUrlSchema = z.url().refine((value) => /^https?:/i.test(value.trim()), { message: 'an http or https URL' });

/** A cloud region or location, e.g. `us-east-1`, `europe-west1`, `global`. */
const regionSchema = stringMatching(/^[a-z0-9-]{2,40}$/, 'a region name such as us-east-1 or europe-west1');

/** An environment variable's name: the profile says where the key is, never the key. */
const environmentVariableSchema = stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name');

export const anthropicProviderSchema = z.strictObject({
  type: z.literal('anthropic'),
  /** Messages API base URL for this profile, e.g. a gateway's. @default the worker's `ANTHROPIC_BASE_URL`, else Anthropic's */
  baseUrl: httpUrlSchema.optional(),
  /** The environment variable the worker reads this profile's API key from. @default `ANTHROPIC_API_KEY` */
  apiKeyEnv: environmentVariableSchema.optional(),
});

export const bedrockProviderSchema = z.strictObject({
  type: z.literal('bedrock'),
  /** The AWS region whose Bedrock runtime serves the model. */
  region: regionSchema,
  /** Bedrock runtime endpoint, e.g. a VPC endpoint. @default env `ANTHROPIC_BEDROCK_BASE_URL`, else `https://bedrock-runtime.<region>.amazonaws.com` */
  baseUrl: httpUrlSchema.optional(),
});

export const vertexProviderSchema = z.strictObject({
  type: z.literal('vertex'),
  /** The Vertex AI location, e.g. `us-east5`, `europe-west1` or `global`. */
  region: regionSchema,
  /** The Google Cloud project billed for the calls. */
  projectId: stringMatching(/^[a-z][a-z0-9-]{4,61}[a-z0-9]$/, 'a Google Cloud project id'),
  /** Vertex AI endpoint, e.g. a Private Service Connect one. @default env `ANTHROPIC_VERTEX_BASE_URL`, else the region's */
  baseUrl: httpUrlSchema.optional(),
});

const providerObjectSchema = z.discriminatedUnion('type', [anthropicProviderSchema, bedrockProviderSchema, vertexProviderSchema]);

/**
 * A profile's `provider`. The plain string `anthropic` is what profiles (and the histories that carry them) said
 * before providers had settings; it still reads as `{type: "anthropic"}`.
 */
export const modelProviderSchema = z.union([z.literal('anthropic').transform((): z.output<typeof anthropicProviderSchema> => ({ type: 'anthropic' })), providerObjectSchema]);

export type ModelProvider = z.output<typeof modelProviderSchema>;
export type ModelProviderConfig = z.input<typeof modelProviderSchema>;

/** True for Anthropic's API with the worker's own settings: the provider a model call need not name. */
export function isWorkerDefaultProvider(provider: ModelProvider): boolean {
  return provider.type === 'anthropic' && provider.baseUrl === undefined && provider.apiKeyEnv === undefined;
}
