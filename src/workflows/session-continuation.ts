/**
 * The session going on in a new run: it continues as new when Temporal suggests it or after the profile's number of
 * turns, at a safe point, carrying one object made of each part's own state (`toCarry()`), with the transcript by
 * reference, so that a session's history stays bounded however long it runs. Workflow code: deterministic.
 */
import { allHandlersFinished, condition, log, makeContinueAsNewFunc, workflowInfo } from '@temporalio/workflow';
import { MAX_KEEL_PAYLOAD_BYTES } from '../shared/payload-limits.js';
import { CARRY_VERSION, CONTINUED_AS_NEW, type CarriedSubAgents, type CarriedTools, type SessionCarry } from '../shared/schemas/session-carry.js';
import type { SessionInput } from '../shared/schemas/session-input.js';
import type { TranscriptEntry } from '../shared/schemas/session-messages.js';
import { hasOversizedBlocks, jsonByteLength } from '../shared/schemas/stored-block.js';
import { storedInput, storeMessages, storeQueued } from './content-offload.js';
import type { SessionContext } from './session-context.js';
import type { SessionState } from './session-state.js';
import { isMessage, type TranscriptArchive } from './transcript-archive.js';

/**
 * When the session must switch runs even though a `sendMessage` caller is still waiting for a turn to end: this
 * many model calls after Temporal first suggested it, twice the profile's `continueAsNewAfterTurns`, or history
 * this large (Temporal's hard limits are 51,200 events and 50 MiB).
 */
const FORCE_AFTER_SUGGESTED_TURNS = 100;
const FORCE_HISTORY_EVENTS = 40_000;
const FORCE_HISTORY_BYTES = 40 * 1024 * 1024;

/** Transcript entries added since the last archive that may go along inline when the session switches runs, bytes. */
const INLINE_TAIL_BYTES = 256 * 1024;

/** The parts whose state goes into the next run. */
export interface CarriedParts {
  state: SessionState;
  transcript: TranscriptArchive;
  context: SessionContext;
  tools: { toCarry(): CarriedTools };
  subAgents: { toCarry(): CarriedSubAgents };
}

export class SessionContinuation {
  readonly #parts: CarriedParts;
  readonly #input: SessionInput;
  /** Runs before this one. */
  readonly #runs: number;
  readonly #turnAtRunStart: number;
  /** The turn at which the carried state was found too large; no new try before the next turn. */
  #carryTooLargeAtTurn: number | undefined;
  #archivedThisRun = false;
  /** The turn at which Temporal first suggested continuing as new in this run. */
  #suggestedAtTurn: number | undefined;
  /** The input the next run starts with, once prepared. */
  #nextInput: SessionInput | undefined;

  constructor(parts: CarriedParts, input: SessionInput, carry: SessionCarry | undefined) {
    this.#parts = parts;
    this.#input = input;
    this.#runs = carry?.runs ?? 0;
    this.#turnAtRunStart = carry?.state.turn ?? 0;
  }

