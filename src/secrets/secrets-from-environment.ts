import { DirectorySecretsProvider } from './directory-secrets-provider.js';
import { EnvironmentSecretsProvider } from './environment-secrets-provider.js';
import type { SecretsProvider } from './secrets-provider.js';

/**
 * The worker's secrets providers, in lookup order: `KEEL_SECRETS_DIR` (when set), then `KEEL_SECRET_*` variables.
 */
export function secretsProvidersFromEnvironment(environment: NodeJS.ProcessEnv = process.env): SecretsProvider[] {
  return [
    ...(environment.KEEL_SECRETS_DIR ? [new DirectorySecretsProvider(environment.KEEL_SECRETS_DIR)] : []),
    new EnvironmentSecretsProvider(environment),
  ];
}
