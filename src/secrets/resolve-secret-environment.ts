import { ToolError } from '../errors.js';
import type { SecretReference } from '../shared/schemas/secret-reference.js';
import type { SecretScope, SecretsProvider } from './secrets-provider.js';

/**
 * Turns a sandbox's environment of references (`{GITHUB_TOKEN: {secret: "github-token"}}`) into values, inside the
 * activity that runs the command, for that command only. Providers are asked in order; the first that has the
 * secret wins.
 * @throws ToolError naming the missing secret (never a value), which goes back to the model as a tool error.
 */
export async function resolveSecretEnvironment(
  references: Record<string, SecretReference>,
  providers: SecretsProvider[],
  scope: SecretScope = {},
): Promise<Record<string, string>> {
  const resolved: Record<string, string> = {};
  for (const [variable, reference] of Object.entries(references)) {
    let value: string | undefined;
    for (const provider of providers) {
      value = await provider.get(reference, scope);
      if (value !== undefined) break;
    }
    if (value === undefined) throw new ToolError(`secret "${reference.secret}" (for ${variable}) is not configured on the worker`);
    resolved[variable] = value;
  }
  return resolved;
}
