/**
 * The heartbeat pacer beats on a timer in an ordinary activity, and never in a local one (`modelCall.local`), which
 * cannot heartbeat.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { Context } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { startHeartbeats } from '../../src/activities/heartbeat-pacer.js';

/** Runs an activity that keeps a pacer going for `runMs` with some progress; the heartbeats it sent. */
async function heartbeatsOf(isLocal: boolean, runMs: number): Promise<unknown[]> {
  // A 600 ms heartbeat timeout: the pacer beats every 200 ms, its shortest interval.
  const environment = new MockActivityEnvironment({ heartbeatTimeoutMs: 600, isLocal });
  const beats: unknown[] = [];
  environment.on('heartbeat', (details: unknown) => beats.push(details));
  await environment.run(async () => {
    const pacer = startHeartbeats(Context.current(), { phase: 'waiting' });
    pacer.progress({ phase: 'streaming' });
    await sleep(runMs);
    pacer.stop();
  });
  return beats;
}

describe('heartbeat pacer', () => {
  test('startHeartbeats: an ordinary activity beats on a timer with its latest progress', async () => {
    const beats = await heartbeatsOf(false, 700);
    assert.ok(beats.length >= 1, `${beats.length} heartbeats`);
    assert.deepEqual(beats[0], { phase: 'streaming' });
  });

  test('startHeartbeats: a local activity sends no heartbeat at all', async () => {
    assert.deepEqual(await heartbeatsOf(true, 700), []);
  });
});
