/**
 * `POST /v1/sessions/{id}/fork`: a new session from another's transcript up to the end of a turn, as `keel fork`
 * makes it (src/client/fork-session.ts): same settings unless the body overrides the profile or mode, tool calls at
 * the cut answered as not run, and the fork's grant over its source's stored content, signed with the workers'
 * grant key. The source may have ended (forking a failed run is the point); it must be one the token may see, and
 * the fork keeps its tenant. Without the grant key `keel serve` cannot sign the grant: 503. Server-side.
 */
import { createRoute } from '@hono/zod-openapi';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { planFork, readSandboxSnapshots, readSessionInput } from '../../client/fork-session.js';
import { forkGrant } from '../../codec/fork-grant.js';
import { ValidationError } from '../../errors.js';
import { SESSION_ID_PREFIX } from '../../shared/constants.js';
import { ApiError } from '../api-error.js';
import { commonErrors, errorResponses, jsonContent as json, type ApiApp, type ApiServices } from '../api-environment.js';
import { createdSessionSchema } from '../response-schemas.js';
import { accessSession } from '../session-access.js';
import { newSessionIdSchema, sessionIdParamsSchema } from './session-routes.js';

export const forkBodySchema = z.strictObject({
  /** The last turn of the source the fork keeps (0: only its opening messages). */
  atTurn: z.number().int().nonnegative().max(1_000_000),
  profile: z.string().min(1).max(200).optional(),
  mode: z.enum(['task', 'chat']).optional(),
  id: newSessionIdSchema.optional(),
});

export function registerForkRoutes(app: ApiApp, services: ApiServices): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/sessions/{id}/fork',
      summary: 'Fork a session at a turn',
      description:
        "Starts a new session from this one's transcript through `atTurn` (`keel fork`), with its settings unless `profile` or `mode` is given. The fork's metadata names its source (`forkedFrom`, `forkedAtTurn`).",
      request: { params: sessionIdParamsSchema, body: { required: true, ...json(forkBodySchema) } },
      responses: { 201: { description: 'the fork, started', ...json(createdSessionSchema) }, ...errorResponses(...commonErrors, 'not_found', 'conflict') },
    }),
    async (c) => {
      const sourceId = c.req.valid('param').id;
      const body = c.req.valid('json');
      const { handle } = await accessSession(services.sessions, c.get('caller'), sourceId);
      if (!services.grantKey) throw new ApiError('unavailable', 'keel serve has no fork grant key: give it the workers\' KEEL_GRANT_KEY (or their KEEL_DATA_DIR)');
      const forkId = body.id ?? `${SESSION_ID_PREFIX}${randomUUID()}`;
      const client = services.sessions.client;
      const [source, transcript, snapshots] = await Promise.all([readSessionInput(client, sourceId), handle.fullTranscript(), readSandboxSnapshots(client, sourceId)]);
      let plan;
      try {
        plan = planFork(source, transcript, {
          atTurn: body.atTurn,
          sourceWorkflowId: sourceId,
          snapshots,
          grant: forkGrant(services.grantKey, sourceId, forkId),
          ...(body.profile ? { profile: body.profile } : {}),
          ...(body.mode ? { mode: body.mode } : {}),
        });
      } catch (error) {
        // A turn beyond the transcript, or a profile or mode the input schema refuses.
        if (ValidationError.isInstance(error)) throw new ApiError('invalid_request', `invalid body: ${error.message.replace(/^--at-turn \d+: /, 'atTurn: ')}`);
        throw error;
      }
      try {
        await services.sessions.start(plan.input, { workflowId: forkId, workflowIdReusePolicy: 'REJECT_DUPLICATE' });
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) throw new ApiError('conflict', `id: ${JSON.stringify(forkId)} is taken; choose another or leave it out`);
        throw error;
      }
      return c.json({ id: forkId }, 201);
    },
  );
}
