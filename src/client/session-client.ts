/**
 * A typed client for Keel sessions over the Temporal Client: start (validated before anything reaches the
 * server), send a message and await the reply, signal, query, cancel. Client-side; any other Temporal client can
 * do the same through the public contract.
 */
import { type Client, WithStartWorkflowOperation, type ScheduleHandle, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { DataConverter, SearchAttributePair, UpdateDefinition } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { connectClient } from './connect-client.js';
import { executeUpdateResendingLost } from './resend-lost-update.js';
import { createSessionSchedule, listSessionSchedules, type ScheduleSessionOptions, type SessionScheduleSummary } from './session-schedules.js';
import { MessageRejectedError, ValidationError } from '../errors.js';
import { MAX_KEEL_PAYLOAD_BYTES, oversizedMessageReason } from '../shared/payload-limits.js';
import { DEFAULT_TASK_QUEUE, SESSION_ID_PREFIX, SESSION_WORKFLOW_TYPE } from '../shared/constants.js';
import { keelTenantKey } from '../shared/search-attributes.js';
import {
  decideToolCallUpdate,
  interruptSignal,
  raiseBudgetUpdate,
  resetContextSignal,
  sendMessageUpdate,
  stateQuery,
  transcriptQuery,
  userMessageSignal,
} from '../shared/messages.js';
import type { MessageContent } from '../shared/schemas/content.js';
import { textOf } from '../shared/schemas/content.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import { sessionInputSchema, type SessionInput, type SessionInputRequest } from '../shared/schemas/session-input.js';
import { CONTINUED_AS_NEW } from '../shared/schemas/session-carry.js';
import type { ContentStore } from '../stores/content-store.js';
import { resolveContent } from '../stores/restore-content.js';
import type { EventSource } from '../events/event-transport.js';
import { eventsSettingsFromEnvironment, openEventSource } from '../events/events-settings.js';
import { SessionEventFeed, type SubscribeOptions } from '../events/session-event-feed.js';
import type { SessionEventEnvelope } from '../shared/schemas/session-event.js';
import type {
  AssistantTurn,
  DecideToolCallInput,
  RaiseBudgetInput,
  ResetContextInput,
  SessionResult,
  SessionStateView,
  TranscriptEntry,
  TranscriptPage,
} from '../shared/schemas/session-messages.js';

export interface SessionClientOptions {
  client: Client;
  /** @default env `KEEL_TASK_QUEUE`, else `keel` */
  taskQueue?: string;
  /**
   * The workers' content store, to resolve stored blocks (`keel_ref`) in transcripts and replies into their full
   * content. Optional: without it, stored blocks show their preview and reference.
   */
  store?: ContentStore;
  /**
   * The most one message or session input may hold, bytes; larger ones are refused before they are sent, as the
   * session would refuse them. @default 1572864 (1.5 MiB, under Temporal's 2 MiB payload limit)
   */
  maxPayloadBytes?: number;
  /**
   * Where the live streams of model calls come from, for `events()`. @default from `KEEL_EVENTS` / `KEEL_EVENTS_URL`
   * (the workers' setting): the local hubs of this machine's workers
   */
  events?: EventSource;
}

export interface ConnectOptions {
  /** Temporal frontend, host:port. @default env `TEMPORAL_ADDRESS` (or the `temporal.toml` profile), else `localhost:7233` */
  address?: string;
  /** @default env `KEEL_NAMESPACE`, else `TEMPORAL_NAMESPACE` (or the profile's), else `default` */
  namespace?: string;
  taskQueue?: string;
  /**
   * Payload conversion. @default from the environment: payloads sealed with `KEEL_ENCRYPTION_KEYS` when it is set
   * (the same keys as the workers), else plain JSON
   */
  dataConverter?: DataConverter;
  /** Where the settings are read from (connection, TLS, API key, profiles, `KEEL_TASK_QUEUE`). @default `process.env` */
  environment?: NodeJS.ProcessEnv;
}

export interface StartOptions {
  /** The workflow id. @default `session-<uuid>` */
  workflowId?: string;
  /**
   * Whether the id of a session that has ended may start a new one. `REJECT_DUPLICATE` keeps an id naming one
   * session for good (the HTTP API uses it, so that a new session cannot take an ended one's place).
   * @default Temporal's, `ALLOW_DUPLICATE`
   */
  workflowIdReusePolicy?: 'ALLOW_DUPLICATE' | 'REJECT_DUPLICATE';
}

/** Validates a session input as the workflow will. @throws ValidationError naming the fields. */
export function validateSessionInput(input: unknown): SessionInput {
  const parsed = sessionInputSchema.safeParse(input);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error);
    throw new ValidationError(`invalid session input: ${issues}`, issues);
  }
  return parsed.data;
}

