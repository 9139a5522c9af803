/**
 * `GET /v1/spend`: what sessions cost, per profile and per day (UTC), over the last `days` days, for the console's
 * cost view and any report. Read from the visibility store's search attributes (`KeelCostUsd`, `KeelTokens`,
 * `KeelProfile`), each session counted on the day it started; a tenant's token sums its tenant's sessions only.
 * Sub-agents (`<parent id>/agent-<n>`) are left out: their spend is in their root session's already.
 * Server-side.
 */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { toListedSession } from '../../client/listed-session.js';
import { sessionListQuery } from '../../client/session-list-query.js';
import { commonErrors, errorResponses, jsonContent as json, type ApiApp, type ApiServices } from '../api-environment.js';

/** Sessions read at most for one answer: a bound on the work one request may ask of the visibility store. */
const MAX_SESSIONS_SCANNED = 10_000;
const DAY_MS = 86_400_000;

const spendQuerySchema = z.object({ days: z.coerce.number().int().min(1).max(366).default(30) });

export const spendSchema = z.object({
  /** The first day counted, `YYYY-MM-DD` (UTC). */
  from: z.string(),
  /** The last day counted (today, UTC). */
  to: z.string(),
  rows: z.array(z.object({ day: z.string(), profile: z.string(), costUsd: z.number(), tokens: z.number(), sessions: z.number() })),
  /** True when more sessions started in the period than one answer reads (the sums are of the newest ones). */
  truncated: z.boolean(),
});
export type Spend = z.infer<typeof spendSchema>;

export function registerSpendRoutes(app: ApiApp, services: ApiServices): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/spend',
      summary: 'Spend per profile per day',
      description: 'Cost and tokens of the sessions started in the last `days` days (UTC, today included), per profile and day of start. Through the visibility store (a moment behind).',
      request: { query: spendQuerySchema },
      responses: { 200: { description: 'the spend', ...json(spendSchema) }, ...errorResponses(...commonErrors) },
    }),
    async (c) => {
      const { days } = c.req.valid('query');
      const tenant = c.get('caller').tenant;
      const today = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);
      const from = new Date(today.getTime() - (days - 1) * DAY_MS);
      // A session that continued as new is summed once, by its latest run (which carries its figures so far).
      const query = sessionListQuery({ startedAfter: new Date(from.getTime() - 1), latestRunOnly: true, ...(tenant !== undefined ? { tenant } : {}) });
      const rows = new Map<string, Spend['rows'][number]>();
      let scanned = 0;
      let truncated = false;
      for await (const info of services.sessions.client.workflow.list({ query, pageSize: 1000 })) {
        if (scanned >= MAX_SESSIONS_SCANNED) {
          truncated = true;
          break;
        }
        scanned += 1;
        if (info.workflowId.includes('/agent-')) continue;
        const session = toListedSession(info);
        const day = session.startTime.slice(0, 10);
        const profile = session.profile ?? '(none)';
        const key = `${day}\u0000${profile}`;
        const row = rows.get(key) ?? { day, profile, costUsd: 0, tokens: 0, sessions: 0 };
        row.costUsd += session.costUsd ?? 0;
        row.tokens += session.tokens ?? 0;
        row.sessions += 1;
        rows.set(key, row);
      }
      const sorted = [...rows.values()].sort((a, b) => a.day.localeCompare(b.day) || a.profile.localeCompare(b.profile));
      return c.json({ from: from.toISOString().slice(0, 10), to: today.toISOString().slice(0, 10), rows: sorted, truncated }, 200);
    },
  );
}
