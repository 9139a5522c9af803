import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { describe, test } from 'node:test';
import { toActivityFailure } from '../../src/activities/activity-failure.js';
import { ModelError, SandboxError, StoreError } from '../../src/errors.js';
import { FailureTypes } from '../../src/shared/failure-types.js';

describe('activity failure', () => {
  test('toActivityFailure: retry-after becomes nextRetryDelay, but retry-after: 0 leaves the retry policy its own backoff', () => {
    const rateLimited = (retryAfterMs: number) => new ModelError('rate limited', { status: 429, retryable: true, retryAfterMs, failureType: 'Model.RateLimit' });
    assert.equal(toActivityFailure(rateLimited(2_000)).nextRetryDelay, 2_000);
    const immediate = toActivityFailure(rateLimited(0));
    assert.equal(immediate.nextRetryDelay, undefined);
    assert.equal(immediate.nonRetryable, false);
  });

  test('toActivityFailure: a model error names its request id, never more of the request', () => {
    const failure = toActivityFailure(new ModelError('bad request', { status: 400, requestId: 'req_1', retryable: false, failureType: FailureTypes.ModelBadRequest }));
    assert.equal(failure.type, FailureTypes.ModelBadRequest);
    assert.equal(failure.nonRetryable, true);
    assert.equal(failure.message, 'bad request (request req_1)');
  });

  test('toActivityFailure: a Keel error keeps its type and retryability; others take the fallback or their class name', () => {
    const lost = toActivityFailure(new StoreError('sha256:ab is missing', { retryable: false, failureType: FailureTypes.StoreNotFound }), { type: FailureTypes.ToolFailed });
    assert.deepEqual([lost.type, lost.nonRetryable], [FailureTypes.StoreNotFound, true]);
    const sandbox = toActivityFailure(new SandboxError('reset', { retryable: true, failureType: FailureTypes.SandboxConnection }));
    assert.deepEqual([sandbox.type, sandbox.nonRetryable], [FailureTypes.SandboxConnection, false]);
    const crash = toActivityFailure(new TypeError('x is undefined'), { type: FailureTypes.ToolFailed });
    assert.deepEqual([crash.type, crash.nonRetryable], [FailureTypes.ToolFailed, false]);
    assert.equal(toActivityFailure(new RangeError('bad')).type, 'RangeError');
    const passed = ApplicationFailure.nonRetryable('as it was', 'Custom');
    assert.equal(toActivityFailure(passed), passed);
  });
});
