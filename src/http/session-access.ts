/**
 * The one way a route reaches a session: by id, as the caller may see it. A session is found when it exists, is
 * an `agentSession` (the API is no door to other workflows of the namespace) and, for a tenant's token, carries that
 * tenant in `KeelTenant`; anything else is the same 404, so a tenant cannot tell another tenant's session from no
 * session at all. Server-side.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { SessionClient, SessionHandle } from '../client/session-client.js';
import { SESSION_WORKFLOW_TYPE } from '../shared/constants.js';
import { keelTenantKey } from '../shared/search-attributes.js';
import { ApiError, sessionNotFound } from './api-error.js';
import type { ApiCaller } from './api-tokens.js';

export interface AccessibleSession {
  handle: SessionHandle;
  /** False once the session's run has closed (completed, cancelled, failed...): messages to it are a 409. */
  running: boolean;
}

/** What access needs to know of a session; undefined when it does not exist. */
interface SessionFacts {
  type: string;
  tenant: string | undefined;
  running: boolean;
}

async function describeSession(sessions: SessionClient, id: string): Promise<SessionFacts | undefined> {
  try {
    const description = await sessions.getHandle(id).workflow.describe();
    return { type: description.type, tenant: description.typedSearchAttributes.get(keelTenantKey), running: description.status.name === 'RUNNING' };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Lookups of sessions that many requests share: concurrent ones share one describe, and a session found stays known
 * for `ttlMs` (its type and tenant never change). A thousand clients subscribing to one session's events at once
 * cost one call to Temporal, not a thousand. Only for routes that need no current status (the event stream).
 */
export class SharedSessionLookups {
  readonly #recent = new Map<string, Promise<SessionFacts | undefined>>();

  constructor(
    private readonly sessions: SessionClient,
    private readonly ttlMs = 2_000,
  ) {}

  lookup(id: string): Promise<SessionFacts | undefined> {
    const known = this.#recent.get(id);
    if (known) return known;
    const lookup = describeSession(this.sessions, id);
    this.#recent.set(id, lookup);
    const forget = () => this.#recent.delete(id);
    // A session not found (or a failed call) is asked again by the next request: it may have just been created.
    void lookup.then((facts) => (facts ? setTimeout(forget, this.ttlMs).unref() : forget()), forget);
    return lookup;
  }
}

/** @throws ApiError `not_found` when the caller may not see the session (or it does not exist). */
export async function accessSession(sessions: SessionClient, caller: ApiCaller, id: string, shared?: SharedSessionLookups): Promise<AccessibleSession> {
  const facts = await (shared ? shared.lookup(id) : describeSession(sessions, id));
  if (!facts || facts.type !== SESSION_WORKFLOW_TYPE) throw sessionNotFound(id);
  if (caller.tenant !== undefined && facts.tenant !== caller.tenant) throw sessionNotFound(id);
  return { handle: sessions.getHandle(id), running: facts.running };
}

/** @throws ApiError `session_ended` (409) when the session no longer takes messages. */
export async function accessRunningSession(sessions: SessionClient, caller: ApiCaller, id: string): Promise<SessionHandle> {
  const session = await accessSession(sessions, caller, id);
  if (!session.running) throw new ApiError('session_ended', `session ${JSON.stringify(id)} has ended`);
  return session.handle;
}
