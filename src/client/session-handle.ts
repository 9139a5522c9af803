/**
 * A handle on one session: send a message and await the reply, signal, query, decide tool calls, read the
 * transcript, follow its live events, cancel. Made by {@link SessionClient}. Client-side.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { executeUpdateResendingLost } from './resend-lost-update.js';
import { MessageRejectedError, ValidationError } from '../errors.js';
import { MAX_KEEL_PAYLOAD_BYTES, oversizedMessageReason } from '../shared/payload-limits.js';
import { decideToolCallUpdate, interruptSignal, raiseBudgetUpdate, resetContextSignal, sendMessageUpdate, stateQuery, switchProfileUpdate, transcriptQuery, userMessageSignal } from '../shared/messages.js';
import type { MessageContent } from '../shared/schemas/content.js';
import { CONTINUED_AS_NEW } from '../shared/schemas/session-carry.js';
import type { ContentStore } from '../stores/content-store.js';
import { resolveContent } from '../stores/restore-content.js';
import type { SessionEventSubscriber, SubscribeOptions } from './session-event-subscriber.js';
import type { SessionEventEnvelope } from '../shared/schemas/session-event.js';
import type {
  AssistantTurn,
  DecideToolCallInput,
  RaiseBudgetInput,
  ResetContextInput,
  SessionResult,
  SessionStateView,
  SwitchProfileInput,
  SwitchProfileResult,
  TranscriptEntry,
  TranscriptPage,
} from '../shared/schemas/session-messages.js';

/**
 * Refuses what Temporal would refuse, before sending it, with an error that names the limit.
 * @throws ValidationError
 */
export function checkPayloadSize(what: string, value: unknown, limitBytes: number): void {
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  const issues = bytes > limitBytes ? (oversizedMessageReason(what, bytes) ?? `${what} is ${bytes} bytes, over the limit of ${limitBytes}`) : undefined;
  if (!issues) return;
  throw new ValidationError(`${issues}: send large content as files the session's tools can read, or in several messages`, issues);
}

/** What an update answers, read off its definition in shared/messages.ts. */
type UpdateResult<Definition> = Definition extends UpdateDefinition<infer Result, infer _Args> ? Result : never;

/** An update the session refused becomes a {@link MessageRejectedError} carrying the session's reason. */
async function unwrapRejection<T>(update: Promise<T>): Promise<T> {
  try {
    return await update;
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof Error) {
      throw new MessageRejectedError(error.cause.message, { cause: error });
    }
    throw error;
  }
}

export interface SessionHandleOptions {
  store?: ContentStore;
  maxPayloadBytes?: number;
  /** The feed `events()` subscribes to: its SessionClient's, which all its handles share. */
  feed?: () => SessionEventSubscriber;
}

export class SessionHandle {
  readonly #store: ContentStore | undefined;
  readonly #maxPayloadBytes: number;
  readonly #feed: (() => SessionEventSubscriber) | undefined;

  constructor(
    readonly workflow: WorkflowHandle,
    options: SessionHandleOptions = {},
  ) {
    this.#store = options.store;
    this.#maxPayloadBytes = options.maxPayloadBytes ?? MAX_KEEL_PAYLOAD_BYTES;
    this.#feed = options.feed;
  }

