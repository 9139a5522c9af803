/**
 * The requests `keel serve` is still answering, so that closing the API leaves no Temporal call behind: each
 * request's work (and each event stream's) runs under one abort signal, which `close()` fires to cancel the calls
 * still in flight, and `close()` resolves once all of that work has ended. The caller may close the Temporal
 * connection next: a call still retrying on a closed connection throws from a timer, where nothing can catch it.
 * Server-side.
 */
import type { Client } from '@temporalio/client';
import { setMaxListeners } from 'node:events';
import { callWithAbort } from '../client/call-with-abort.js';

export class InFlightRequests {
  readonly #pending = new Set<Promise<unknown>>();
  readonly #closing = new AbortController();

  constructor(private readonly client: Client) {
    // One listener for each request and event stream in flight, each removed as it ends: a thousand subscribers are a
    // thousand listeners at once, not a leak, which Node's warning past ten would claim.
    setMaxListeners(0, this.#closing.signal);
  }

  /** Fires when the API closes: streams end, and the Temporal calls of `run` are cancelled. */
  get signal(): AbortSignal {
    return this.#closing.signal;
  }

  /** Runs `work` as part of a request: its Temporal calls are cancelled by `close()`, which waits for it to end. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const running = callWithAbort(this.client.connection, this.#closing.signal, work);
    this.#pending.add(running);
    const forget = () => this.#pending.delete(running);
    running.then(forget, forget);
    return running;
  }

  /** Cancels what is in flight and resolves when it has all ended (work started meanwhile included). */
  async close(): Promise<void> {
    this.#closing.abort();
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }
}
