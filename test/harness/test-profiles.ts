import type { ProfileConfig } from '../../src/shared/schemas/profile.js';

/**
 * Profiles for tests: the model call retries fast and a lost worker is noticed within seconds, so fault tests
 * finish quickly. Prices are round numbers so cost assertions read plainly.
 */
export const testProfiles: Record<string, ProfileConfig> = {
  test: {
    model: 'claude-test-1',
    maxOutputTokens: 1024,
    contextWindow: 200_000,
    pricing: { inputPerMillionUsd: 1, outputPerMillionUsd: 10, cacheReadPerMillionUsd: 0.1, cacheWritePerMillionUsd: 1.25 },
    modelCall: {
      startToCloseTimeoutSeconds: 60,
      heartbeatTimeoutSeconds: 3,
      retry: { initialIntervalMs: 100, backoffCoefficient: 1.5, maximumIntervalMs: 1000, maximumAttempts: 6 },
    },
  },
};
