/**
 * A typed client for Keel sessions over the Temporal Client: start (validated before anything reaches the
 * server), send a message and await the reply, signal, query, cancel. Client-side; any other Temporal client can
 * do the same through the public contract.
 */
import { Client, Connection, WithStartWorkflowOperation, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { dataConverterFromEnvironment } from '../codec/data-converter-from-environment.js';
import { MessageRejectedError, ValidationError } from '../errors.js';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, SESSION_ID_PREFIX, SESSION_WORKFLOW_TYPE } from '../shared/constants.js';
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
}

export interface ConnectOptions {
  /** @default env `TEMPORAL_ADDRESS`, else `localhost:7233` */
  address?: string;
  /** @default env `KEEL_NAMESPACE`, else `default` */
  namespace?: string;
  taskQueue?: string;
  /**
   * Payload conversion. @default from the environment: payloads sealed with `KEEL_ENCRYPTION_KEYS` when it is set
   * (the same keys as the workers), else plain JSON
   */
  dataConverter?: DataConverter;
}

export interface StartOptions {
  /** The workflow id. @default `session-<uuid>` */
  workflowId?: string;
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

export class SessionHandle {
  constructor(readonly workflow: WorkflowHandle) {}

  get workflowId(): string {
    return this.workflow.workflowId;
  }

  /** Sends a user message and waits for the assistant's reply to it. Rejected when the session has ended. */
  sendMessage(content: MessageContent, options: { id?: string } = {}): Promise<AssistantTurn> {
    return unwrapRejection(
      this.workflow.executeUpdate(sendMessageUpdate, { args: [{ content, ...(options.id ? { id: options.id } : {}) }] }),
    );
  }

  /** Queues a user message without waiting; a repeated `id` is applied once. */
  userMessage(content: MessageContent, options: { id?: string } = {}): Promise<void> {
    return this.workflow.signal(userMessageSignal, { content, ...(options.id ? { id: options.id } : {}) });
  }

  interrupt(reason?: string): Promise<void> {
    return this.workflow.signal(interruptSignal, reason ? { reason } : {});
  }

  resetContext(request: ResetContextInput = {}): Promise<void> {
    return this.workflow.signal(resetContextSignal, request);
  }

  decideToolCall(decision: DecideToolCallInput) {
    return unwrapRejection(this.workflow.executeUpdate(decideToolCallUpdate, { args: [decision] }));
  }

  raiseBudget(request: RaiseBudgetInput) {
    return unwrapRejection(this.workflow.executeUpdate(raiseBudgetUpdate, { args: [request] }));
  }

  state(): Promise<SessionStateView> {
    return this.workflow.query(stateQuery);
  }

  transcript(fromIndex = 0): Promise<TranscriptPage> {
    return this.workflow.query(transcriptQuery, { fromIndex });
  }

  /** Every transcript entry, page by page. */
  async fullTranscript(): Promise<TranscriptEntry[]> {
    const entries: TranscriptEntry[] = [];
    for (;;) {
      const page = await this.transcript(entries.length);
      entries.push(...page.entries);
      if (page.entries.length === 0 || entries.length >= page.total) return entries;
    }
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

  constructor(options: SessionClientOptions) {
    this.client = options.client;
    this.taskQueue = options.taskQueue ?? process.env.KEEL_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
  }

  /** Connects a client. @throws ConfigError when `KEEL_ENCRYPTION_KEYS` is malformed (before connecting). */
  static async connect(options: ConnectOptions = {}): Promise<SessionClient> {
    const dataConverter = options.dataConverter ?? dataConverterFromEnvironment();
    const connection = await Connection.connect({ address: options.address ?? process.env.TEMPORAL_ADDRESS ?? 'localhost:7233' });
    const client = new Client({
      connection,
      namespace: options.namespace ?? process.env.KEEL_NAMESPACE ?? DEFAULT_NAMESPACE,
      ...(dataConverter ? { dataConverter } : {}),
    });
    return new SessionClient({ client, ...(options.taskQueue ? { taskQueue: options.taskQueue } : {}) });
  }

  /** Starts a session. @throws ValidationError before anything is sent when the input breaks the schema. */
  async start(input: SessionInputRequest, options: StartOptions = {}): Promise<SessionHandle> {
    const parsed = validateSessionInput(input);
    const handle = await this.client.workflow.start(SESSION_WORKFLOW_TYPE, {
      taskQueue: this.taskQueue,
      workflowId: options.workflowId ?? `${SESSION_ID_PREFIX}${randomUUID()}`,
      args: [parsed],
      staticSummary: summaryOf(parsed),
    });
    return new SessionHandle(handle);
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
    const startWorkflowOperation = new WithStartWorkflowOperation(SESSION_WORKFLOW_TYPE, {
      taskQueue: this.taskQueue,
      workflowId: options.workflowId ?? `${SESSION_ID_PREFIX}${randomUUID()}`,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [parsed],
      staticSummary: summaryOf(parsed),
    });
    const reply = await this.client.workflow.executeUpdateWithStart(sendMessageUpdate, {
      args: [{ content: message.content, ...(message.id ? { id: message.id } : {}) }],
      startWorkflowOperation,
    });
    const handle = await startWorkflowOperation.workflowHandle();
    return { handle: new SessionHandle(handle), reply };
  }

  getHandle(workflowId: string): SessionHandle {
    return new SessionHandle(this.client.workflow.getHandle(workflowId));
  }
}
