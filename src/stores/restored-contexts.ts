/**
 * The model's view of each session's latest context, kept by the worker between calls: the stored context restored
 * for the model (stored blocks resolved, tool results cut) up to the head the worker last wrote. A session's next
 * call names that head as its base, so only its new messages need restoring, not the whole conversation again —
 * which would make every call of a long session cost more than the one before. Worker-side.
 *
 * Only an optimisation: a miss (another worker wrote the head, or it was evicted) restores the whole context from
 * the store, as every call did before.
 */
import { LRUCache } from 'lru-cache';
import type { Message } from '../shared/schemas/content.js';
import type { ContextRef } from '../shared/schemas/stored-block.js';

/** How much restored context a worker keeps, across sessions (JSON bytes, roughly what the model is sent). */
const DEFAULT_MAX_BYTES = 128 * 1024 * 1024;

interface Entry {
  head: string;
  count: number;
  maxBytes: number | undefined;
  messages: Message[];
  bytes: number;
}

export interface RestoredContext {
  messages: Message[];
  /** Their size as JSON, bytes. */
  bytes: number;
}

export class RestoredContexts {
  readonly #bySession: LRUCache<string, Entry>;

  constructor(maxBytes = DEFAULT_MAX_BYTES) {
    // A context larger than the whole budget is simply not kept.
    this.#bySession = new LRUCache({ maxSize: maxBytes, sizeCalculation: (entry) => Math.max(1, entry.bytes) });
  }

  /** The restored messages of `base` for this session, if they are the ones kept. Read them, never change them. */
  get(sessionId: string, base: ContextRef, maxBytes: number | undefined): RestoredContext | undefined {
    const entry = this.#bySession.get(sessionId);
    return entry && entry.head === base.head && entry.count === base.count && entry.maxBytes === maxBytes ? entry : undefined;
  }

  set(sessionId: string, head: ContextRef, maxBytes: number | undefined, context: RestoredContext): void {
    this.#bySession.set(sessionId, { head: head.head, count: head.count, maxBytes, messages: context.messages, bytes: context.bytes });
  }
}
