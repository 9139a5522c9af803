import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadWorkerConfig } from '../../src/config/worker-config.js';
import { ConfigError } from '../../src/errors.js';

describe('worker config', () => {
  test('loadWorkerConfig: KEEL_STICKY_QUEUE_TIMEOUT_SECONDS is read in seconds and absent by default', () => {
    assert.equal(loadWorkerConfig({ KEEL_STICKY_QUEUE_TIMEOUT_SECONDS: '1.5' }).stickyQueueTimeoutSeconds, 1.5);
    assert.equal('stickyQueueTimeoutSeconds' in loadWorkerConfig({}), false);
  });

  test('loadWorkerConfig: a sticky queue timeout that is not a positive number is refused, naming the variable', () => {
    for (const value of ['0', '-3', 'soon']) {
      assert.throws(
        () => loadWorkerConfig({ KEEL_STICKY_QUEUE_TIMEOUT_SECONDS: value }),
        (error: unknown) => ConfigError.isInstance(error) && error.message.includes('KEEL_STICKY_QUEUE_TIMEOUT_SECONDS'),
      );
    }
  });

  test('loadWorkerConfig: KEEL_DEPLOYMENT_NAME and KEEL_BUILD_ID turn Worker Versioning on together; one alone is refused', () => {
    assert.deepEqual(loadWorkerConfig({ KEEL_DEPLOYMENT_NAME: 'keel', KEEL_BUILD_ID: '2026-12-07.1' }).deployment, { name: 'keel', buildId: '2026-12-07.1' });
    assert.equal('deployment' in loadWorkerConfig({}), false);
    for (const environment of [{ KEEL_DEPLOYMENT_NAME: 'keel' }, { KEEL_BUILD_ID: 'b1' }]) {
      assert.throws(() => loadWorkerConfig(environment), (error: unknown) => ConfigError.isInstance(error) && /KEEL_DEPLOYMENT_NAME and KEEL_BUILD_ID go together/.test(error.message));
    }
  });
});
