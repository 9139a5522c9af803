/**
 * `callGraderModel`: one model call of a grading workflow (`keel eval --rubric`), through the same model adapter
 * (Anthropic's SDK, the profile's provider) as a session's turns, streamed and heartbeating. Unlike `callModel` it
 * keeps nothing in the content store: its request is whole and plain text, its reply comes back whole. Failures
 * leave classified as `callModel`'s do (retryable or not). Worker-side.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ModelAdapter } from '../models/model-adapter.js';
import { FailureTypes } from '../shared/failure-types.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import { modelCallRequestSchema, type ModelCallRequest, type ModelCallResponse } from '../shared/schemas/model-call.js';
import { toActivityFailure } from './activity-failure.js';
import { assertPayloadFits } from './assert-payload-fits.js';
import { startHeartbeats } from './heartbeat-pacer.js';

export function createCallGraderModel(adapter: ModelAdapter) {
  /** @throws ApplicationFailure `Model.*`, retryable or not as the provider's error says. */
  return async function callGraderModel(request: ModelCallRequest): Promise<ModelCallResponse> {
    const parsed = modelCallRequestSchema.safeParse(request);
    if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid grader model call: ${describeIssues(parsed.error)}`, FailureTypes.ModelInvalidRequest);
    const context = Context.current();
    const heartbeats = startHeartbeats(context, { phase: 'waiting for the first token' });
    let response: ModelCallResponse;
    try {
      response = await adapter.call(parsed.data, { signal: context.cancellationSignal, onProgress: (update) => heartbeats.progress(update) });
    } catch (error) {
      throw toActivityFailure(error, { type: FailureTypes.ModelBadResponse });
    } finally {
      heartbeats.stop();
    }
    try {
      assertPayloadFits(response, 'the grader model call result');
    } catch (error) {
      throw toActivityFailure(error);
    }
    return response;
  };
}