/** The UI's one-line summary of a session: its profile and the first line of the task. */
function summaryOf(input: SessionInput): string {
  const first = input.messages.find((message) => message.role === 'user');
  const line = (first ? textOf(first.content) : '').split('\n').find((candidate) => candidate.trim()) ?? '';
  return `[${input.profile}] ${line.length > 100 ? `${line.slice(0, 97)}...` : line}`;
}

/**
 * `KeelTenant` from the start, so that the session is its tenant's before its first workflow task (the workflow
 * writes it too, for sessions other clients start).
 */
function tenantAttribute(input: SessionInput): { typedSearchAttributes?: SearchAttributePair[] } {
  const tenant = input.metadata.tenant;
  return tenant === undefined ? {} : { typedSearchAttributes: [{ key: keelTenantKey, value: tenant }] };
}

/**
 * Refuses what Temporal would refuse, before sending it, with an error that names the limit.
 * @throws ValidationError
 */
function checkPayloadSize(what: string, value: unknown, limitBytes: number): void {
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  const issues = bytes > limitBytes ? (oversizedMessageReason(what, bytes) ?? `${what} is ${bytes} bytes, over the limit of ${limitBytes}`) : undefined;
  if (!issues) return;
  throw new ValidationError(`${issues}: send large content as files the session's tools can read, or in several messages`, issues);
}

/** An update the session refused becomes a {@link MessageRejectedError} carrying the session's reason. */
/** What an update answers, read off its definition in shared/messages.ts. */
type UpdateResult<Definition> = Definition extends UpdateDefinition<infer Result, infer _Args> ? Result : never;

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
  feed?: () => SessionEventFeed;
}

export class SessionHandle {
  readonly #store: ContentStore | undefined;
  readonly #maxPayloadBytes: number;
  readonly #feed: (() => SessionEventFeed) | undefined;

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

export class SessionClient {
  readonly client: Client;
  readonly taskQueue: string;
  readonly #handleOptions: SessionHandleOptions;
  #eventSource: EventSource | undefined;
  #feed: SessionEventFeed | undefined;

  constructor(options: SessionClientOptions) {
    this.client = options.client;
    this.taskQueue = options.taskQueue ?? process.env.KEEL_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
    this.#eventSource = options.events;
    this.#handleOptions = {
      ...(options.store ? { store: options.store } : {}),
      ...(options.maxPayloadBytes ? { maxPayloadBytes: options.maxPayloadBytes } : {}),
      feed: () => this.eventFeed(),
    };
  }

  /**
   * The one feed of live events this client's handles share: one transport subscription and one watch per session
   * however many subscribers it has. `keel serve` subscribes through it (`eventFeed().subscribe(id, options)`)
   * without a handle per request.
   */
  eventFeed(): SessionEventFeed {
    this.#eventSource ??= openEventSource(eventsSettingsFromEnvironment());
    this.#feed ??= new SessionEventFeed({ client: this.client, source: this.#eventSource, ...(this.#handleOptions.store ? { store: this.#handleOptions.store } : {}) });
    return this.#feed;
  }

  /**
   * Connects a client with Temporal's standard connection settings (TLS, mTLS, API key, `temporal.toml`).
   * @throws ConfigError when `KEEL_ENCRYPTION_KEYS` or the connection settings are malformed (before connecting).
   */
  static async connect(options: ConnectOptions = {}): Promise<SessionClient> {
    const { client } = await connectClient(options);
    const taskQueue = options.taskQueue ?? options.environment?.KEEL_TASK_QUEUE;
    const events = openEventSource(eventsSettingsFromEnvironment(options.environment ?? process.env));
    return new SessionClient({ client, events, ...(taskQueue ? { taskQueue } : {}) });
  }

