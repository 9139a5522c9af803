import { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mapAnthropicError, parseRetryAfterMs } from '../../src/models/anthropic/map-anthropic-error.js';

function apiError(status: number | undefined, type: string, headers: Record<string, string> = {}) {
  const body = { type: 'error', error: { type, message: `a ${type}` } };
  // The SDK builds a stream's `error` event as a bare APIError without status, as here.
  return status === undefined ? new APIError(undefined, body, undefined, new Headers(headers)) : APIError.generate(status, body, undefined, new Headers(headers));
}

describe('mapAnthropicError', () => {
  for (const [status, type, failureType, retryable] of [
    [400, 'invalid_request_error', 'Model.BadRequest', false],
    [401, 'authentication_error', 'Model.Auth', false],
    [403, 'permission_error', 'Model.PermissionDenied', false],
    [404, 'not_found_error', 'Model.NotFound', false],
    [413, 'request_too_large', 'Model.RequestTooLarge', false],
    [408, 'timeout_error', 'Model.Timeout', true],
    [429, 'rate_limit_error', 'Model.RateLimit', true],
    [500, 'api_error', 'Model.ServerError', true],
    [502, 'api_error', 'Model.ServerError', true],
    [503, 'api_error', 'Model.ServerError', true],
    [504, 'api_error', 'Model.ServerError', true],
    [529, 'overloaded_error', 'Model.Overloaded', true],
  ] as Array<[number, string, string, boolean]>) {
    test(`mapAnthropicError: HTTP ${status} becomes ${retryable ? 'retryable' : 'non-retryable'} ${failureType}`, () => {
      const mapped = mapAnthropicError(apiError(status, type, { 'request-id': 'req_1' }));
      assert.equal(mapped.failureType, failureType);
      assert.equal(mapped.retryable, retryable);
      assert.equal(mapped.status, status);
      assert.equal(mapped.requestId, 'req_1');
      assert.match(mapped.message, new RegExp(`\\(HTTP ${status} ${type}\\): a ${type}`));
    });
  }

  test('mapAnthropicError: an error event inside a stream is classified by its type', () => {
    assert.deepEqual(
      [mapAnthropicError(apiError(undefined, 'overloaded_error')).retryable, mapAnthropicError(apiError(undefined, 'invalid_request_error')).retryable],
      [true, false],
    );
  });

  test('mapAnthropicError: retry-after becomes the next retry delay', () => {
    assert.equal(mapAnthropicError(apiError(429, 'rate_limit_error', { 'retry-after': '7' })).retryAfterMs, 7000);
    assert.equal(mapAnthropicError(apiError(529, 'overloaded_error', { 'retry-after-ms': '250' })).retryAfterMs, 250);
  });

  test('mapAnthropicError: x-should-retry overrides the status', () => {
    assert.equal(mapAnthropicError(apiError(400, 'invalid_request_error', { 'x-should-retry': 'true' })).retryable, true);
    assert.equal(mapAnthropicError(apiError(500, 'api_error', { 'x-should-retry': 'false' })).retryable, false);
  });

  test('mapAnthropicError: connection failures, cut streams and aborts are retryable', () => {
    assert.equal(mapAnthropicError(new APIConnectionError({ message: 'refused' })).failureType, 'Model.Connection');
    assert.equal(mapAnthropicError(new TypeError('terminated')).retryable, true);
    assert.match(mapAnthropicError(new TypeError('terminated')).message, /dropped mid-stream/);
    assert.equal(mapAnthropicError(new APIUserAbortError()).retryable, true);
  });

  test('parseRetryAfterMs: reads seconds, milliseconds and HTTP dates, and ignores garbage', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfterMs(new Headers({ 'retry-after': '1.5' })), 1500);
    assert.equal(parseRetryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), () => now), 3000);
    assert.equal(parseRetryAfterMs(new Headers({ 'retry-after': 'soon' })), undefined);
    assert.equal(parseRetryAfterMs(undefined), undefined);
  });
});
