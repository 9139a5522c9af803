/**
 * The session's state as a plain class: conversation, queue, usage, limits and status. Pure and deterministic
 * (no Temporal calls), so the workflow reads as wiring and this reads as rules.
 */
import type { ContentBlock, Message, MessageContent, ToolUseBlock } from '../shared/schemas/content.js';
import type { CallPrelude, ModelCallResponse } from '../shared/schemas/model-call.js';
import type { ResolvedProfile } from '../shared/schemas/profile.js';
import type { SessionInput, SessionLimits } from '../shared/schemas/session-input.js';
import type {
  AssistantTurn,
  SessionResult,
  SessionStatus,
  TranscriptEntry,
  TranscriptMarker,
  Usage,
} from '../shared/schemas/session-messages.js';
import { contentBlocks, textOf } from '../shared/schemas/content.js';
import type { FailoverEvent } from '../shared/schemas/failover-event.js';
import type { ResetContextInput } from '../shared/schemas/session-messages.js';
import type { SpendKind } from '../shared/schemas/spend.js';
import { CARRIED_MESSAGE_IDS, CARRIED_REPLIES, CONTINUED_AS_NEW, type CarriedSessionState } from '../shared/schemas/session-carry.js';
import { contextTokensOf } from './context-policy.js';
import { SessionSpend } from './session-spend.js';

/** A user message waiting for the next model call. */
export interface QueuedMessage {
  id: string;
  content: MessageContent;
}

const finalStatuses: ReadonlySet<SessionStatus> = new Set(['completed', 'cancelled', 'limit_reached']);

export class SessionState {
  status: SessionStatus = 'running';
  turn = 0;
  contextEpoch = 0;
  readonly transcript: TranscriptEntry[] = [];
  readonly queue: QueuedMessage[] = [];
  limits: SessionLimits;
  /** Set once the profile activity answers; queries and signals are served before that. */
  profile: ResolvedProfile | undefined;
  /** Message ids already taken, so that a repeated `userMessage` id is applied once. */
  readonly seenMessageIds = new Set<string>();
  /** Replies by message id, for `sendMessage` callers waiting on their turn. */
  readonly replies = new Map<string, AssistantTurn>();
  /** Ids of the queued messages the turn in progress answers. */
  answering: string[] = [];
  /** The reason of an interrupt asked for and not acted on yet; see {@link requestInterrupt}. */
  #interrupt: string | undefined;
  limitReached: string | undefined;
  lastError: string | undefined;
  finalText = '';
  /** Tokens and cost so far, and the soft-limit pause. */
  readonly spend: SessionSpend;
  readonly failovers: FailoverEvent[] = [];
  /**
   * A move to another profile asked for by `switchProfile` and not made yet: made before the next model call, never
   * during one. `profile` is the resolved profile; a continued run gets only the name and resolves it again.
   */
  pendingProfileSwitch: { name: string; reason?: string; profile?: ResolvedProfile } | undefined;
  /** Real input tokens of the last turn's call in this context epoch; undefined until one is made after a reset. */
  lastContextTokens: number | undefined;
  /** A reset asked for by `resetContext`, made before the next model call. */
  pendingContextReset: ResetContextInput | undefined;
  /** False once a reset dropped the system prompt (a policy that does not keep it). */
  systemInContext = true;

  /**
   * A session's state at its start, or, with `carried`, as the previous run left it (continue-as-new). Carried state
   * is put back at once, before the workflow sets its handlers: messages that reached the new run before its first
   * workflow task are handled as soon as their handler is set, and must find the ids and the queue the previous run
   * had. The transcript of a continued run comes back from its archive (`TranscriptArchive`), not from here.
   */
  constructor(
    readonly input: SessionInput,
    carried?: CarriedSessionState,
  ) {
    this.limits = { ...input.limits };
    this.spend = new SessionSpend(carried);
    if (carried) this.#restore(carried);
    else for (const message of input.messages) this.appendMessage(message);
  }

