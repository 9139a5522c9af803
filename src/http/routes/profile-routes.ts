/**
 * Moving a running session to another profile (`switchProfile`): from its next model call, recorded as a
 * `profile-switch` transcript marker. An unknown profile, the profile in use or an ended session is a 409 `rejected`.
 * Server-side.
 */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { switchProfileInputSchema } from '../../shared/schemas/session-messages.js';
import { commonErrors, errorResponses, jsonContent as json, type ApiApp, type ApiServices } from '../api-environment.js';
import { accessRunningSession } from '../session-access.js';
import { unlessRejected } from './message-routes.js';
import { sessionIdParamsSchema } from './session-routes.js';

const switchedSchema = z.object({ profile: z.string(), model: z.string(), fromProfile: z.string() });

export function registerProfileRoutes(app: ApiApp, services: ApiServices): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/sessions/{id}/profile',
      summary: 'Move the session to another profile from its next model call (`switchProfile`)',
      request: { params: sessionIdParamsSchema, body: { required: true, ...json(switchProfileInputSchema) } },
      responses: {
        200: { description: 'the profile resolved, which the session moves to before its next model call', ...json(switchedSchema) },
        ...errorResponses(...commonErrors, 'not_found', 'session_ended', 'rejected'),
      },
    }),
    async (c) => {
      const handle = await accessRunningSession(services.sessions, c.get('caller'), c.req.valid('param').id);
      return c.json(await unlessRejected(handle.switchProfile(c.req.valid('json'))), 200);
    },
  );
}
