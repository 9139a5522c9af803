/**
 * A session's model context in the content store: an append-only chain of message batches, each naming the one
 * before. The workflow keeps only the head's hash and count, and the model activity receives that plus what is
 * new, so neither its input nor the history grows with the conversation. Nodes are immutable and content-addressed:
 * workers on several machines may extend and read chains at once. Worker-side.
 */
import { StoreError } from '../errors.js';
import { FailureTypes } from '../shared/failure-types.js';
import type { Message } from '../shared/schemas/content.js';
import type { ContextRef } from '../shared/schemas/stored-block.js';
import type { JsonStore } from './content-store.js';

/** One stored batch of a context. */
export interface ContextNode {
  kind: 'keel.context';
  /** The node before, or null for the first. */
  parent: string | null;
  /** Messages in the chain up to and including this node. */
  count: number;
  messages: Message[];
}

/**
 * The messages of a stored context, oldest first (stored blocks left as they are).
 * @throws StoreError when a node is missing or the chain does not hold `ref.count` messages.
 */
export async function loadContext(store: JsonStore, ref: ContextRef): Promise<Message[]> {
  const batches: Message[][] = [];
  let hash: string | null = ref.head;
  let expected = ref.count;
  while (hash !== null) {
    const node: ContextNode = await store.getJson<ContextNode>(hash);
    if (node.kind !== 'keel.context' || node.count !== expected || node.messages.length > expected) {
      throw new StoreError(`stored context sha256:${hash} is not the context node the session expects (count ${expected})`, {
        retryable: false,
        failureType: FailureTypes.StoreCorrupt,
      });
    }
    batches.push(node.messages);
    expected -= node.messages.length;
    hash = node.parent;
  }
  if (expected !== 0) {
    throw new StoreError(`stored context sha256:${ref.head} ends ${expected} messages short`, {
      retryable: false,
      failureType: FailureTypes.StoreCorrupt,
    });
  }
  return batches.reverse().flat();
}

/** Appends messages to a stored context (or starts one) and returns the new head. @throws StoreError */
export async function appendContext(store: JsonStore, base: ContextRef | undefined, messages: Message[]): Promise<ContextRef> {
  const count = (base?.count ?? 0) + messages.length;
  const node: ContextNode = { kind: 'keel.context', parent: base?.head ?? null, count, messages };
  const { hash } = await store.putJson(node);
  return { head: hash, count };
}
