import type { ProfileConfig } from '../../src/shared/schemas/profile.js';

/** The model id every bench session and baseline asks for (the scripted server answers any id). */
export const benchModel = 'claude-bench-1';

/**
 * The profile the benchmark's sessions run with: Keel's defaults except a short heartbeat timeout (the recovery
 * scenario's subject) and fast retries, as an operator tuning for quick failover would set them.
 */
export function benchProfiles(heartbeatTimeoutSeconds: number): Record<string, ProfileConfig> {
  const bench = {
    model: benchModel,
    maxOutputTokens: 1024,
    modelCall: {
      startToCloseTimeoutSeconds: 300,
      heartbeatTimeoutSeconds,
      retry: { initialIntervalMs: 100, backoffCoefficient: 2, maximumIntervalMs: 1000, maximumAttempts: 10 },
    },
  };
  // The same with model calls and retry-safe tools as local activities (docs/profiles.md, "Local model calls").
  return { bench, [benchLocalProfile]: { ...bench, modelCall: { ...bench.modelCall, local: true } } };
}

/** The bench profile with `modelCall.local` set. */
export const benchLocalProfile = 'bench-local';
