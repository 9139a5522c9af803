/**
 * Turns a nondeterminism error from a replay into what a person needs: which recorded event the current code
 * disagreed with, what that event was, and what the code did instead. Pure; worker-side tooling.
 */
import type { HistoryEvent } from '../client/history-events.js';
import { describeHistoryEvent, eventTypeName } from '../client/history-events.js';

export interface Divergence {
  /** The recorded event the code disagreed with, when the error names one. */
  eventId: number | undefined;
  /** Its type, e.g. `ActivityTaskScheduled`. */
  eventType: string | undefined;
  /** What the event was, e.g. `activity callModel scheduled "model call, turn 1 (claude-sonnet-4-5)"`. */
  event: string | undefined;
  /** What the current code did instead, in words. */
  difference: string;
  /** The SDK's own message, for the record. */
  raw: string;
}

const machineCommands: Record<string, string> = {
  Activity: 'scheduled an activity',
  'Local activity': 'ran a local activity',
  Timer: 'started a timer (sleep or condition with a timeout)',
  'Child workflow': 'started a child workflow',
  'Signal external workflow': 'signalled another workflow',
  'Cancel external workflow': 'cancelled another workflow',
  'Complete workflow': 'completed the workflow',
  'Fail workflow': 'failed the workflow',
  'Cancel workflow': 'reported the workflow cancelled',
  'Continue as new workflow': 'continued as new',
  'Upsert search attributes': 'upserted search attributes',
  'Modify workflow properties': 'updated the memo',
  Patch: 'recorded a patch marker',
  'Nexus operation': 'started a Nexus operation',
  Update: 'handled an update',
};

/** The core's nondeterminism text, without the Rust `Failure { ... }` wrapping. */
function coreMessage(raw: string): string {
  const match = /Nondeterminism error: (.*?)(?:", source:|$)/s.exec(raw);
  return (match ? match[1] : raw).replace(/\\"/g, '"').trim();
}

/** The patch a core message says the code no longer asks for, if that is what it says. */
function unmatchedPatch(message: string): string | undefined {
  return /patch marker encountered for change ([^,\s]+), but there is no corresponding change command/i.exec(message)?.[1];
}

function explain(message: string, event: string | undefined): string {
  const patch = unmatchedPatch(message);
  if (patch) {
    return `the current code did not check patch "${patch}" where the history has ${event ?? 'its marker'} (code before the check was added, removed or moved)`;
  }
  const machine = /^(.*?) machine does not handle this event/i.exec(message);
  if (machine) {
    const did = machineCommands[machine[1]] ?? `issued a ${machine[1].toLowerCase()} command`;
    return `the current code ${did} where the history has ${event ?? 'another event'}`;
  }
  if (/No command scheduled for event/i.test(message)) {
    return `the current code issued no command where the history has ${event ?? 'an event'} (a step was removed or moved)`;
  }
  const mismatch = /(\w[\w ]*?) of scheduled event '([^']*)' does not match \w[\w ]*? of \w[\w ]*? command '([^']*)'/i.exec(message);
  if (mismatch) return `${mismatch[1].toLowerCase()} differs: the history has '${mismatch[2]}', the current code has '${mismatch[3]}'`;
  if (/Workflow (?:completed|finished|did not complete)|completion.*(?:not|but)/i.test(message)) return message;
  return message;
}

/** Describes the divergence from the replay error's message and the history that was replayed. */
export function describeDivergence(errorMessage: string, events: HistoryEvent[]): Divergence {
  const message = coreMessage(errorMessage);
  const named = /HistoryEvent\(id: (\d+), (\w+)\)/.exec(message) ?? /event(?: id)?[ :]+(\d+)/i.exec(message);
  const patch = unmatchedPatch(message);
  // The core names no event for a patch it did not see asked for: it is that patch's marker.
  const patchMarker = patch && !named ? events.find((event) => describeHistoryEvent(event) === `patch marker "${patch}"`) : undefined;
  const eventId = named ? Number(named[1]) : patchMarker ? Number(patchMarker.eventId) : undefined;
  const recorded = eventId !== undefined ? events.find((event) => Number(event.eventId) === eventId) : undefined;
  const eventType = recorded ? eventTypeName(recorded) : named?.[2];
  const event = recorded ? `event ${eventId} ${eventType}: ${describeHistoryEvent(recorded)}` : eventId !== undefined ? `event ${eventId} ${eventType ?? ''}`.trim() : undefined;
  return { eventId, eventType, event, difference: explain(message, event), raw: message };
}
