/**
 * Where activities get credentials: the worker's environment or a secrets store, looked up by name at the moment of
 * use. Workflows and session inputs carry only {@link SecretReference}s (names), so a credential never enters
 * workflow input, history, logs or errors. Worker-side.
 */
import type { SecretReference } from '../shared/schemas/secret-reference.js';

export interface SecretScope {
  /** The session asking. A provider may hold per-session credentials that other sessions cannot read. */
  sessionId?: string;
}

export interface SecretsProvider {
  readonly name: string;
  /** The secret's value, or undefined when this provider has none by that name (for that session). */
  get(reference: SecretReference, scope?: SecretScope): Promise<string | undefined>;
}
