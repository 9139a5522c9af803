import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ActivityFailure, ApplicationFailure, CancelledFailure, RetryState, TimeoutFailure, TimeoutType } from '@temporalio/common';
import { defaultFailoverOn } from '../../src/shared/schemas/profile.js';
import { failoverReason } from '../../src/workflows/failover.js';

const failedCall = (cause: Error) => new ActivityFailure('activity failed', 'callModel', '1', RetryState.MAXIMUM_ATTEMPTS_REACHED, 'worker', cause);

describe('failoverReason', () => {
  test('failoverReason: a model call whose retries ran out on an overload or an outage fails over', () => {
    assert.deepEqual(failoverReason(failedCall(ApplicationFailure.retryable('HTTP 529', 'Model.Overloaded')), defaultFailoverOn), {
      type: 'Model.Overloaded',
      message: 'HTTP 529',
    });
    assert.equal(failoverReason(failedCall(new TimeoutFailure('timed out', undefined, TimeoutType.HEARTBEAT)), defaultFailoverOn)?.type, 'Model.Timeout');
  });

  test('failoverReason: a bad request, a cancellation or a failure not in failoverOn does not', () => {
    assert.equal(failoverReason(failedCall(ApplicationFailure.nonRetryable('bad', 'Model.BadRequest')), defaultFailoverOn), undefined);
    assert.equal(failoverReason(failedCall(new CancelledFailure('cancelled')), defaultFailoverOn), undefined);
    assert.equal(failoverReason(failedCall(ApplicationFailure.retryable('529', 'Model.Overloaded')), ['Model.RateLimit']), undefined);
    assert.equal(failoverReason(new Error('not an activity failure'), defaultFailoverOn), undefined);
    assert.equal(failoverReason(failedCall(ApplicationFailure.nonRetryable('gone', 'Model.NotFound')), ['Model.NotFound'])?.type, 'Model.NotFound');
  });
});
