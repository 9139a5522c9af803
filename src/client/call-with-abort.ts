/**
 * Runs Temporal calls under an abort signal that may outlive them. Temporal's connection adds an 'abort' listener
 * to the signal of each call it makes (to cancel the call) and never removes it, so a long-lived signal would keep
 * every call made under it, and the call's objects, for as long as it lives. Each run gets a signal of its own that
 * follows the long-lived one only while the run lasts. Client-side.
 */
import type { ConnectionLike } from '@temporalio/client';
import { setMaxListeners } from 'node:events';

/** Runs `send` with its calls on `connection` cancelled when `signal` aborts. @throws what `send` throws */
export async function callWithAbort<T>(connection: ConnectionLike, signal: AbortSignal, send: () => Promise<T>): Promise<T> {
  const own = new AbortController();
  // Temporal adds a listener to it for each call of the run (a count by status makes a dozen): many, but dropped
  // with the run's signal. Node would warn of a leak past ten.
  setMaxListeners(0, own.signal);
  const follow = () => own.abort();
  if (signal.aborted) own.abort();
  else signal.addEventListener('abort', follow, { once: true });
  try {
    return await connection.withAbortSignal(own.signal, send);
  } finally {
    signal.removeEventListener('abort', follow);
  }
}
