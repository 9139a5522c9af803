/**
 * A typed client for Keel sessions over the Temporal Client: start (validated before anything reaches the
 * server), send a message and await the reply, signal, query, cancel. Client-side; any other Temporal client can
 * do the same through the public contract.
 */
import { type Client, WithStartWorkflowOperation, type ScheduleHandle } from '@temporalio/client';
import type { DataConverter, SearchAttributePair } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { connectClient } from './connect-client.js';
import { createSessionSchedule, listSessionSchedules, type ScheduleSessionOptions, type SessionScheduleSummary } from './session-schedules.js';
import { ValidationError } from '../errors.js';
import { MAX_KEEL_PAYLOAD_BYTES } from '../shared/payload-limits.js';
import { DEFAULT_TASK_QUEUE, SESSION_ID_PREFIX, SESSION_WORKFLOW_TYPE } from '../shared/constants.js';
import { keelTenantKey } from '../shared/search-attributes.js';
import { sendMessageUpdate } from '../shared/messages.js';
import type { MessageContent } from '../shared/schemas/content.js';
import { textOf } from '../shared/schemas/content.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import { sessionInputSchema, type SessionInput, type SessionInputRequest } from '../shared/schemas/session-input.js';
import { CONTINUED_AS_NEW } from '../shared/schemas/session-carry.js';
import type { ContentStore } from '../stores/content-store.js';
import type { EventSource } from '../events/event-transport.js';
import { eventsSettingsFromEnvironment, openEventSource } from '../events/events-settings.js';
import { SessionEventFeed } from './session-event-feed.js';
import type { AssistantTurn } from '../shared/schemas/session-messages.js';
import { checkPayloadSize, SessionHandle, type SessionHandleOptions } from './session-handle.js';

export { SessionHandle, type SessionHandleOptions } from './session-handle.js';

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
