/**
 * Which part of the conversation the model activity already has in the content store. The activity returns the
 * stored context's head after each call; the next call sends that head plus only the messages after it, so the
 * activity's input does not grow with the conversation. Pure and deterministic.
 */
import type { Message } from '../shared/schemas/content.js';
import type { ModelCallRequest, ModelCallResponse } from '../shared/schemas/model-call.js';
import type { BlobRef, ContextRef } from '../shared/schemas/stored-block.js';

/** What a later run needs to go on from the same stored context. */
export interface ModelContextSnapshot {
  ref: ContextRef;
  epoch: number;
  systemRef?: BlobRef;
}

type ContextFields = Pick<ModelCallRequest, 'contextBase' | 'messages' | 'system' | 'systemRef'>;

/** A message's identity for "is this still the message the stored context holds": its JSON. */
function fingerprint(message: Message | undefined): string {
  return message === undefined ? '' : JSON.stringify(message);
}

export class ModelContext {
  #ref: ContextRef | undefined;
  #epoch = -1;
  #first = '';
  #last = '';
  #systemRef: BlobRef | undefined;
  #systemText: string | undefined;

  /**
   * The request's context fields for the messages the model must see now: the stored context and what follows it
   * when the stored context is still a prefix of `messages` (same epoch, same first and last message), else all
   * of `messages` (after a context reset, say).
   */
  request(messages: Message[], epoch: number, system: string | undefined): ContextFields {
    const fields: ContextFields = { messages };
    const ref = this.#ref;
    if (
      ref &&
      epoch === this.#epoch &&
      messages.length > ref.count &&
      fingerprint(messages[0]) === this.#first &&
      fingerprint(messages[ref.count - 1]) === this.#last
    ) {
      fields.contextBase = ref;
      fields.messages = messages.slice(ref.count);
    }
    if (system !== undefined) {
      if (this.#systemRef && this.#systemText === system) fields.systemRef = this.#systemRef;
      else fields.system = system;
    }
    return fields;
  }

  /**
   * Takes the stored context from a response, once the reply is recorded: `messages` are the model messages now,
   * the reply last. A response without a context, or one that does not match, makes the next call send everything.
   */
  recorded(response: ModelCallResponse, messages: Message[], epoch: number, system: string | undefined): void {
    if (response.systemRef && system !== undefined) {
      this.#systemRef = response.systemRef;
      this.#systemText = system;
    }
    const ref = response.context;
    if (!ref || ref.count !== messages.length) {
      this.#ref = undefined;
      return;
    }
    this.#adopt(ref, messages, epoch);
  }

  #adopt(ref: ContextRef, messages: Message[], epoch: number): void {
    this.#ref = ref;
    this.#epoch = epoch;
    this.#first = fingerprint(messages[0]);
    this.#last = fingerprint(messages[ref.count - 1]);
  }

  snapshot(): ModelContextSnapshot | undefined {
    if (!this.#ref) return undefined;
    return { ref: this.#ref, epoch: this.#epoch, ...(this.#systemRef ? { systemRef: this.#systemRef } : {}) };
  }

  /** Goes on from a snapshot, once the transcript is back: `messages` are the model messages of `epoch`. */
  restore(snapshot: ModelContextSnapshot, messages: Message[], epoch: number, system: string | undefined): void {
    if (snapshot.systemRef && system !== undefined) {
      this.#systemRef = snapshot.systemRef;
      this.#systemText = system;
    }
    if (snapshot.epoch !== epoch || messages.length < snapshot.ref.count) return;
    this.#adopt(snapshot.ref, messages, epoch);
  }
}
