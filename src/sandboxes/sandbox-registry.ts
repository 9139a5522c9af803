/**
 * The sandbox providers a worker offers, by name, and why the others are not offered. Worker-side.
 */
import { SandboxError } from '../errors.js';
import { FailureTypes } from '../shared/failure-types.js';
import type { SandboxProvider, SandboxRef } from './sandbox-provider.js';

export class SandboxRegistry {
  readonly #providers = new Map<SandboxRef['provider'], SandboxProvider>();
  readonly #unavailable = new Map<SandboxRef['provider'], string>();

  /** Offers a provider (replacing one of the same name). */
  register(provider: SandboxProvider): void {
    this.#providers.set(provider.name, provider);
    this.#unavailable.delete(provider.name);
  }

  /** Records why a provider cannot be offered on this worker; sessions that ask for it are refused with this reason. */
  markUnavailable(name: SandboxRef['provider'], reason: string): void {
    this.#providers.delete(name);
    this.#unavailable.set(name, reason);
  }

  /** Why sessions cannot use `name` here, or undefined when they can. */
  unavailableReason(name: SandboxRef['provider']): string | undefined {
    if (this.#providers.has(name)) return undefined;
    return this.#unavailable.get(name) ?? `no "${name}" sandbox provider is configured on this worker`;
  }

  /** The providers offered here. */
  providers(): SandboxProvider[] {
    return [...this.#providers.values()];
  }

  /** @throws SandboxError (Sandbox.Unavailable, not retryable) when the provider is not offered here. */
  get(name: SandboxRef['provider']): SandboxProvider {
    const provider = this.#providers.get(name);
    if (!provider) {
      throw new SandboxError(`the ${name} sandbox is unavailable on this worker: ${this.unavailableReason(name)}`, {
        retryable: false,
        failureType: FailureTypes.SandboxUnavailable,
      });
    }
    return provider;
  }
}
