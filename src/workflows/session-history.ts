/**
 * Keeps a session's Temporal history linear in its length, however long it runs:
 * - the model activity gets the stored context plus only what is new ({@link ModelContext});
 * - content too large for history is stored by reference before it goes into an activity input or carried state;
 * - the session continues as new when Temporal suggests it or after the profile's number of turns, carrying its
 *   state and its transcript by reference, and the next run reads the transcript back so that the `transcript`
 *   query still pages through all of it.
 * Workflow code: deterministic, talks to the store only through activities.
 */
import { allHandlersFinished, CancellationScope, condition, continueAsNew, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { SessionActivities as Activities } from './session-activities.js';
import type { Message, MessageContent } from '../shared/schemas/content.js';
import type { ModelCallRequest, ModelCallResponse } from '../shared/schemas/model-call.js';
import { MAX_KEEL_PAYLOAD_BYTES } from '../shared/payload-limits.js';
import type { ResolvedProfile } from '../shared/schemas/profile.js';
import {
  CARRIED_MESSAGE_IDS,
  CARRIED_REPLIES,
  CARRY_VERSION,
  CONTINUED_AS_NEW,
  type SessionCarry,
} from '../shared/schemas/session-carry.js';
import type { SessionInput } from '../shared/schemas/session-input.js';
import type { TranscriptEntry, TranscriptPage } from '../shared/schemas/session-messages.js';
import type { TranscriptSegment } from '../shared/schemas/transcript-archive.js';
import { hasOversizedBlocks, jsonByteLength } from '../shared/schemas/stored-block.js';
import { BudgetGuard } from './budget.js';
import { ModelContext } from './model-context.js';
import type { SessionState } from './session-state.js';
import { SpendLedger } from './spend-ledger.js';


const { storeContent, archiveTranscript, loadTranscript } = proxyActivities<Activities>({
  startToCloseTimeout: '60 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** Bytes of transcript entries in one archived segment (one activity input). */
const ARCHIVE_SEGMENT_BYTES = 512 * 1024;
/** Bytes of transcript entries one load returns. */
const LOAD_PAGE_BYTES = 1024 * 1024;
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
/** A session input larger than this goes into the next run with the large blocks of its messages stored. */
const CARRIED_INPUT_BYTES = 64 * 1024;

type MessageEntry = Extract<TranscriptEntry, { kind: 'message' }>;

/** What a model call's request says about its context. */
export type ContextFields = Pick<ModelCallRequest, 'contextBase' | 'messages' | 'system' | 'systemRef' | 'toolResultMaxBytes'>;

function isMessage(entry: TranscriptEntry): entry is MessageEntry {
  return entry.kind === 'message';
}

export class SessionHistory {
  readonly #state: SessionState;
  readonly #input: SessionInput;
  readonly #carry: SessionCarry | undefined;
  readonly #context = new ModelContext();
  /** Extensions other parts of the workflow put into the carried state. */
  readonly extensions: Record<string, unknown>;
  #segments: TranscriptSegment[] = [];
  /** Entries of `state.transcript` that are archived (a prefix). */
  #archived = 0;
  #loading = false;
  #turnAtRunStart = 0;
  /** The turn at which the carried state was found too large; no new try before the next turn. */
  #carryTooLargeAtTurn: number | undefined;
  #archivedThisRun = false;
  /** The turn at which Temporal first suggested continuing as new in this run. */
  #suggestedAtTurn: number | undefined;
  /** The input the next run starts with, once prepared. */
  #nextInput: SessionInput | undefined;
  readonly #carriedAlong = new Map<string, () => unknown>();
  /** The system prompt of the last model call's request. */
  #system: string | undefined;

  constructor(state: SessionState, input: SessionInput, carry: SessionCarry | undefined) {
    this.#state = state;
    this.#input = input;
    this.#carry = carry;
    this.extensions = { ...(carry?.extensions ?? {}) };
    if (carry) this.#restoreState(carry);
  }

  /**
   * Puts the carried state back, at once: before the workflow sets its handlers, since messages that reached the
   * new run before its first workflow task are handled as soon as their handler is set, and must find the message
   * ids and the queue the previous run had.
   */
  #restoreState(carry: SessionCarry): void {
    const state = this.#state;
    state.attachProfile(carry.profile);
    state.status = carry.status;
    state.turn = carry.turn;
    state.contextEpoch = carry.contextEpoch;
    Object.assign(state.usage, carry.usage);
    state.limits = { ...carry.limits };
    state.finalText = carry.finalText;
    state.lastError = carry.lastError;
    state.limitReached = carry.limitReached;
    if (carry.interruptRequested !== undefined) state.requestInterrupt(carry.interruptRequested);
    state.queue.push(...carry.queue);
    for (const id of carry.seenMessageIds) state.seenMessageIds.add(id);
    state.answering = [...carry.answering];
    for (const reply of carry.recentReplies) state.replies.set(reply.messageId, reply);
    this.#turnAtRunStart = carry.turn;
    // The ledgers are read-only fields of the state; a continued run starts them from their snapshots.
    Object.assign(state as unknown as { spend: SpendLedger; budget: BudgetGuard }, {
      spend: new SpendLedger(carry.spend),
      budget: new BudgetGuard(carry.budget),
    });
    state.budgetPause = carry.budgetPause;
    state.failovers.push(...carry.failovers);
    state.lastContextTokens = carry.lastContextTokens;
    state.pendingContextReset = carry.pendingContextReset;
    state.systemInContext = carry.systemInContext;
    // The state's constructor put the opening messages in; the transcript comes back from the archive instead.
    state.transcript.length = 0;
    this.#segments = [...carry.transcript.segments];
    this.#loading = true;
  }

  /** Adds state that another part of the workflow carries into the next run, read from `extensions[name]` there. */
  carryAlong(name: string, snapshot: () => unknown): void {
    this.#carriedAlong.set(name, snapshot);
  }

  /** Runs before this one. */
  get runs(): number {
    return this.#carry?.runs ?? 0;
  }

  /**
   * In a run that continued as new: reads the transcript back (activities; the rest of the state came back in the
   * constructor). Returns the session's profile, already attached; undefined in a first run.
   */
  async restore(): Promise<ResolvedProfile | undefined> {
    const carry = this.#carry;
    if (!carry) return undefined;
    const state = this.#state;
    // Not cancellable: a session cancelled while its new run reads the transcript back still ends with its whole
    // transcript and the status `cancelled`, as in any other run.
    await CancellationScope.nonCancellable(async () => {
      for (const segment of this.#segments) {
        let offset: number | null = 0;
        while (offset !== null) {
          const page: Awaited<ReturnType<Activities['loadTranscript']>> = await loadTranscript({ segment, offset, maxBytes: LOAD_PAGE_BYTES });
          for (const entry of page.entries) state.transcript.push(entry);
          offset = page.nextOffset;
        }
      }
    });
    this.#loading = false;
    this.#archived = state.transcript.length;
    for (const entry of carry.transcript.tail) state.transcript.push(entry);
    if (state.transcript.length !== carry.transcript.total) {
      log.warn('the archived transcript holds another number of entries than carried', {
        loaded: state.transcript.length,
        carried: carry.transcript.total,
      });
    }
    if (carry.context) this.#context.restore(carry.context, state.modelMessages(), state.contextEpoch, state.systemInContext ? this.#input.system : undefined);
    return state.profile;
  }

  /** The `transcript` query's answer: while the transcript is read back, what is there so far. */
  transcriptPage(fromIndex: number): TranscriptPage {
    const page = this.#state.transcriptPage(fromIndex);
    if (!this.#loading) return page;
    return { ...page, total: Math.max(page.total, this.#carry?.transcript.total ?? 0), loading: true };
  }

  /**
   * The context fields of the next model call: the stored context and what follows it. Large content among the
   * new messages is stored first, so that the activity's input stays small.
   */
  async modelRequest(system: string | undefined): Promise<ContextFields> {
    const state = this.#state;
    this.#system = system;
    let fields = this.#context.request(state.modelMessages(), state.contextEpoch, system);
    if (fields.messages.some((message) => hasOversizedBlocks(message.content))) {
      await this.#storeMessages(fields.messages);
      fields = this.#context.request(state.modelMessages(), state.contextEpoch, system);
    }
    const toolResultMaxBytes = state.profile?.toolResultMaxBytes;
    return { ...fields, ...(toolResultMaxBytes !== undefined ? { toolResultMaxBytes } : {}) };
  }

  /** A request built for the whole conversation, carrying instead the context fields from {@link modelRequest}. */
  withContext(request: ModelCallRequest, context: ContextFields): ModelCallRequest {
    const { system: _system, ...rest } = request;
    return { ...rest, ...context };
  }

  /** Call once the model's response is recorded in the state. */
  recorded(response: ModelCallResponse): void {
    this.#context.recorded(response, this.#state.modelMessages(), this.#state.contextEpoch, this.#system);
  }

  /** True when the session should continue as new at its next safe point. */
  continueAsNewDue(): boolean {
    if (workflowInfo().continueAsNewSuggested) {
      this.#suggestedAtTurn ??= this.#state.turn;
      return true;
    }
    const every = this.#state.profile?.continueAsNewAfterTurns;
    return every !== undefined && this.#state.turn - this.#turnAtRunStart >= every;
  }

  /**
   * True when waiting for running `sendMessage` handlers has lasted too long: one turn has gone on for so many model
   * calls since the switch was due that the history nears Temporal's limits.
   */
  #mustContinueAsNew(): boolean {
    const info = workflowInfo();
    if (info.historyLength >= FORCE_HISTORY_EVENTS || (info.historySize ?? 0) >= FORCE_HISTORY_BYTES) return true;
    const turn = this.#state.turn;
    if (this.#suggestedAtTurn !== undefined && turn - this.#suggestedAtTurn >= FORCE_AFTER_SUGGESTED_TURNS) return true;
    const every = this.#state.profile?.continueAsNewAfterTurns;
    return every !== undefined && turn - this.#turnAtRunStart >= 2 * every;
  }

  /** True when the session should and can continue as new now: no message handler is still running, or it must. */
  readyToContinueAsNew(): boolean {
    if (this.#carryTooLargeAtTurn === this.#state.turn) return false;
    return this.continueAsNewDue() && (allHandlersFinished() || this.#mustContinueAsNew());
  }

  /**
   * Answers every `sendMessage` caller still waiting with a reply saying the session continued as new, so that their
   * handlers finish; they send the same id again and wait in the next run, which carries the ids it is answering.
   */
  #releaseWaitingCallers(): void {
    const state = this.#state;
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
    }
  }

  /**
   * Continues as new, carrying the state. The first try in a run archives the transcript (activities); if a
   * `sendMessage` arrived meanwhile, its handler is still running, so this returns and the caller answers it and
   * tries again at its next safe point. Later tries carry what was added since the archive inline and need no
   * activity, so they cannot be overtaken. Call only between model calls, with the conversation consistent.
   */
  async tryContinueAsNew(): Promise<void> {
    const state = this.#state;
    if (this.#needsPreparing()) {
      const pending = state.transcript.slice(this.#archived).filter(isMessage);
      await this.#storeMessages(pending);
      const queued = state.queue.filter((message) => hasOversizedBlocks(message.content));
      if (queued.length > 0) {
        const stored = await this.#storeContents(queued.map((message) => message.content));
        queued.forEach((message, index) => (message.content = stored[index]));
      }
      await this.#archivePending();
      this.#nextInput ??= await this.#storedInput();
      this.#archivedThisRun = true;
    }
    if (this.#needsPreparing()) return;
    if (!allHandlersFinished()) {
      if (!this.#mustContinueAsNew()) return;
      this.#releaseWaitingCallers();
      // The released handlers return within this workflow task; the timeout only guards handlers of other kinds.
      if (!(await condition(allHandlersFinished, '10 seconds'))) return;
      log.warn('continuing as new while sendMessage callers wait: they are told to send their message id again', {
        turn: this.#state.turn,
      });
    }
    // From here on nothing awaits before the switch, so nothing can arrive in between.
    const carry = this.#carryState();
    const nextInput = this.#nextInput ?? this.#input;
    const bytes = jsonByteLength(carry) + jsonByteLength(nextInput);
    if (bytes > MAX_KEEL_PAYLOAD_BYTES) {
      log.warn('cannot continue as new yet: the carried state is too large; trying again after the next turn', { bytes });
      this.#carryTooLargeAtTurn = state.turn;
      return;
    }
    log.info('continuing as new', { runs: carry.runs, turn: state.turn, transcript: carry.transcript.total });
    await continueAsNew<(input: SessionInput, carry: SessionCarry) => Promise<unknown>>(nextInput, carry);
  }

  /** True when the switch needs activities first: no archive yet this run, too much to carry inline, or content to store. */
  #needsPreparing(): boolean {
    const state = this.#state;
    if (!this.#archivedThisRun) return true;
    const tail = state.transcript.slice(this.#archived);
    if (jsonByteLength(tail) > INLINE_TAIL_BYTES) return true;
    return (
      tail.some((entry) => isMessage(entry) && hasOversizedBlocks(entry.content)) ||
      state.queue.some((message) => hasOversizedBlocks(message.content))
    );
  }

  #carryState(): SessionCarry {
    const state = this.#state;
    const ids = [...state.seenMessageIds];
    const replies = [...state.replies.values()].filter((reply) => reply.endedBy !== CONTINUED_AS_NEW).slice(-CARRIED_REPLIES);
    const context = this.#context.snapshot();
    return {
      version: CARRY_VERSION,
      runs: this.runs + 1,
      profile: state.profile!,
      status: state.status,
      turn: state.turn,
      contextEpoch: state.contextEpoch,
      usage: { ...state.usage },
      limits: { ...state.limits },
      finalText: state.finalText,
      ...(state.lastError !== undefined ? { lastError: state.lastError } : {}),
      ...(state.limitReached !== undefined ? { limitReached: state.limitReached } : {}),
      ...(state.interruptRequested !== undefined ? { interruptRequested: state.interruptRequested } : {}),
      queue: state.queue.map((message) => ({ id: message.id, content: message.content })),
      seenMessageIds: ids.slice(-CARRIED_MESSAGE_IDS),
      answering: [...state.answering],
      recentReplies: replies,
      transcript: {
        total: state.transcript.length,
        segments: [...this.#segments],
        tail: state.transcript.slice(this.#archived),
      },
      ...(context ? { context } : {}),
      spend: state.spend.snapshot(),
      budget: state.budget.snapshot(),
      ...(state.budgetPause ? { budgetPause: { ...state.budgetPause } } : {}),
      failovers: state.failovers.map((event) => ({ ...event })),
      ...(state.lastContextTokens !== undefined ? { lastContextTokens: state.lastContextTokens } : {}),
      ...(state.pendingContextReset ? { pendingContextReset: { ...state.pendingContextReset } } : {}),
      systemInContext: state.systemInContext,
      extensions: { ...this.extensions, ...Object.fromEntries([...this.#carriedAlong].map(([name, snapshot]) => [name, snapshot()])) },
    };
  }

  /**
   * The input for the next run: the same, with the large blocks of its opening messages stored (they stay whole for
   * the model, and for a context reset that keeps the task), so that each run does not carry them again.
   */
  async #storedInput(): Promise<SessionInput> {
    const input = this.#input;
    if (jsonByteLength(input) <= CARRIED_INPUT_BYTES || !input.messages.some((message) => hasOversizedBlocks(message.content))) return input;
    const stored = await this.#storeContents(input.messages.map((message) => message.content));
    return { ...input, messages: input.messages.map((message, index) => ({ role: message.role, content: stored[index] })) };
  }

  /** Stores the large content of these messages and puts the stored blocks in their transcript entries. */
  async #storeMessages(messages: Message[]): Promise<void> {
    const targets = messages.filter((message) => hasOversizedBlocks(message.content));
    if (targets.length === 0) return;
    const stored = await this.#storeContents(targets.map((message) => message.content));
    targets.forEach((message, index) => {
      // modelMessages() hands out the entries' own content, so the entry is found by identity; a message that
      // is not an entry (a context policy may build some) is updated where it is.
      const entry = this.#state.transcript.find((candidate) => isMessage(candidate) && candidate.content === message.content) as MessageEntry | undefined;
      if (entry) entry.content = stored[index];
      message.content = stored[index];
    });
  }

  /**
   * The contents with their large blocks stored, through activities whose inputs stay under the payload limit:
   * batched when small, block by block when a message alone would be too large.
   */
  async #storeContents(contents: MessageContent[]): Promise<MessageContent[]> {
    const toolResultMaxBytes = this.#state.profile?.toolResultMaxBytes;
    const options = toolResultMaxBytes !== undefined ? { toolResultMaxBytes } : {};
    // Items: whole contents, or single blocks of a content too large to send whole.
    const items: { content: MessageContent; owner: number; block?: number }[] = [];
    contents.forEach((content, owner) => {
      if (typeof content !== 'string' && jsonByteLength(content) > MAX_KEEL_PAYLOAD_BYTES) {
        content.forEach((block, index) => items.push({ content: [block], owner, block: index }));
      } else items.push({ content, owner });
    });
    const results: MessageContent[] = [];
    let batch: MessageContent[] = [];
    let batchBytes = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      results.push(...(await storeContent({ contents: batch, ...options })));
      batch = [];
      batchBytes = 0;
    };
    for (const item of items) {
      const bytes = jsonByteLength(item.content);
      if (batchBytes + bytes > MAX_KEEL_PAYLOAD_BYTES) await flush();
      batch.push(item.content);
      batchBytes += bytes;
    }
    await flush();
    const stored: MessageContent[] = contents.map((content) => (typeof content === 'string' ? content : [...content]));
    items.forEach((item, index) => {
      const result = results[index];
      if (item.block === undefined) stored[item.owner] = result;
      else (stored[item.owner] as Exclude<MessageContent, string>)[item.block] = (result as Exclude<MessageContent, string>)[0];
    });
    // A message made of many medium blocks may still be over its limit: store it again, whole, now that it is smaller.
    const again = stored.map((content, index) => ({ content, index })).filter(({ content }) => hasOversizedBlocks(content));
    if (again.length > 0) {
      const second = await storeContent({ contents: again.map(({ content }) => content), ...options });
      again.forEach(({ index }, position) => (stored[index] = second[position]));
    }
    return stored;
  }

  /**
   * Where the entries that can no longer change end: after the last assistant message. A user message at the end
   * still takes in queued messages (`takeQueue`), so it and what follows it go along inline instead.
   */
  #archivableEnd(): number {
    const transcript = this.#state.transcript;
    for (let index = transcript.length - 1; index >= this.#archived; index -= 1) {
      const entry = transcript[index];
      if (isMessage(entry) && entry.role === 'assistant') return index + 1;
    }
    return this.#archived;
  }

  /** Archives the entries not yet archived that can no longer change, in segments of bounded size. */
  async #archivePending(): Promise<void> {
    const state = this.#state;
    const end = this.#archivableEnd();
    while (this.#archived < end) {
      const entries: TranscriptEntry[] = [];
      let bytes = 0;
      for (let index = this.#archived; index < end; index += 1) {
        const size = jsonByteLength(state.transcript[index]);
        if (entries.length > 0 && bytes + size > ARCHIVE_SEGMENT_BYTES) break;
        entries.push(state.transcript[index]);
        bytes += size;
      }
      const segment = await archiveTranscript({ sessionId: workflowInfo().workflowId, entries });
      this.#segments.push(segment);
      this.#archived += entries.length;
    }
  }
}
