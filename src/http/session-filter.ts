/**
 * The filter of the session list and of its counts (`GET /v1/sessions`, `GET /v1/sessions/counts`): statuses and
 * profiles from the query string, and, for a tenant's token, its tenant, so that a tenant lists and counts its own
 * sessions only. Server-side.
 */
import { z } from 'zod';
import { parseStatus, type SessionListFilter } from '../client/session-list-query.js';
import type { ApiCaller } from './api-tokens.js';

export const sessionFilterQuerySchema = z.object({
  /** Comma-separated statuses. */
  status: z.string().max(1000).optional(),
  /** Comma-separated profile names. */
  profile: z.string().max(1000).optional(),
});
export type SessionFilterQuery = z.infer<typeof sessionFilterQuerySchema>;

const commaList = (value: string | undefined): string[] => (value ?? '').split(',').map((part) => part.trim()).filter(Boolean);

/**
 * The visibility filter a caller's query asks for, within what the caller may see. Each session counts once, by its
 * latest run. @throws ValidationError naming an unknown status.
 */
export function sessionFilterOf(query: SessionFilterQuery, caller: ApiCaller): SessionListFilter {
  return {
    statuses: commaList(query.status).map(parseStatus),
    profiles: commaList(query.profile),
    latestRunOnly: true,
    ...(caller.tenant !== undefined ? { tenant: caller.tenant } : {}),
  };
}
