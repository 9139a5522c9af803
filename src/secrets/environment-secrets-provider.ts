import type { SecretReference } from '../shared/schemas/secret-reference.js';
import { readSecretVariable } from './read-secret-variable.js';
import type { SecretScope, SecretsProvider } from './secrets-provider.js';

/** The variable name for a secret name: upper case, every other character `_`. `github-token` -> `GITHUB_TOKEN`. */
export function secretVariableSuffix(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * Secrets from the worker's environment: `KEEL_SECRET_<NAME>` (or `KEEL_SECRET_<NAME>_FILE`). Only variables with
 * that prefix are reachable, so a session cannot name `ANTHROPIC_API_KEY` or any other worker setting and have it
 * handed to a sandbox. A per-session value, `KEEL_SECRET_<SESSION>__<NAME>`, wins over the shared one.
 */
export class EnvironmentSecretsProvider implements SecretsProvider {
  readonly name = 'environment';

  constructor(private readonly environment: NodeJS.ProcessEnv = process.env) {}

  async get(reference: SecretReference, scope: SecretScope = {}): Promise<string | undefined> {
    const suffix = secretVariableSuffix(reference.secret);
    if (scope.sessionId) {
      const scoped = readSecretVariable(`KEEL_SECRET_${secretVariableSuffix(scope.sessionId)}__${suffix}`, this.environment);
      if (scoped !== undefined) return scoped;
    }
    return readSecretVariable(`KEEL_SECRET_${suffix}`, this.environment);
  }
}
