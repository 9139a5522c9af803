/**
 * Activities of the benchmark's own baseline workflows (worker-side). Not part of Keel.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ModelAdapter } from '../../src/models/model-adapter.js';
import type { ModelCallRequest, ModelCallResponse } from '../../src/shared/schemas/model-call.js';

/** Deterministic filler of exactly `bytes` ASCII bytes, so that history sizes compare byte for byte. */
export function fillerText(bytes: number, seed: number): string {
  const unit = `output line ${seed} `;
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

export function createBenchActivities(model: ModelAdapter) {
  return {
    /**
     * The naive loop's model activity: the whole conversation in, the reply out, through Keel's Anthropic adapter
     * (real SDK, streaming) with no store: what a durable loop written without care for payloads does.
     */
    async callModelWithTranscript(request: ModelCallRequest): Promise<ModelCallResponse> {
      try {
        return await model.call({ ...request, tools: request.tools ?? [] });
      } catch (error) {
        throw ApplicationFailure.retryable(error instanceof Error ? error.message : String(error), 'Bench.ModelCall');
      }
    },
    /** The naive loop's tool call: `bytes` of output, what `bench_output` returns in a Keel session. */
    async produceToolOutput(request: { bytes: number; seed: number }): Promise<string> {
      return fillerText(request.bytes, request.seed);
    },
  };
}
