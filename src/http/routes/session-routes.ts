/**
 * Sessions as resources: create one (`POST /v1/sessions`), list and count them, read one's `state` and
 * `transcript`. Server-side.
 */
import { createRoute } from '@hono/zod-openapi';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { toListedSession, type ListedSession } from '../../client/listed-session.js';
import { countSessions } from '../../client/session-counts.js';
import { sessionListQuery } from '../../client/session-list-query.js';
import { SESSION_ID_PREFIX } from '../../shared/constants.js';
import { sessionInputSchema } from '../../shared/schemas/session-input.js';
import { ApiError } from '../api-error.js';
import { commonErrors, errorResponses, jsonContent as json, type ApiApp, type ApiServices } from '../api-environment.js';
import { createdSessionSchema, sessionCountsSchema, sessionListSchema, sessionStateSchema, transcriptPageSchema } from '../response-schemas.js';
import { accessSession } from '../session-access.js';
import { sessionFilterOf, sessionFilterQuerySchema } from '../session-filter.js';

/** Ids no session may take: `GET /v1/sessions/counts` is the counts, not a session's state. */
const reservedSessionIds: ReadonlySet<string> = new Set(['counts']);

/** An id a client picks for a new session: plain characters, so that it reads the same in a URL path. */
export const newSessionIdSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'letters, digits and . _ : @ - only')
  .refine((id) => !reservedSessionIds.has(id), { message: 'reserved: the API has a route of that name (choose another id)' });

/** `POST /v1/sessions`: the session's own input, plus the id it may choose. */
export const createSessionBodySchema = sessionInputSchema.safeExtend({ id: newSessionIdSchema.optional() });

/** Any existing session's id (a sub-agent's holds a `/`, sent as `%2F`). */
export const sessionIdParamsSchema = z.object({ id: z.string().min(1).max(1000) });

const listQuerySchema = sessionFilterQuerySchema.extend({ limit: z.coerce.number().int().min(1).max(1000).default(50) });

export function registerSessionRoutes(app: ApiApp, services: ApiServices): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/sessions',
      summary: 'Start a session',
      description:
        "The body is a SessionInput plus an optional `id` (default `session-<uuid>`). A tenant's token gives the session its tenant (`metadata.tenant`); naming another tenant there is a 400.",
      request: { body: { required: true, ...json(createSessionBodySchema) } },
      responses: { 201: { description: 'started', ...json(createdSessionSchema) }, ...errorResponses(...commonErrors, 'conflict') },
    }),
    async (c) => {
      const { id: requestedId, ...input } = c.req.valid('json');
      const caller = c.get('caller');
      if (caller.tenant !== undefined) {
        const named = input.metadata.tenant;
        if (named !== undefined && named !== caller.tenant) {
          throw new ApiError('invalid_request', "metadata.tenant: names another tenant than the token's (leave it out: the session gets the token's)");
        }
        input.metadata = { ...input.metadata, tenant: caller.tenant };
      }
      const id = requestedId ?? `${SESSION_ID_PREFIX}${randomUUID()}`;
      try {
        // An ended session's id is never reused: a new session would take its place for every reader.
        await services.sessions.start(input, { workflowId: id, workflowIdReusePolicy: 'REJECT_DUPLICATE' });
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) {
          throw new ApiError('conflict', `id: ${JSON.stringify(id)} is taken; choose another (ids are unique across tenants) or leave it out`);
        }
        throw error;
      }
      return c.json({ id }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/sessions',
      summary: 'List sessions, newest first',
      description:
        "Through the visibility store (a moment behind), each session once (by its latest run). A tenant's token lists its tenant's sessions only.",
      request: { query: listQuerySchema },
      responses: { 200: { description: 'the sessions', ...json(sessionListSchema) }, ...errorResponses(...commonErrors) },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const visibilityQuery = sessionListQuery(sessionFilterOf(query, c.get('caller')));
      const sessions: ListedSession[] = [];
      for await (const info of services.sessions.client.workflow.list({ query: visibilityQuery, pageSize: query.limit })) {
        sessions.push(toListedSession(info));
        if (sessions.length >= query.limit) break;
      }
      return c.json({ sessions }, 200);
    },
  );

  // Registered before `/v1/sessions/{id}`, which would otherwise take `counts` for a session's id.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/sessions/counts',
      summary: 'How many sessions are in each status',
      description:
        "Counts per status of the sessions the list's filters (`status`, `profile`) match, all of them rather than a page: Temporal's CountWorkflowExecutions, through the visibility store (a moment behind). A tenant's token counts its tenant's sessions only.",
      request: { query: sessionFilterQuerySchema },
      responses: { 200: { description: 'the counts', ...json(sessionCountsSchema) }, ...errorResponses(...commonErrors) },
    }),
    async (c) => c.json(await countSessions(services.sessions.client, sessionFilterOf(c.req.valid('query'), c.get('caller'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/sessions/{id}',
      summary: "The session's state (the `state` query)",
      request: { params: sessionIdParamsSchema },
      responses: { 200: { description: 'the state', ...json(sessionStateSchema) }, ...errorResponses(...commonErrors, 'not_found') },
    }),
    async (c) => {
      const { handle } = await accessSession(services.sessions, c.get('caller'), c.req.valid('param').id);
      return c.json(await handle.state(), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/sessions/{id}/transcript',
      summary: "The session's transcript from an index (the `transcript` query)",
      request: { params: sessionIdParamsSchema, query: z.object({ fromIndex: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional() }) },
      responses: { 200: { description: 'a page of the transcript', ...json(transcriptPageSchema) }, ...errorResponses(...commonErrors, 'not_found') },
    }),
    async (c) => {
      const { handle } = await accessSession(services.sessions, c.get('caller'), c.req.valid('param').id);
      return c.json(await handle.transcript(c.req.valid('query').fromIndex ?? 0), 200);
    },
  );
}
