import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toModelFailure } from '../../src/activities/model-failure.js';
import { ModelError } from '../../src/errors.js';

describe('model failure', () => {
  test('toModelFailure: retry-after becomes nextRetryDelay, but retry-after: 0 leaves the retry policy its own backoff', () => {
    const rateLimited = (retryAfterMs: number) => new ModelError('rate limited', { status: 429, retryable: true, retryAfterMs, failureType: 'Model.RateLimit' });
    assert.equal(toModelFailure(rateLimited(2_000)).nextRetryDelay, 2_000);
    const immediate = toModelFailure(rateLimited(0));
    assert.equal(immediate.nextRetryDelay, undefined);
    assert.equal(immediate.nonRetryable, false);
  });
});
