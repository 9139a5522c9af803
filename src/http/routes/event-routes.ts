/**
 * `GET /v1/sessions/{id}/events`: the session's live events as Server-Sent Events, each with the `id:` its
 * envelope carries, which `Last-Event-ID` resumes after. Subscribes through the session client's one event feed
 * (src/events/), which follows each session once however many clients stream it. A client that disconnects ends its
 * subscription; one token holds at most `maxStreamsPerToken` streams at once. Server-side.
 */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { ValidationError } from '../../errors.js';
import { sessionEventNames, sessionEventSchemas } from '../../shared/schemas/session-event.js';
import { ApiError } from '../api-error.js';
import { commonErrors, errorResponses, type ApiApp, type ApiServices } from '../api-environment.js';
import { eventStreamBody, sseFrame } from '../event-stream-body.js';
import { accessSession, SharedSessionLookups } from '../session-access.js';
import { sessionIdParamsSchema } from './session-routes.js';

/** How often an idle stream sends a comment line, ms: proxies keep it open, and a dead client is noticed. */
const KEEPALIVE_INTERVAL_MS = 15_000;

/** One event as the stream sends it: `event:` its name, `data:` this JSON. */
const streamedEventSchema = z
  .union(sessionEventNames.map((name) => z.object({ event: z.literal(name), id: z.string(), data: sessionEventSchemas[name] })) as unknown as [z.ZodObject, z.ZodObject])
  .describe('One Server-Sent Event: `id:` the id, `event:` the name, `data:` the data as JSON.');

/** Event streams open now, per token, for the per-token cap. */
export class OpenStreams {
  readonly #byToken = new Map<number, number>();

  /** @throws ApiError `too_many_streams` when the token holds `max` already. */
  open(tokenIndex: number, max: number): () => void {
    const count = this.#byToken.get(tokenIndex) ?? 0;
    if (count >= max) throw new ApiError('too_many_streams', `this token holds ${count} event streams already, the most it may`);
    this.#byToken.set(tokenIndex, count + 1);
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      const left = (this.#byToken.get(tokenIndex) ?? 1) - 1;
      if (left === 0) this.#byToken.delete(tokenIndex);
      else this.#byToken.set(tokenIndex, left);
    };
  }

  /** Streams open across all tokens. */
  get total(): number {
    let total = 0;
    for (const count of this.#byToken.values()) total += count;
    return total;
  }
}

export function registerEventRoutes(app: ApiApp, services: ApiServices, openStreams: OpenStreams): void {
  const lookups = new SharedSessionLookups(services.sessions);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/sessions/{id}/events',
      summary: "The session's live events (Server-Sent Events)",
      description:
        'Without `Last-Event-ID`: the turn in progress so far, then live events; with it, the events after that one, without loss or repeats. Ends after `session_end`.',
      request: { params: sessionIdParamsSchema, headers: z.object({ 'last-event-id': z.string().max(200).optional() }) },
      responses: {
        200: { description: 'the event stream', content: { 'text/event-stream': { schema: streamedEventSchema } } },
        ...errorResponses(...commonErrors, 'not_found', 'too_many_streams'),
      },
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      const caller = c.get('caller');
      await accessSession(services.sessions, caller, id, lookups);
      const lastEventId = c.req.valid('header')['last-event-id'];
      const abort = new AbortController();
      let events;
      try {
        events = services.sessions.eventFeed().subscribe(id, { ...(lastEventId ? { lastEventId } : {}), signal: abort.signal });
      } catch (error) {
        if (ValidationError.isInstance(error)) throw new ApiError('invalid_request', `invalid header: Last-Event-ID: not an event id of this stream`);
        throw error;
      }
      const release = openStreams.open(caller.tokenIndex, services.maxStreamsPerToken);
      const stop = () => {
        abort.abort();
        release();
      };
      c.req.raw.signal.addEventListener('abort', stop, { once: true });
      const stream = eventStreamBody(stop);
      // Closing the API ends the stream, also one whose client has stopped reading (its writes wait for room).
      const closeOnShutdown = () => {
        stop();
        stream.close();
      };
      services.inFlight.signal.addEventListener('abort', closeOnShutdown, { once: true });
      const keepalive = setInterval(() => void stream.write(': keepalive\n\n'), KEEPALIVE_INTERVAL_MS);
      // The stream outlives the handler: it runs as part of the request all the same, for the API's close().
      void services.inFlight.run(async () => {
        try {
          for await (const event of events) {
            if (abort.signal.aborted) break;
            await stream.write(sseFrame(event));
          }
        } catch (error) {
          // The headers are sent: the failure goes as an event of its own, without detail.
          if (!abort.signal.aborted) {
            services.onInternalError(error, { method: 'GET', path: c.req.path });
            await stream.write(`event: error\ndata: ${JSON.stringify({ error: { type: 'internal', message: 'the event stream failed; reconnect with Last-Event-ID' } })}\n\n`);
          }
        } finally {
          clearInterval(keepalive);
          services.inFlight.signal.removeEventListener('abort', closeOnShutdown);
          stream.close();
          stop();
        }
      });
      // Chunked: the headers go at once, without waiting for the first event.
      return c.newResponse(stream.body, 200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-cache',
        Connection: 'keep-alive',
        'Transfer-Encoding': 'chunked',
      });
    },
  );
}
