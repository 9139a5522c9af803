/**
 * `GET /v1/sessions/{id}/stored/{hash}`: the full content of a block the transcript shows as stored (its `keel_ref`),
 * read from the workers' content store as that session: a session reads only what it stored or was granted (see
 * the README, "Stored content belongs to its session"), so a hash of another session's content is the same 404 as
 * one that does not exist. Without a store `keel serve` answers 503. Server-side.
 */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { StoreError } from '../../errors.js';
import { FailureTypes } from '../../shared/failure-types.js';
import { blobHashSchema } from '../../shared/schemas/stored-block.js';
import { ApiError } from '../api-error.js';
import { commonErrors, errorResponses, jsonContent as json, type ApiApp, type ApiServices } from '../api-environment.js';
import { accessSession } from '../session-access.js';
import { sessionIdParamsSchema } from './session-routes.js';

export const storedContentSchema = z.object({ hash: z.string(), content: z.unknown() });

export function registerStoredContentRoutes(app: ApiApp, services: ApiServices): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/sessions/{id}/stored/{hash}',
      summary: 'The full content of a stored block',
      description: "A block of the transcript with a `keel_ref` holds a preview; this is the original, by the ref's `hash`.",
      request: { params: sessionIdParamsSchema.extend({ hash: blobHashSchema }) },
      responses: { 200: { description: 'the stored original', ...json(storedContentSchema) }, ...errorResponses(...commonErrors, 'not_found') },
    }),
    async (c) => {
      const { id, hash } = c.req.valid('param');
      await accessSession(services.sessions, c.get('caller'), id);
      if (!services.store) throw new ApiError('unavailable', "keel serve has no content store: give it the workers' KEEL_STORE, KEEL_STORE_URL or KEEL_DATA_DIR");
      try {
        return c.json({ hash, content: await services.store.forSession(id).getJson(hash) }, 200);
      } catch (error) {
        if (StoreError.isInstance(error) && (error.failureType === FailureTypes.StoreForbidden || error.failureType === FailureTypes.StoreNotFound)) {
          throw new ApiError('not_found', `session ${JSON.stringify(id)} has no stored content sha256:${hash}`);
        }
        throw error;
      }
    },
  );
}