  #restore(carried: CarriedSessionState): void {
    // Fields of this class under the same names (the spend came back in the constructor).
    const { status, turn, contextEpoch, finalText, lastError, limitReached, lastContextTokens, pendingContextReset, systemInContext } = carried;
    Object.assign(this, { status, turn, contextEpoch, finalText, lastError, limitReached, lastContextTokens, pendingContextReset, systemInContext });
    this.profile = carried.profile;
    this.limits = { ...carried.limits };
    if (carried.interruptRequested !== undefined) this.requestInterrupt(carried.interruptRequested);
    this.queue.push(...carried.queue);
    for (const id of carried.seenMessageIds) this.seenMessageIds.add(id);
    this.answering = [...carried.answering];
    for (const reply of carried.recentReplies) this.replies.set(reply.messageId, reply);
    this.failovers.push(...carried.failovers);
    if (carried.pendingProfileSwitch) this.pendingProfileSwitch = { name: carried.pendingProfileSwitch.profile, reason: carried.pendingProfileSwitch.reason };
  }

  /**
   * What the next run needs of this state (see the constructor). Called once the profile is attached. Fields left
   * undefined are dropped by the payload's JSON.
   */
  toCarry(): CarriedSessionState {
    return {
      profile: this.profile!,
      status: this.status,
      turn: this.turn,
      contextEpoch: this.contextEpoch,
      limits: { ...this.limits },
      finalText: this.finalText,
      lastError: this.lastError,
      limitReached: this.limitReached,
      interruptRequested: this.#interrupt,
      queue: this.queue.map((message) => ({ id: message.id, content: message.content })),
      seenMessageIds: [...this.seenMessageIds].slice(-CARRIED_MESSAGE_IDS),
      answering: [...this.answering],
      recentReplies: [...this.replies.values()].filter((reply) => reply.endedBy !== CONTINUED_AS_NEW).slice(-CARRIED_REPLIES),
      ...this.spend.toCarry(),
      failovers: this.failovers.map((event) => ({ ...event })),
      pendingProfileSwitch: this.pendingProfileSwitch && { profile: this.pendingProfileSwitch.name, reason: this.pendingProfileSwitch.reason },
      lastContextTokens: this.lastContextTokens,
      pendingContextReset: this.pendingContextReset && { ...this.pendingContextReset },
      systemInContext: this.systemInContext,
    };
  }

  attachProfile(profile: ResolvedProfile): void {
    this.profile = profile;
    this.limits = { ...profile.limits, ...this.input.limits };
  }

  /**
   * Asks the turn in progress to stop at its next safe point. The reason is never empty, so that "an interrupt is
   * pending" has one test everywhere (`interruptRequested !== undefined`): an empty reason that one check took as
   * set and another as unset once made the budget wait spin without yielding.
   */
  requestInterrupt(reason: string | undefined): void {
    this.#interrupt = reason !== undefined && reason.trim().length > 0 ? reason : 'interrupted';
  }

  /** The pending interrupt's reason (never empty), or undefined when none is pending. */
  get interruptRequested(): string | undefined {
    return this.#interrupt;
  }

  /** The pending interrupt's reason, now acted on. */
  takeInterrupt(): string {
    const reason = this.#interrupt ?? 'interrupted';
    this.#interrupt = undefined;
    return reason;
  }

  get isFinal(): boolean {
    return finalStatuses.has(this.status);
  }

  /** The messages the model sees in the current context epoch. */
  modelMessages(): Message[] {
    return this.transcript
      .filter((entry): entry is Extract<TranscriptEntry, { kind: 'message' }> => entry.kind === 'message' && entry.epoch === this.contextEpoch)
      .map(({ role, content }) => ({ role, content }));
  }

  appendMessage(message: Message): void {
    this.transcript.push({ kind: 'message', role: message.role, content: message.content, turn: this.turn, epoch: this.contextEpoch });
  }

  /** Queues a user message unless its id was seen before; returns false for a repeat. */
  enqueue(message: QueuedMessage): boolean {
    if (this.seenMessageIds.has(message.id)) return false;
    this.seenMessageIds.add(message.id);
    this.queue.push(message);
    return true;
  }

  /**
   * Moves every queued message into the conversation. They join `leadingBlocks` (tool results, which the API
   * wants first) in one user message, so the conversation stays valid however messages arrive.
   */
  takeQueue(leadingBlocks: ContentBlock[] = []): void {
    const taken = this.queue.splice(0, this.queue.length);
    this.answering.push(...taken.map((message) => message.id));
    const blocks = [...leadingBlocks, ...taken.flatMap((message) => contentBlocks(message.content))];
    if (blocks.length === 0) return;
    const last = this.lastMessage();
    // A user message right before (the opening input, or a turn that ended without reply) takes the new blocks
    // so that user and assistant keep alternating.
    if (last && last.role === 'user' && last.epoch === this.contextEpoch && leadingBlocks.length === 0) {
      last.content = [...contentBlocks(last.content), ...blocks];
      return;
    }
    this.appendMessage({ role: 'user', content: blocks });
  }

  /** True when the conversation ends with a user message, i.e. the model has something to answer. */
  awaitsModel(): boolean {
    const last = this.lastMessage();
    return last !== undefined && last.role === 'user' && last.epoch === this.contextEpoch;
  }

  /** The last conversation message, markers skipped. */
  lastMessage(): Extract<TranscriptEntry, { kind: 'message' }> | undefined {
    for (let index = this.transcript.length - 1; index >= 0; index -= 1) {
      const entry = this.transcript[index];
      if (entry.kind === 'message') return entry;
    }
    return undefined;
  }

  recordModelResponse(response: ModelCallResponse): ToolUseBlock[] {
    this.turn += 1;
    this.recordSpend('turn', response.usage);
    this.lastContextTokens = contextTokensOf(response.usage);
    // The API refuses an assistant message with empty content; an empty reply is kept as an empty text block.
    const content = response.content.length > 0 ? response.content : [{ type: 'text' as const, text: '' }];
    this.transcript.push({ kind: 'message', role: 'assistant', content, turn: this.turn, epoch: this.contextEpoch });
    this.finalText = textOf(content) || this.finalText;
    return content.filter((block): block is ToolUseBlock => block.type === 'tool_use');
  }

  /**
   * The last turn as the transcript holds it (its reply, the tool results after it) with its usage: the next call's
   * prelude. Undefined before the first turn, or when this run's transcript no longer holds the turn.
   */
  prelude(): CallPrelude | undefined {
    const turn = this.turn;
    const usage = this.spend.view().recent.find((entry) => entry.kind === 'turn' && entry.turn === turn);
    const entries = this.transcript.filter((entry): entry is Extract<TranscriptEntry, { kind: 'message' }> => entry.kind === 'message' && entry.turn === turn);
    if (turn < 1 || !usage || entries[0]?.role !== 'assistant') return undefined;
    const messages: Message[] = [];
    for (const { role, content } of entries) {
      if (role === 'assistant') messages.push({ role, content });
      else {
        // Only the tool results: the log takes nothing else of a user message, and a long prompt would weigh here.
        const results = contentBlocks(content).filter((block) => block.type === 'tool_result');
        if (results.length > 0) messages.push({ role, content: results });
      }
    }
    const { inputTokens, outputTokens, cacheReadInputTokens, cacheCreationInputTokens, costUsd } = usage;
    return { previousTurn: turn, messages, usage: { inputTokens, outputTokens, cacheReadInputTokens, cacheCreationInputTokens, costUsd } };
  }

  /** Adds a model call to the spend, priced by the active profile. */
  recordSpend(kind: SpendKind, usage: ModelCallResponse['usage']): void {
    if (this.profile) this.spend.record({ turn: kind === 'turn' ? this.turn : this.turn + 1, kind, profile: this.profile, usage });
  }

  /** Applies a `raiseBudget` request; returns the new limits. */
  raiseBudget(request: { maxTokens?: number; maxCostUsd?: number }): { maxTokens?: number; maxCostUsd?: number } {
    this.limits = this.spend.raise(this.limits, request);
    return {
      ...(this.limits.maxTokens !== undefined ? { maxTokens: this.limits.maxTokens } : {}),
      ...(this.limits.maxCostUsd !== undefined ? { maxCostUsd: this.limits.maxCostUsd } : {}),
    };
  }

  /** Records a switch to a fallback profile: calls (and their prices) go to it from now on. */
  recordFailover(event: FailoverEvent, fallback: ResolvedProfile): void {
    this.profile = fallback;
    this.failovers.push(event);
    this.addMarker(
      'failover',
      `${event.fromProfile} (${event.fromModel}) -> ${event.toProfile} (${event.toModel}) after ${event.reason} outlasted its retries: ${event.message}`,
    );
  }

  /**
   * Moves the session to `profile` (a `switchProfile`, or its profile read again after an edit): calls and their
   * prices go to it from now on. The limits stay the session's own. A `profile-switch` marker says what changed.
   */
  switchProfile(profile: ResolvedProfile, why: string): void {
    const from = this.profile;
    this.profile = profile;
    this.pendingProfileSwitch = undefined;
    const what = from ? `${from.name} (${from.model}) -> ${profile.name} (${profile.model})` : `${profile.name} (${profile.model})`;
    this.addMarker('profile-switch', `${what}: ${why}`);
  }

  /**
   * Starts a new context epoch holding `messages`, after a `context-reset` marker saying why. The old epoch's
   * entries stay in the transcript; the model sees only the new epoch's.
   */
  applyContextReset(messages: Message[], options: { keepSystem: boolean; detail: string }): void {
    this.addMarker('context-reset', options.detail);
    this.contextEpoch += 1;
    for (const message of messages) this.appendMessage(message);
    this.systemInContext &&= options.keepSystem;
    this.lastContextTokens = undefined;
  }

  /** The usage totals (`state.usage`, `AssistantTurn.usage`). */
  get usage(): Usage {
    return this.spend.usage;
  }

  /** The budget the next model call would break, if any. */
  exceededLimitBeforeCall(): string | undefined {
    if (this.limits.maxTurns !== undefined && this.turn >= this.limits.maxTurns) return 'maxTurns';
    return this.spend.exceeded(this.limits);
  }

  addMarker(marker: TranscriptMarker, detail?: string): void {
    this.transcript.push(this.markerEntry(marker, detail));
  }

  /** A marker at this point of the session, not added to the transcript (see `SessionContinuation`). */
  markerEntry(marker: TranscriptMarker, detail?: string): Extract<TranscriptEntry, { kind: 'marker' }> {
    return { kind: 'marker', marker, turn: this.turn, epoch: this.contextEpoch, ...(detail ? { detail } : {}) };
  }

  /** Ends the turn in progress: every message it answered gets this reply. */
  endTurn(endedBy?: string): void {
    const last = this.lastMessage();
    const content = last && last.role === 'assistant' && typeof last.content !== 'string' ? last.content : [];
    for (const messageId of this.answering) {
      this.replies.set(messageId, {
        messageId,
        turn: this.turn,
        text: textOf(content),
        content,
        stopReason: null,
        ...(endedBy ? { endedBy } : {}),
        usage: { ...this.usage },
      });
    }
    this.answering = [];
  }

  result(): SessionResult {
    const status = this.status === 'cancelled' || this.status === 'limit_reached' ? this.status : 'completed';
    return {
      status,
      finalText: this.finalText,
      turns: this.turn,
      usage: { ...this.usage },
      ...(this.limitReached ? { limit: this.limitReached } : {}),
    };
  }
}