  /**
   * Starts `input` as a new session on every time of a cron schedule (Temporal Schedules); each run is a normal
   * session whose `metadata.scheduleId` names the schedule. @throws ValidationError before anything is sent when the
   * input breaks the schema. Pause, unpause or delete it with `client.schedule.getHandle(scheduleId)`.
   */
  async schedule(input: SessionInputRequest, options: ScheduleSessionOptions): Promise<ScheduleHandle> {
    const parsed = validateSessionInput(input);
    checkPayloadSize('the session input', parsed, this.#handleOptions.maxPayloadBytes ?? MAX_KEEL_PAYLOAD_BYTES);
    return createSessionSchedule(this.client, this.taskQueue, parsed, options);
  }

  /** The schedules that start Keel sessions, with their next and most recent runs. */
  schedules(): Promise<SessionScheduleSummary[]> {
    return listSessionSchedules(this.client);
  }

  /** Closes its event feed and the connection of its client (the one `connect` opened), so that a script can exit. */
  async close(): Promise<void> {
    await this.#feed?.close();
    await this.#eventSource?.close();
    await this.client.connection.close();
  }

  /** Starts a session. @throws ValidationError before anything is sent when the input breaks the schema. */
  async start(input: SessionInputRequest, options: StartOptions = {}): Promise<SessionHandle> {
    const parsed = validateSessionInput(input);
    checkPayloadSize('the session input', parsed, this.#handleOptions.maxPayloadBytes ?? MAX_KEEL_PAYLOAD_BYTES);
    const handle = await this.client.workflow.start(SESSION_WORKFLOW_TYPE, {
      taskQueue: this.taskQueue,
      workflowId: options.workflowId ?? `${SESSION_ID_PREFIX}${randomUUID()}`,
      args: [parsed],
      staticSummary: summaryOf(parsed),
      ...(options.workflowIdReusePolicy ? { workflowIdReusePolicy: options.workflowIdReusePolicy } : {}),
      ...tenantAttribute(parsed),
    });
    return new SessionHandle(handle, this.#handleOptions);
  }

  /**
   * Starts a `chat` session (or joins the running one with that id) and sends it a message, in one idempotent
   * call that returns with the reply: update-with-start.
   */
  async startAndSend(
    input: SessionInputRequest,
    message: { content: MessageContent; id?: string },
    options: StartOptions = {},
  ): Promise<{ handle: SessionHandle; reply: AssistantTurn }> {
    const parsed = validateSessionInput(input);
    const limit = this.#handleOptions.maxPayloadBytes ?? MAX_KEEL_PAYLOAD_BYTES;
    checkPayloadSize('the session input', parsed, limit);
    checkPayloadSize('the message', message, limit);
    const startWorkflowOperation = new WithStartWorkflowOperation(SESSION_WORKFLOW_TYPE, {
      taskQueue: this.taskQueue,
      workflowId: options.workflowId ?? `${SESSION_ID_PREFIX}${randomUUID()}`,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [parsed],
      staticSummary: summaryOf(parsed),
      ...tenantAttribute(parsed),
    });
    const id = message.id ?? randomUUID();
    const first = await this.client.workflow.executeUpdateWithStart(sendMessageUpdate, {
      args: [{ content: message.content, id }],
      startWorkflowOperation,
    });
    const handle = new SessionHandle(await startWorkflowOperation.workflowHandle(), this.#handleOptions);
    // The session continued as new before the turn ended: the same id, sent again, waits for the reply there.
    const reply = first.endedBy === CONTINUED_AS_NEW ? await handle.sendMessage(message.content, { id }) : first;
    return { handle, reply };
  }

  getHandle(workflowId: string): SessionHandle {
    return new SessionHandle(this.client.workflow.getHandle(workflowId), this.#handleOptions);
  }
}
