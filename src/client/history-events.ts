/**
 * Reading Temporal history events as a person would: the event's type name and a one-line description (which
 * activity, with its summary; which timer, signal or update; which search attributes changed). Used by `keel watch`
 * and to name the event where a replay diverged. Client-side; no server calls.
 */
import { defaultPayloadConverter, type PayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';

// A CommonJS package: its namespace comes through the default export under ESM.
const { temporal } = proto;

export type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
type Payload = proto.temporal.api.common.v1.IPayload;

/** `ActivityTaskScheduled` for `EVENT_TYPE_ACTIVITY_TASK_SCHEDULED`. */
export function eventTypeName(event: HistoryEvent): string {
  const constant = temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? 'EVENT_TYPE_UNSPECIFIED';
  return constant
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_match, _separator: string, letter: string) => letter.toUpperCase());
}

/** A payload's value, or a placeholder when it is encoded (a codec this process does not have). */
export function payloadValue(payload: Payload | null | undefined, converter: PayloadConverter = defaultPayloadConverter): unknown {
  if (!payload) return undefined;
  try {
    return converter.fromPayload(payload as never);
  } catch {
    return '<encoded>';
  }
}

function summaryOf(event: HistoryEvent, converter: PayloadConverter): string | undefined {
  const value = payloadValue(event.userMetadata?.summary, converter);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function failureMessage(failure: proto.temporal.api.failure.v1.IFailure | null | undefined): string {
  if (!failure) return '';
  const type = failure.applicationFailureInfo?.type;
  const own = `${type ? `${type}: ` : ''}${failure.message ?? ''}`;
  return failure.cause ? `${own} (cause: ${failureMessage(failure.cause)})` : own;
}

function seconds(duration: { seconds?: unknown; nanos?: number | null } | null | undefined): string {
  if (!duration) return '';
  const total = Number(duration.seconds ?? 0) + (duration.nanos ?? 0) / 1e9;
  return `${total}s`;
}

/** One line saying what an event is, e.g. `activity callModel "model call, turn 2 (claude-sonnet-4-5)"`. */
export function describeHistoryEvent(event: HistoryEvent, converter: PayloadConverter = defaultPayloadConverter): string {
  const summary = summaryOf(event, converter);
  const quoted = summary ? ` "${summary}"` : '';
  const a = event;
  if (a.workflowExecutionStartedEventAttributes) {
    const attributes = a.workflowExecutionStartedEventAttributes;
    return `workflow ${attributes.workflowType?.name ?? ''} started on task queue ${attributes.taskQueue?.name ?? ''}${quoted}`;
  }
  if (a.activityTaskScheduledEventAttributes) {
    return `activity ${a.activityTaskScheduledEventAttributes.activityType?.name ?? ''} scheduled${quoted}`;
  }
  if (a.activityTaskStartedEventAttributes) return `activity (event ${a.activityTaskStartedEventAttributes.scheduledEventId}) started, attempt ${a.activityTaskStartedEventAttributes.attempt}`;
  if (a.activityTaskCompletedEventAttributes) return `activity (event ${a.activityTaskCompletedEventAttributes.scheduledEventId}) completed`;
  if (a.activityTaskFailedEventAttributes) {
    return `activity (event ${a.activityTaskFailedEventAttributes.scheduledEventId}) failed: ${failureMessage(a.activityTaskFailedEventAttributes.failure)}`;
  }
  if (a.activityTaskTimedOutEventAttributes) return `activity (event ${a.activityTaskTimedOutEventAttributes.scheduledEventId}) timed out`;
  if (a.activityTaskCancelRequestedEventAttributes) return `activity (event ${a.activityTaskCancelRequestedEventAttributes.scheduledEventId}) cancel requested`;
  if (a.activityTaskCanceledEventAttributes) return `activity (event ${a.activityTaskCanceledEventAttributes.scheduledEventId}) cancelled`;
  if (a.timerStartedEventAttributes) {
    return `timer ${a.timerStartedEventAttributes.timerId} started for ${seconds(a.timerStartedEventAttributes.startToFireTimeout)}${quoted}`;
  }
  if (a.timerFiredEventAttributes) return `timer ${a.timerFiredEventAttributes.timerId} fired`;
  if (a.timerCanceledEventAttributes) return `timer ${a.timerCanceledEventAttributes.timerId} cancelled`;
  if (a.workflowExecutionSignaledEventAttributes) return `signal ${a.workflowExecutionSignaledEventAttributes.signalName}`;
  if (a.workflowExecutionUpdateAcceptedEventAttributes) {
    return `update ${a.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.input?.name ?? ''} accepted`;
  }
  if (a.workflowExecutionUpdateCompletedEventAttributes) return `update ${a.workflowExecutionUpdateCompletedEventAttributes.meta?.updateId ?? ''} completed`;
  if (a.upsertWorkflowSearchAttributesEventAttributes) {
    const fields = a.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {};
    const values = Object.entries(fields).map(([key, payload]) => `${key}=${JSON.stringify(payloadValue(payload, converter))}`);
    return `search attributes ${values.join(' ')}`;
  }
  if (a.workflowPropertiesModifiedEventAttributes) return 'memo updated';
  if (a.markerRecordedEventAttributes) {
    const attributes = a.markerRecordedEventAttributes;
    // Core writes the details under "patch-data" (older SDKs: "patch_data").
    const patchData = attributes.details?.['patch-data'] ?? attributes.details?.['patch_data'];
    const patchId = attributes.markerName === 'core_patch' ? payloadValue(patchData?.payloads?.[0], converter) : undefined;
    return patchId && typeof patchId === 'object' && 'id' in patchId ? `patch marker "${String((patchId as { id: unknown }).id)}"` : `marker ${attributes.markerName}`;
  }
  if (a.workflowExecutionCompletedEventAttributes) return 'workflow completed';
  if (a.workflowExecutionFailedEventAttributes) return `workflow failed: ${failureMessage(a.workflowExecutionFailedEventAttributes.failure)}`;
  if (a.workflowExecutionCanceledEventAttributes) return 'workflow cancelled';
  if (a.workflowExecutionTerminatedEventAttributes) return `workflow terminated: ${a.workflowExecutionTerminatedEventAttributes.reason ?? ''}`;
  if (a.workflowExecutionTimedOutEventAttributes) return 'workflow timed out';
  if (a.workflowExecutionContinuedAsNewEventAttributes) return `continued as new (run ${a.workflowExecutionContinuedAsNewEventAttributes.newExecutionRunId})`;
  if (a.workflowTaskFailedEventAttributes) return `workflow task failed: ${failureMessage(a.workflowTaskFailedEventAttributes.failure)}`;
  if (a.workflowExecutionCancelRequestedEventAttributes) return 'cancellation requested';
  return eventTypeName(event);
}

/** Whether `event` closes its run: completed, failed, cancelled, terminated or timed out (continue-as-new is not one). */
export function closesRun(event: HistoryEvent): boolean {
  return Boolean(
    event.workflowExecutionCompletedEventAttributes ??
      event.workflowExecutionFailedEventAttributes ??
      event.workflowExecutionCanceledEventAttributes ??
      event.workflowExecutionTerminatedEventAttributes ??
      event.workflowExecutionTimedOutEventAttributes,
  );
}

/** The workflow's failure, as one line, from a history's closing event (undefined when it did not fail). */
export function closingFailure(event: HistoryEvent): string | undefined {
  if (event.workflowExecutionFailedEventAttributes) return failureMessage(event.workflowExecutionFailedEventAttributes.failure);
  if (event.workflowExecutionTimedOutEventAttributes) return 'the workflow timed out';
  if (event.workflowExecutionTerminatedEventAttributes) return `terminated: ${event.workflowExecutionTerminatedEventAttributes.reason ?? ''}`;
  return undefined;
}

export { failureMessage };
