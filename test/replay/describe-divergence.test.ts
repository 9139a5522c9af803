import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import proto from '@temporalio/proto';
import { defaultPayloadConverter } from '@temporalio/common';
import { describeHistoryEvent, eventTypeName, type HistoryEvent } from '../../src/client/history-events.js';
import { describeDivergence } from '../../src/replay/describe-divergence.js';

const { EventType } = proto.temporal.api.enums.v1;

const scheduled: HistoryEvent = {
  eventId: 9 as never,
  eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  userMetadata: { summary: defaultPayloadConverter.toPayload('model call, turn 2 (claude-sonnet-4-5)') },
  activityTaskScheduledEventAttributes: { activityType: { name: 'callModel' } },
};
const timer: HistoryEvent = { eventId: 12 as never, eventType: EventType.EVENT_TYPE_TIMER_STARTED, timerStartedEventAttributes: { timerId: '3', startToFireTimeout: { seconds: 5 as never } } };

const wrapped = (message: string) =>
  `Replay failed with a nondeterminism error. Details: Workflow activation completion failed: Failure { failure: Some(Failure { message: "[TMPRL1100] Nondeterminism error: ${message}", source: "", stack_trace: "" }) }`;

describe('describing a divergence', () => {
  test('describeHistoryEvent: names the activity with its summary, the timer with its duration', () => {
    assert.equal(eventTypeName(scheduled), 'ActivityTaskScheduled');
    assert.equal(describeHistoryEvent(scheduled), 'activity callModel scheduled "model call, turn 2 (claude-sonnet-4-5)"');
    assert.equal(describeHistoryEvent(timer), 'timer 3 started for 5s');
  });

  test('describeDivergence: a command of another kind names the recorded event and what the code did instead', () => {
    const divergence = describeDivergence(wrapped('Timer machine does not handle this event: HistoryEvent(id: 9, ActivityTaskScheduled)'), [scheduled]);
    assert.equal(divergence.eventId, 9);
    assert.equal(divergence.eventType, 'ActivityTaskScheduled');
    assert.equal(divergence.event, 'event 9 ActivityTaskScheduled: activity callModel scheduled "model call, turn 2 (claude-sonnet-4-5)"');
    assert.match(divergence.difference, /^the current code started a timer \(sleep or condition with a timeout\) where the history has event 9/);
    assert.equal(divergence.raw, 'Timer machine does not handle this event: HistoryEvent(id: 9, ActivityTaskScheduled)');
  });

  test('describeDivergence: a removed step, and an activity of another type', () => {
    const removed = describeDivergence(wrapped('No command scheduled for event HistoryEvent(id: 12, TimerStarted)'), [timer]);
    assert.match(removed.difference, /issued no command where the history has event 12 TimerStarted: timer 3 started for 5s/);
    const renamed = describeDivergence(wrapped(`Activity type of scheduled event 'callModel' does not match activity type of activity command 'callModelV2'`), []);
    assert.equal(renamed.eventId, undefined);
    assert.equal(renamed.difference, `activity type differs: the history has 'callModel', the current code has 'callModelV2'`);
  });

  test('describeDivergence: a patch the code no longer checks where its marker is names that marker', () => {
    const marker: HistoryEvent = {
      eventId: 5 as never,
      eventType: EventType.EVENT_TYPE_MARKER_RECORDED,
      markerRecordedEventAttributes: { markerName: 'core_patch', details: { 'patch-data': { payloads: [defaultPayloadConverter.toPayload({ id: 'keel-lean-steps', deprecated: false })] } } },
    };
    const divergence = describeDivergence(wrapped('Non-deprecated patch marker encountered for change keel-lean-steps, but there is no corresponding change command!'), [scheduled, marker]);
    assert.equal(divergence.eventId, 5);
    assert.equal(divergence.event, 'event 5 MarkerRecorded: patch marker "keel-lean-steps"');
    assert.match(divergence.difference, /^the current code did not check patch "keel-lean-steps" where the history has event 5 MarkerRecorded/);
  });
});
