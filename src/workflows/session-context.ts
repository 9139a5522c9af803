/**
 * The model context of a session's calls: the model activity gets the stored context plus only what is new
 * ({@link ModelContext}), with large content among the new messages stored first, so that the activity's input
 * stays small however long the conversation. Workflow code: deterministic, talks to the store only through
 * activities.
 */
import type { ModelCallRequest, ModelCallResponse } from '../shared/schemas/model-call.js';
import type { CarriedContext } from '../shared/schemas/session-carry.js';
import { hasOversizedBlocks } from '../shared/schemas/stored-block.js';
import { storeMessages } from './content-offload.js';
import { ModelContext } from './model-context.js';
import type { SessionState } from './session-state.js';

/** What a model call's request says about its context. */
export type ContextFields = Pick<ModelCallRequest, 'contextBase' | 'messages' | 'system' | 'systemRef' | 'toolResultMaxBytes'>;

export class SessionContext {
  readonly #state: SessionState;
  readonly #context = new ModelContext();
  /** The system prompt of the last model call's request. */
  #system: string | undefined;

  constructor(state: SessionState) {
    this.#state = state;
  }

  /** Goes on from the previous run's stored context, once the transcript is back. */
  fromCarry(carried: CarriedContext | undefined, system: string | undefined): void {
    const state = this.#state;
    if (carried) this.#context.restore(carried, state.modelMessages(), state.contextEpoch, state.systemInContext ? system : undefined);
  }

  /**
   * The context fields of the next model call: the stored context and what follows it. Large content among the
   * new messages is stored first, so that the activity's input stays small.
   */
  async request(system: string | undefined): Promise<ContextFields> {
    const state = this.#state;
    this.#system = system;
    let fields = this.#context.request(state.modelMessages(), state.contextEpoch, system);
    if (fields.messages.some((message) => hasOversizedBlocks(message.content))) {
      await storeMessages(state, fields.messages);
      fields = this.#context.request(state.modelMessages(), state.contextEpoch, system);
    }
    const toolResultMaxBytes = state.profile?.toolResultMaxBytes;
    return { ...fields, ...(toolResultMaxBytes !== undefined ? { toolResultMaxBytes } : {}) };
  }

  /** A request built for the whole conversation, carrying instead the context fields from {@link request}. */
  withContext(request: ModelCallRequest, context: ContextFields): ModelCallRequest {
    const { system: _system, ...rest } = request;
    return { ...rest, ...context };
  }

  /** Call once the model's response is recorded in the state. */
  recorded(response: ModelCallResponse): void {
    this.#context.recorded(response, this.#state.modelMessages(), this.#state.contextEpoch, this.#system);
  }

  toCarry(): CarriedContext | undefined {
    return this.#context.snapshot();
  }
}