  /**
   * The session's live events (the contract's "HTTP API and live events"): text, thinking and tool-input deltas as
   * the model writes them, tool calls and results, approvals waiting, status changes, turn ends and the end.
   * Without `lastEventId`, from the start of the turn in progress; with it, from the event after it, without loss
   * or repeats. Ends after `session_end`, or when `signal` aborts.
   * @throws ValidationError for a `lastEventId` that is not an id of this stream
   */
  events(options: SubscribeOptions = {}): AsyncIterable<SessionEventEnvelope> {
    if (!this.#feed) throw new Error('events() needs a handle from a SessionClient (start, startAndSend or getHandle), which holds the event feed');
    return this.#feed().subscribe(this.workflowId, options);
  }

  get workflowId(): string {
    return this.workflow.workflowId;
  }

  /**
   * Sends a user message and waits for the assistant's reply to it. Rejected when the session has ended, and
   * before anything is sent (ValidationError) when the message passes Temporal's payload limit.
   */
  async sendMessage(content: MessageContent, options: { id?: string } = {}): Promise<AssistantTurn> {
    // An id of the caller's own, so that the message can be sent again without being queued twice.
    const message = { content, id: options.id ?? randomUUID() };
    checkPayloadSize('the message', message, this.#maxPayloadBytes);
    for (;;) {
      // The message id is the update id: an update the server lost before the workflow took it is sent again as is.
      const reply = await unwrapRejection(executeUpdateResendingLost(this.workflow, sendMessageUpdate, [message], message.id));
      // The session continued as new before the turn ended: the reply comes from the next run.
      if (reply.endedBy !== CONTINUED_AS_NEW) return reply;
    }
  }

  /** Queues a user message without waiting; a repeated `id` is applied once. @throws ValidationError past the payload limit */
  async userMessage(content: MessageContent, options: { id?: string } = {}): Promise<void> {
    const message = { content, ...(options.id ? { id: options.id } : {}) };
    checkPayloadSize('the message', message, this.#maxPayloadBytes);
    return this.workflow.signal(userMessageSignal, message);
  }

  interrupt(reason?: string): Promise<void> {
    return this.workflow.signal(interruptSignal, reason ? { reason } : {});
  }

  resetContext(request: ResetContextInput = {}): Promise<void> {
    return this.workflow.signal(resetContextSignal, request);
  }

  decideToolCall(decision: DecideToolCallInput): Promise<UpdateResult<typeof decideToolCallUpdate>> {
    return unwrapRejection(executeUpdateResendingLost(this.workflow, decideToolCallUpdate, [decision], randomUUID()));
  }

  raiseBudget(request: RaiseBudgetInput): Promise<UpdateResult<typeof raiseBudgetUpdate>> {
    return unwrapRejection(executeUpdateResendingLost(this.workflow, raiseBudgetUpdate, [request], randomUUID()));
  }

  /**
   * Moves the session to another profile before its next model call (the `switchProfile` update).
   * @throws MessageRejectedError for an unknown profile, the profile in use, or an ended session.
   */
  switchProfile(request: SwitchProfileInput): Promise<SwitchProfileResult> {
    return unwrapRejection(executeUpdateResendingLost(this.workflow, switchProfileUpdate, [request], randomUUID()));
  }

  state(): Promise<SessionStateView> {
    return this.workflow.query(stateQuery);
  }

  transcript(fromIndex = 0): Promise<TranscriptPage> {
    return this.workflow.query(transcriptQuery, { fromIndex });
  }

  /**
   * Every transcript entry, page by page, across the session's runs (a run that just continued as new may still be
   * reading earlier entries back: this waits for them, up to `loadingTimeoutMs`). With `resolve`, stored blocks
   * come back as their full content, read from the client's store.
   * @throws Error when `resolve` is asked for without a store; StoreError when the store lacks a block.
   */
  async fullTranscript(options: { resolve?: boolean; loadingTimeoutMs?: number } = {}): Promise<TranscriptEntry[]> {
    if (options.resolve && !this.#store) throw new Error('fullTranscript({ resolve: true }) needs the SessionClient to have a store');
    const entries: TranscriptEntry[] = [];
    const deadline = Date.now() + (options.loadingTimeoutMs ?? 60_000);
    for (;;) {
      const page = await this.transcript(entries.length);
      if (page.loading && page.entries.length === 0 && entries.length < page.total && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      entries.push(...page.entries);
      if (page.entries.length === 0 || entries.length >= page.total) break;
    }
    if (!options.resolve) return entries;
    return Promise.all(
      entries.map(async (entry) => (entry.kind === 'message' ? { ...entry, content: await this.resolveContent(entry.content) } : entry)),
    );
  }

  /** Content with its stored blocks resolved to their full content from the client's store. @throws Error without a store */
  async resolveContent(content: MessageContent): Promise<MessageContent> {
    if (!this.#store) throw new Error('resolving stored content needs the SessionClient to have a store');
    return resolveContent(this.#store, content);
  }

  result(): Promise<SessionResult> {
    return this.workflow.result();
  }

  /** Requests cancellation; the session ends with status `cancelled`. */
  cancel(): Promise<void> {
    return this.workflow.cancel().then(() => undefined);
  }
}

