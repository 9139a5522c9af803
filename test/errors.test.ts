import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AgentRuntimeError, ConfigError, ModelError, SandboxError, StoreError, ToolError } from '../src/errors.js';
import { FailureTypes } from '../src/shared/failure-types.js';
import type * as ErrorsModule from '../src/errors.js';

describe('error identity', () => {
  test('isInstance: true for the class and its ancestors, false for a sibling class', () => {
    const store = new StoreError('gone', { retryable: false, failureType: FailureTypes.StoreNotFound });
    assert.equal(StoreError.isInstance(store), true);
    assert.equal(AgentRuntimeError.isInstance(store), true);
    assert.equal(ModelError.isInstance(store), false);
    assert.equal(SandboxError.isInstance(new ToolError('no such file')), false);
    assert.equal(StoreError.isInstance(new Error('plain')), false);
    assert.equal(StoreError.isInstance(undefined), false);
  });

  test('isInstance: an error made by another copy of the module is recognised, where instanceof is not', async () => {
    const copy = (await import(`../src/errors.js?copy=${Date.now()}`)) as typeof ErrorsModule;
    const foreign = new copy.SandboxError('unreachable', { retryable: true, failureType: FailureTypes.SandboxConnection });
    assert.equal(foreign instanceof SandboxError, false);
    assert.equal(SandboxError.isInstance(foreign), true);
    assert.equal(ModelError.isInstance(foreign), false);
  });

  test('errors: every error says whether to retry and names its failure type', () => {
    const config = new ConfigError('KEEL_PROFILES: no such file');
    assert.deepEqual([config.retryable, config.failureType, config.name], [false, FailureTypes.ConfigInvalid, 'ConfigError']);
    const tool = new ToolError('path outside the session');
    assert.deepEqual([tool.retryable, tool.failureType, tool.content], [false, FailureTypes.ToolFailed, 'path outside the session']);
  });
});
