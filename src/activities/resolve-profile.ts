import { ApplicationFailure } from '@temporalio/common';
import type { ProfileRegistry } from '../config/profile-registry.js';
import { AgentRuntimeError } from '../errors.js';
import { FailureTypes } from '../shared/failure-types.js';
import type { ResolvedProfile } from '../shared/schemas/profile.js';

/**
 * `resolveProfile`: the named profile as the worker's configuration has it now. Called by the workflow, so the
 * profile a session runs with is recorded in its history and replays the same.
 */
export function createResolveProfile(registry: ProfileRegistry) {
  return async function resolveProfile(name: string): Promise<ResolvedProfile> {
    try {
      return registry.resolve(name);
    } catch (error) {
      if (AgentRuntimeError.isInstance(error)) throw ApplicationFailure.nonRetryable(error.message, FailureTypes.ConfigUnknownProfile);
      throw error;
    }
  };
}
