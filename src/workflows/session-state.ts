/**
 * The session's state as a plain class: conversation, queue, usage, limits and status. Pure and deterministic
 * (no Temporal calls), so the workflow reads as wiring and this reads as rules.
 */
import type { ContentBlock, Message, MessageContent, ToolUseBlock } from '../shared/schemas/content.js';
import type { ModelCallResponse } from '../shared/schemas/model-call.js';
import type { ResolvedProfile } from '../shared/schemas/profile.js';
import type { SessionInput, SessionLimits } from '../shared/schemas/session-input.js';
import type {
  AssistantTurn,
  SessionResult,
  SessionStateView,
  SessionStatus,
  TranscriptEntry,
  TranscriptPage,
  Usage,
} from '../shared/schemas/session-messages.js';
import { contentBlocks, textOf } from '../shared/schemas/content.js';
import type { FailoverEvent } from '../shared/schemas/failover-event.js';
import type { ResetContextInput } from '../shared/schemas/session-messages.js';
import type { SoftLimitHit, SpendKind } from '../shared/schemas/spend.js';
import { BudgetGuard } from './budget.js';
import { contextTokensOf, triggerTokens } from './context-policy.js';
import { costNanoUsdOf, SpendLedger } from './spend-ledger.js';

/** A user message waiting for the next model call. */
export interface QueuedMessage {
  id: string;
  content: MessageContent;
}

/** Largest transcript page a query returns, in serialized characters; keeps query answers far below 2 MB. */
const TRANSCRIPT_PAGE_CHARACTERS = 512 * 1024;

const finalStatuses: ReadonlySet<SessionStatus> = new Set(['completed', 'cancelled', 'limit_reached']);

export class SessionState {
  status: SessionStatus = 'running';
  turn = 0;
  contextEpoch = 0;
  readonly transcript: TranscriptEntry[] = [];
  readonly queue: QueuedMessage[] = [];
  readonly usage: Usage = { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: 0 };
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
  /** Every model call's tokens and cost; `usage` holds its totals. */
  readonly spend = new SpendLedger();
  readonly budget = new BudgetGuard();
  /** The soft limit the session waits on in `waiting_for_budget`. */
  budgetPause: SoftLimitHit | undefined;
  readonly failovers: FailoverEvent[] = [];
  /** Real input tokens of the last turn's call in this context epoch; undefined until one is made after a reset. */
  lastContextTokens: number | undefined;
  /** A reset asked for by `resetContext`, made before the next model call. */
  pendingContextReset: ResetContextInput | undefined;
  /** False once a reset dropped the system prompt (a policy that does not keep it). */
  systemInContext = true;

  constructor(readonly input: SessionInput) {
    this.limits = { ...input.limits };
    for (const message of input.messages) this.appendMessage(message);
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

  /** A model call's cost at the active profile's prices, US dollars. */
  costOf(usage: ModelCallResponse['usage']): number {
    return this.profile ? costNanoUsdOf(usage, this.profile.pricing) / 1e9 : 0;
  }

  /** Adds a model call to the ledger, priced by the active profile, and `usage` follows the ledger's totals. */
  recordSpend(kind: SpendKind, usage: ModelCallResponse['usage']): void {
    if (!this.profile) return;
    this.spend.record({ turn: kind === 'turn' ? this.turn : this.turn + 1, kind, profile: this.profile, usage });
    const total = this.spend.total();
    this.usage.inputTokens = total.inputTokens;
    this.usage.outputTokens = total.outputTokens;
    this.usage.cacheReadInputTokens = total.cacheReadInputTokens;
    this.usage.cacheCreationInputTokens = total.cacheCreationInputTokens;
    this.usage.costUsd = total.costUsd;
  }

  /** The soft spend limit reached and not yet waved through by `raiseBudget`, if any. */
  softLimitHit(): SoftLimitHit | undefined {
    return this.budget.softLimitHit(this.limits, { totalTokens: this.totalTokens(), costUsd: this.usage.costUsd });
  }

  /** Applies a `raiseBudget` request; returns the new limits. */
  raiseBudget(request: { maxTokens?: number; maxCostUsd?: number }): { maxTokens?: number; maxCostUsd?: number } {
    this.limits = this.budget.raise(this.limits, request, { totalTokens: this.totalTokens(), costUsd: this.usage.costUsd });
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

  totalTokens(): number {
    return this.usage.inputTokens + this.usage.outputTokens + this.usage.cacheReadInputTokens + this.usage.cacheCreationInputTokens;
  }

  /** The budget the next model call would break, if any. */
  exceededLimitBeforeCall(): string | undefined {
    if (this.limits.maxTurns !== undefined && this.turn >= this.limits.maxTurns) return 'maxTurns';
    if (this.limits.maxTokens !== undefined && this.totalTokens() >= this.limits.maxTokens) return 'maxTokens';
    if (this.limits.maxCostUsd !== undefined && this.usage.costUsd >= this.limits.maxCostUsd) return 'maxCostUsd';
    return undefined;
  }

  addMarker(marker: Extract<TranscriptEntry, { kind: 'marker' }>['marker'], detail?: string): void {
    this.transcript.push({ kind: 'marker', marker, turn: this.turn, epoch: this.contextEpoch, ...(detail ? { detail } : {}) });
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

  view(sandbox: SessionStateView['sandbox']): SessionStateView {
    return {
      status: this.status,
      turn: this.turn,
      usage: { ...this.usage },
      pendingApprovals: [],
      contextEpoch: this.contextEpoch,
      profile: this.profile?.name ?? this.input.profile,
      model: this.profile?.model ?? '',
      mode: this.input.mode,
      sandbox,
      queuedMessages: this.queue.length,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(this.limitReached ? { limitReached: this.limitReached } : {}),
      primaryProfile: this.input.profile,
      failovers: this.failovers.map((event) => ({ ...event })),
      limits: { ...this.limits },
      ...(this.budgetPause ? { budgetPause: { ...this.budgetPause } } : {}),
      spend: this.spend.view(),
      context: this.contextView(),
    };
  }

  contextView(): SessionStateView['context'] {
    const policy = this.profile?.contextPolicy;
    const window = this.profile?.contextWindow ?? 0;
    const trigger = policy ? triggerTokens(policy, window) : undefined;
    return {
      strategy: policy?.strategy ?? 'none',
      contextWindow: window,
      ...(this.lastContextTokens !== undefined ? { lastInputTokens: this.lastContextTokens } : {}),
      ...(trigger !== undefined ? { triggerTokens: trigger } : {}),
      systemPrompt: this.systemInContext,
    };
  }

  transcriptPage(fromIndex = 0): TranscriptPage {
    const entries: TranscriptEntry[] = [];
    let characters = 0;
    for (let index = fromIndex; index < this.transcript.length; index += 1) {
      const entry = this.transcript[index];
      const size = JSON.stringify(entry).length;
      if (entries.length > 0 && characters + size > TRANSCRIPT_PAGE_CHARACTERS) break;
      entries.push(entry);
      characters += size;
    }
    return { fromIndex, total: this.transcript.length, entries };
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
