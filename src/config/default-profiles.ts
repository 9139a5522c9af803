import type { ProfileConfig } from '../shared/schemas/profile.js';

const sonnetPricing = { inputPerMillionUsd: 3, outputPerMillionUsd: 15, cacheReadPerMillionUsd: 0.3, cacheWritePerMillionUsd: 3.75 };
const opusPricing = { inputPerMillionUsd: 5, outputPerMillionUsd: 25, cacheReadPerMillionUsd: 0.5, cacheWritePerMillionUsd: 6.25 };
const haikuPricing = { inputPerMillionUsd: 1, outputPerMillionUsd: 5, cacheReadPerMillionUsd: 0.1, cacheWritePerMillionUsd: 1.25 };

/**
 * Profiles shipped with Keel, for current Claude models. A profiles file (`KEEL_PROFILES`) adds to these and
 * overrides them by name. Prices are US dollars per million tokens at each model tier's list price; an operator
 * with other terms overrides `pricing` in the profiles file, since budgets are enforced from these numbers.
 */
export const defaultProfiles: Record<string, ProfileConfig> = {
  default: { model: 'claude-sonnet-5-5', maxOutputTokens: 8192, contextWindow: 200_000, pricing: sonnetPricing },
  'claude-sonnet-5-5': { model: 'claude-sonnet-5-5', maxOutputTokens: 8192, contextWindow: 200_000, pricing: sonnetPricing },
  'claude-opus-5-5': { model: 'claude-opus-5-5', maxOutputTokens: 8192, contextWindow: 200_000, pricing: opusPricing },
  'claude-haiku-5-5': { model: 'claude-haiku-5-5', maxOutputTokens: 8192, contextWindow: 200_000, pricing: haikuPricing },
  'claude-sonnet-4-6': { model: 'claude-sonnet-4-6', maxOutputTokens: 8192, contextWindow: 200_000, pricing: sonnetPricing },
  'claude-haiku-4-5': { model: 'claude-haiku-4-5', maxOutputTokens: 8192, contextWindow: 200_000, pricing: haikuPricing },
};
