import type { ModelCallRequest, ModelCallResponse } from '../shared/schemas/model-call.js';

/** Progress reported while a response streams in; the model activity turns it into heartbeats. */
export interface ModelCallProgress {
  outputCharacters: number;
  events: number;
}

/** A piece of the reply as it streams in: text, thinking, or a tool call's input JSON, of content block `index`. */
export type ModelStreamDelta =
  | { kind: 'text' | 'thinking'; index: number; text: string }
  | { kind: 'tool_input'; index: number; toolUseId: string; json: string };

export interface ModelCallOptions {
  /** Aborts the call (the activity was cancelled or timed out). */
  signal?: AbortSignal;
  onProgress?: (progress: ModelCallProgress) => void;
  /** Each delta of the reply, in order, as it arrives (the live stream subscribers see). */
  onDelta?: (delta: ModelStreamDelta) => void;
}

/**
 * A model provider behind Keel's JSON wire types. Implementations throw {@link ModelError} with `retryable` set;
 * they never retry on their own (Temporal's retry policy is the only retry loop). Worker-side.
 */
export interface ModelAdapter {
  readonly provider: string;
  call(request: ModelCallRequest, options?: ModelCallOptions): Promise<ModelCallResponse>;
}
