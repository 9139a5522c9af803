import type { ProfileConfig } from '../shared/schemas/profile.js';

const sonnetPricing = { inputPerMillionUsd: 3, outputPerMillionUsd: 15, cacheReadPerMillionUsd: 0.3, cacheWritePerMillionUsd: 3.75 };
const opusPricing = { inputPerMillionUsd: 5, outputPerMillionUsd: 25, cacheReadPerMillionUsd: 0.5, cacheWritePerMillionUsd: 6.25 };
const haikuPricing = { inputPerMillionUsd: 1, outputPerMillionUsd: 5, cacheReadPerMillionUsd: 0.1, cacheWritePerMillionUsd: 1.25 };

/** Prompt caching as Keel ships it: the tools, the system prompt and the growing conversation, five minutes. */
const caching = { enabled: true, breakpoints: ['tools', 'system', 'lastMessage'], ttl: '5m' } satisfies ProfileConfig['promptCaching'];

/** Long sessions summarise their context once a call's input passes 80% of the window, keeping the last turns. */
const compactAt80Percent = {
  strategy: 'compact',
  triggerFraction: 0.8,
  keep: { system: true, task: true, lastTurns: 3, summary: true },
} satisfies ProfileConfig['contextPolicy'];

/** A current Claude model with Keel's shipped settings. */
function claude(model: string, pricing: ProfileConfig['pricing'], extra: Partial<ProfileConfig> = {}): ProfileConfig {
  return { model, maxOutputTokens: 8192, contextWindow: 200_000, pricing, promptCaching: caching, contextPolicy: compactAt80Percent, ...extra };
}

/**
 * Profiles shipped with Keel, for current Claude models. A profiles file (`KEEL_PROFILES`, or the worker's
 * `--profiles`) adds to these and overrides them by name. Prices are US dollars per million tokens at each model
 * tier's list price (cache writes at the five-minute rate); an operator with other terms overrides `pricing` in the
 * profiles file, since budgets are enforced from these numbers.
 */
export const defaultProfiles: Record<string, ProfileConfig> = {
  default: claude('claude-sonnet-5-5', sonnetPricing),
  'claude-sonnet-5-5': claude('claude-sonnet-5-5', sonnetPricing),
  'claude-sonnet-5-5-thinking': claude('claude-sonnet-5-5', sonnetPricing, {
    maxOutputTokens: 16_000,
    thinking: { type: 'enabled', budgetTokens: 8_000 },
  }),
  'claude-opus-5-5': claude('claude-opus-5-5', opusPricing),
  'claude-haiku-5-5': claude('claude-haiku-5-5', haikuPricing),
  'claude-sonnet-4-6': claude('claude-sonnet-4-6', sonnetPricing),
  'claude-haiku-4-5': claude('claude-haiku-4-5', haikuPricing),
};
