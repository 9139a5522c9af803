import type { ProfileConfig } from '../shared/schemas/profile.js';

/**
 * Profiles shipped with Keel, for the current Claude models. A profiles file (`KEEL_PROFILES`) adds to these and
 * overrides them by name. Prices are US dollars per million tokens.
 */
export const defaultProfiles: Record<string, ProfileConfig> = {
  default: {
    model: 'claude-sonnet-4-5',
    maxOutputTokens: 8192,
    contextWindow: 200_000,
    pricing: { inputPerMillionUsd: 3, outputPerMillionUsd: 15, cacheReadPerMillionUsd: 0.3, cacheWritePerMillionUsd: 3.75 },
  },
  'claude-sonnet-4-5': {
    model: 'claude-sonnet-4-5',
    maxOutputTokens: 8192,
    contextWindow: 200_000,
    pricing: { inputPerMillionUsd: 3, outputPerMillionUsd: 15, cacheReadPerMillionUsd: 0.3, cacheWritePerMillionUsd: 3.75 },
  },
  'claude-haiku-4-5': {
    model: 'claude-haiku-4-5',
    maxOutputTokens: 8192,
    contextWindow: 200_000,
    pricing: { inputPerMillionUsd: 1, outputPerMillionUsd: 5, cacheReadPerMillionUsd: 0.1, cacheWritePerMillionUsd: 1.25 },
  },
  'claude-opus-4-1': {
    model: 'claude-opus-4-1',
    maxOutputTokens: 8192,
    contextWindow: 200_000,
    pricing: { inputPerMillionUsd: 15, outputPerMillionUsd: 75, cacheReadPerMillionUsd: 1.5, cacheWritePerMillionUsd: 18.75 },
  },
};
