/**
 * Activities of the benchmark's own baseline workflows (worker-side). Not part of Keel.
 */
import { ApplicationFailure } from '@temporalio/common';
import { fillerText, lookupAnswer } from '../lib/tool-answers.js';
import type { ModelAdapter } from '../../src/models/model-adapter.js';
import type { ModelCallRequest, ModelCallResponse } from '../../src/shared/schemas/model-call.js';

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
    /** The minimal loop's tool call: what `bench_lookup` answers in a Keel session. */
    async benchLookup(input: { key: string }): Promise<string> {
      return lookupAnswer(input.key);
    },
    /** The naive loop's tool call: `bytes` of output, what `bench_output` returns in a Keel session. */
    async produceToolOutput(request: { bytes: number; seed: number }): Promise<string> {
      return fillerText(request.bytes, request.seed);
    },
  };
}
