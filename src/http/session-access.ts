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

/** @throws ApiError `not_found` when the caller may not see the session (or it does not exist). */
export async function accessSession(sessions: SessionClient, caller: ApiCaller, id: string): Promise<AccessibleSession> {
  const handle = sessions.getHandle(id);
  let description;
  try {
    description = await handle.workflow.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw sessionNotFound(id);
    throw error;
  }
  if (description.type !== SESSION_WORKFLOW_TYPE) throw sessionNotFound(id);
  if (caller.tenant !== undefined && description.typedSearchAttributes.get(keelTenantKey) !== caller.tenant) throw sessionNotFound(id);
  return { handle, running: description.status.name === 'RUNNING' };
}

/** @throws ApiError `session_ended` (409) when the session no longer takes messages. */
export async function accessRunningSession(sessions: SessionClient, caller: ApiCaller, id: string): Promise<SessionHandle> {
  const session = await accessSession(sessions, caller, id);
  if (!session.running) throw new ApiError('session_ended', `session ${JSON.stringify(id)} has ended`);
  return session.handle;
}