  /** True when the session should continue as new at its next safe point. */
  #due(): boolean {
    const state = this.#parts.state;
    if (workflowInfo().continueAsNewSuggested) {
      this.#suggestedAtTurn ??= state.turn;
      return true;
    }
    const every = state.profile?.continueAsNewAfterTurns;
    return every !== undefined && state.turn - this.#turnAtRunStart >= every;
  }

  /**
   * True when waiting for running `sendMessage` handlers has lasted too long: one turn has gone on for so many model
   * calls since the switch was due that the history nears Temporal's limits.
   */
  #must(): boolean {
    const info = workflowInfo();
    if (info.historyLength >= FORCE_HISTORY_EVENTS || (info.historySize ?? 0) >= FORCE_HISTORY_BYTES) return true;
    const state = this.#parts.state;
    if (this.#suggestedAtTurn !== undefined && state.turn - this.#suggestedAtTurn >= FORCE_AFTER_SUGGESTED_TURNS) return true;
    const every = state.profile?.continueAsNewAfterTurns;
    return every !== undefined && state.turn - this.#turnAtRunStart >= 2 * every;
  }

  /** True when the session should and can continue as new now: no message handler is still running, or it must. */
  ready(): boolean {
    if (this.#carryTooLargeAtTurn === this.#parts.state.turn) return false;
    return this.#due() && (allHandlersFinished() || this.#must());
  }

  /**
   * Answers every `sendMessage` caller still waiting with a reply saying the session continued as new, so that their
   * handlers finish; they send the same id again and wait in the next run, which carries the ids it is answering.
   * @returns how many were released (a handler whose reply is set already only has to return, and is not counted)
   */
  #releaseWaitingCallers(): number {
    const state = this.#parts.state;
    let released = 0;
    for (const messageId of [...state.answering, ...state.queue.map((message) => message.id)]) {
      if (state.replies.has(messageId)) continue;
      state.replies.set(messageId, {
        messageId,
        turn: state.turn,
        text: '',
        content: [],
        stopReason: null,
        endedBy: CONTINUED_AS_NEW,
        usage: { ...state.usage },
      });
      released += 1;
    }
    return released;
  }

  /**
   * Continues as new, carrying the state. The first try in a run archives the transcript (activities); if a
   * `sendMessage` arrived meanwhile, its handler is still running, so this returns and the caller answers it and
   * tries again at its next safe point. Later tries carry what was added since the archive inline and need no
   * activity, so they cannot be overtaken. Call only between model calls, with the conversation consistent.
   */
  async tryContinueAsNew(): Promise<void> {
    const { state, transcript } = this.#parts;
    if (this.#needsPreparing()) {
      await storeMessages(state, transcript.pending().filter(isMessage));
      await storeQueued(state);
      await transcript.archivePending();
      this.#nextInput ??= await storedInput(state, this.#input);
      this.#archivedThisRun = true;
    }
    if (this.#needsPreparing()) return;
    let released = false;
    if (!allHandlersFinished()) {
      if (!this.#must()) return;
      released = this.#releaseWaitingCallers() > 0;
      // The released handlers return within this workflow task; the timeout only guards handlers of other kinds.
      if (!(await condition(allHandlersFinished, '10 seconds'))) return;
      if (released) log.warn('continuing as new while sendMessage callers wait: they are told to send their message id again', { turn: state.turn });
    }
    // From here on nothing awaits before the switch, so nothing can arrive in between. The switch's marker goes into
    // the carried transcript only, never into this run's: a try that does not switch (above, or the size check
    // below) leaves no trace, so each switch is marked exactly once, at the end of what the next run reads back. It
    // changes no command (the carry is the continue-as-new's argument, which replay does not compare), so it needs
    // no patch: a history recorded before it replays as it was.
    const carry = this.#carry(state.markerEntry('continued-as-new', this.#switchDetail(released)));
    const nextInput = this.#nextInput ?? this.#input;
    const bytes = jsonByteLength(carry) + jsonByteLength(nextInput);
    if (bytes > MAX_KEEL_PAYLOAD_BYTES) {
      log.warn('cannot continue as new yet: the carried state is too large; trying again after the next turn', { bytes });
      this.#carryTooLargeAtTurn = state.turn;
      return;
    }
    log.info('continuing as new', { runs: carry.runs, turn: state.turn, transcript: carry.transcript.total });
    // On versioned workers a session is pinned to its build; its next run starts on the deployment's current build.
    await makeContinueAsNewFunc<(input: SessionInput, carry: SessionCarry) => Promise<unknown>>({ initialVersioningBehavior: 'AUTO_UPGRADE' })(nextInput, carry);
  }

  /** True when the switch needs activities first: no archive yet this run, too much to carry inline, or content to store. */
  #needsPreparing(): boolean {
    if (!this.#archivedThisRun) return true;
    const tail = this.#parts.transcript.pending();
    if (jsonByteLength(tail) > INLINE_TAIL_BYTES) return true;
    return (
      tail.some((entry) => isMessage(entry) && hasOversizedBlocks(entry.content)) ||
      this.#parts.state.queue.some((message) => hasOversizedBlocks(message.content))
    );
  }

  /** The `continued-as-new` marker's detail: the run that begins and why, e.g. `run 2 begins: 1 turn in run 1 ...`. */
  #switchDetail(releasedCallers: boolean): string {
    const info = workflowInfo();
    const state = this.#parts.state;
    const turns = state.turn - this.#turnAtRunStart;
    const why =
      this.#suggestedAtTurn !== undefined
        ? `Temporal suggested it at ${info.historyLength} history events`
        : `${turns} ${turns === 1 ? 'turn' : 'turns'} in run ${this.#runs + 1} reached the profile's continueAsNewAfterTurns (${state.profile?.continueAsNewAfterTurns})`;
    const callers = releasedCallers ? '; waiting sendMessage callers were asked to send their message id again' : '';
    return `run ${this.#runs + 2} begins: ${why}${callers}`;
  }

  /** The one object the next run starts from: each part's own state, and the switch's marker after the transcript. */
  #carry(marker: TranscriptEntry): SessionCarry {
    const { state, transcript, context, tools, subAgents } = this.#parts;
    const carriedContext = context.toCarry();
    return {
      version: CARRY_VERSION,
      runs: this.#runs + 1,
      state: state.toCarry(),
      transcript: transcript.toCarry(marker),
      ...(carriedContext ? { context: carriedContext } : {}),
      tools: tools.toCarry(),
      subAgents: subAgents.toCarry(),
    };
  }
}
