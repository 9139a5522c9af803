/**
 * Messages into a running session: a user message (waiting for the turn, or not), a tool-call decision, an
 * interruption, a context reset, a raised budget, cancellation. Each body is the session's own argument schema;
 * a session that has ended is a 409. Server-side.
 */
import { createRoute } from '@hono/zod-openapi';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { MessageRejectedError } from '../../errors.js';
import {
  decideToolCallInputSchema,
  interruptInputSchema,
  raiseBudgetInputSchema,
  resetContextInputSchema,
  userMessageInputSchema,
} from '../../shared/schemas/session-messages.js';
import { ApiError } from '../api-error.js';
import { commonErrors, errorResponses, jsonContent as json, type ApiApp, type ApiServices } from '../api-environment.js';
import { acceptedSchema, assistantTurnSchema, budgetSchema, toolDecisionSchema } from '../response-schemas.js';
import { accessRunningSession } from '../session-access.js';
import { sessionIdParamsSchema } from './session-routes.js';

const sessionErrors = errorResponses(...commonErrors, 'not_found', 'session_ended', 'rejected');

/** The session refused it in its update validator (an unknown or decided call, a session that ended meanwhile). */
export async function unlessRejected<T>(update: Promise<T>): Promise<T> {
  try {
    return await update;
  } catch (error) {
    if (MessageRejectedError.isInstance(error)) throw new ApiError('rejected', error.message, { cause: error });
    throw error;
  }
}

export function registerMessageRoutes(app: ApiApp, services: ApiServices): void {
  const running = (id: string, caller: Parameters<typeof accessRunningSession>[1]) => accessRunningSession(services.sessions, caller, id);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/sessions/{id}/messages',
      summary: 'Send a user message',
      description: 'Waits for the turn that answers it and returns the reply (`sendMessage`). With `?wait=false` it is queued (`userMessage`) and answered 202 at once.',
      request: {
        params: sessionIdParamsSchema,
        query: z.object({ wait: z.enum(['true', 'false']).default('true') }),
        body: { required: true, ...json(userMessageInputSchema) },
      },
      responses: {
        200: { description: "the assistant's reply, once the turn has ended", ...json(assistantTurnSchema) },
        202: { description: 'queued', ...json(acceptedSchema) },
        ...sessionErrors,
      },
    }),
    async (c) => {
      const handle = await running(c.req.valid('param').id, c.get('caller'));
      const message = c.req.valid('json');
      const id = message.id ?? randomUUID();
      if (c.req.valid('query').wait === 'false') {
        await handle.userMessage(message.content, { id });
        return c.json({ id, status: 'accepted' as const }, 202);
      }
      return c.json(await unlessRejected(handle.sendMessage(message.content, { id })), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/sessions/{id}/tool-decisions',
      summary: 'Approve or deny a tool call waiting for approval (`decideToolCall`)',
      request: { params: sessionIdParamsSchema, body: { required: true, ...json(decideToolCallInputSchema) } },
      responses: { 200: { description: 'the decision as recorded', ...json(toolDecisionSchema) }, ...sessionErrors },
    }),
    async (c) => {
      const handle = await running(c.req.valid('param').id, c.get('caller'));
      return c.json(await unlessRejected(handle.decideToolCall(c.req.valid('json'))), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/sessions/{id}/interrupt',
      summary: 'Stop the current turn at the next safe point (`interrupt`); the session stays open',
      request: { params: sessionIdParamsSchema, body: { required: false, ...json(interruptInputSchema) } },
      responses: { 202: { description: 'sent', ...json(acceptedSchema) }, ...sessionErrors },
    }),
    async (c) => {
      const handle = await running(c.req.valid('param').id, c.get('caller'));
      await handle.interrupt(c.req.valid('json').reason);
      return c.json({ status: 'accepted' as const }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/sessions/{id}/reset-context',
      summary: 'Start the next model call from a reset context (`resetContext`)',
      request: { params: sessionIdParamsSchema, body: { required: false, ...json(resetContextInputSchema) } },
      responses: { 202: { description: 'sent', ...json(acceptedSchema) }, ...sessionErrors },
    }),
    async (c) => {
      const handle = await running(c.req.valid('param').id, c.get('caller'));
      await handle.resetContext(c.req.valid('json'));
      return c.json({ status: 'accepted' as const }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/sessions/{id}/budget',
      summary: "Raise the session's limits (`raiseBudget`); resumes a session waiting for budget",
      request: { params: sessionIdParamsSchema, body: { required: true, ...json(raiseBudgetInputSchema) } },
      responses: { 200: { description: 'the new limits', ...json(budgetSchema) }, ...sessionErrors },
    }),
    async (c) => {
      const handle = await running(c.req.valid('param').id, c.get('caller'));
      return c.json(await unlessRejected(handle.raiseBudget(c.req.valid('json'))), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/sessions/{id}/cancel',
      summary: 'Cancel the session: it ends with status `cancelled`, its sandbox cleaned up',
      request: { params: sessionIdParamsSchema },
      responses: { 202: { description: 'cancellation requested', ...json(acceptedSchema) }, ...sessionErrors },
    }),
    async (c) => {
      const handle = await running(c.req.valid('param').id, c.get('caller'));
      await handle.cancel();
      return c.json({ status: 'accepted' as const }, 202);
    },
  );
}
