import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ModelAdapter } from '../models/model-adapter.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import { modelCallRequestSchema, type ModelCallRequest, type ModelCallResponse } from '../shared/schemas/model-call.js';
import { toModelFailure } from './model-failure.js';

/**
 * `callModel`: one model call, streamed, heartbeating as tokens arrive so that a dead worker is noticed within the
 * heartbeat timeout and the call retried elsewhere. Retries belong to Temporal: failures leave here as
 * `ApplicationFailure`s classified retryable or not.
 */
export function createCallModel(adapter: ModelAdapter) {
  return async function callModel(request: ModelCallRequest): Promise<ModelCallResponse> {
    const parsed = modelCallRequestSchema.safeParse(request);
    if (!parsed.success) {
      throw ApplicationFailure.nonRetryable(`invalid model call request: ${describeIssues(parsed.error)}`, 'Model.InvalidRequest');
    }
    const context = Context.current();
    let progress: object = { phase: 'waiting for the first token' };
    context.heartbeat(progress);
    // A heartbeat says "this worker is alive", not "tokens are flowing": a model may think for longer than the
    // heartbeat timeout before its first token, so beat on a timer too.
    const intervalMs = Math.max(200, (context.info.heartbeatTimeoutMs ?? 30_000) / 3);
    const timer = setInterval(() => context.heartbeat(progress), intervalMs);
    try {
      return await adapter.call(parsed.data, {
        signal: context.cancellationSignal,
        onProgress: (update) => {
          progress = update;
          context.heartbeat(update);
        },
      });
    } catch (error) {
      throw toModelFailure(error);
    } finally {
      clearInterval(timer);
    }
  };
}
