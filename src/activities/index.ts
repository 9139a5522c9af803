/**
 * The worker's activities, built from their dependencies. Workflows see them only as types:
 * `proxyActivities<ReturnType<typeof createActivities>>`.
 */
import type { ProfileRegistry } from '../config/profile-registry.js';
import type { ModelAdapter } from '../models/model-adapter.js';
import { createCallModel } from './call-model.js';
import { createResolveProfile } from './resolve-profile.js';

export interface ActivityDependencies {
  model: ModelAdapter;
  profiles: ProfileRegistry;
}

export function createActivities(dependencies: ActivityDependencies) {
  return {
    callModel: createCallModel(dependencies.model),
    resolveProfile: createResolveProfile(dependencies.profiles),
  };
}
