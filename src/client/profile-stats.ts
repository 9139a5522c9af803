/**
 * `keel stats --by profile`: live sessions compared per profile, from what visibility lists of them (Keel's search
 * attributes and Temporal's execution status), as a canary is ramped against the profile it may replace. Pure;
 * client-side.
 */
import type { ListedSession } from './listed-session.js';

/** How a session stands: its end, or `running` while its run is open (any live status). */
export type SessionOutcome = 'completed' | 'limit_reached' | 'cancelled' | 'failed' | 'running';

/** One profile's sessions, summed. */
export interface ProfileStats {
  profile: string;
  sessions: number;
  outcomes: Record<SessionOutcome, number>;
  /** Model turns, tokens and cost of its sessions, in total and per session. */
  turns: { total: number; mean: number };
  tokens: { total: number; mean: number };
  costUsd: { total: number; mean: number };
  /** Sessions that failed (their run failed, was terminated or timed out), of those that ended. */
  errors: { count: number; rate: number };
}

const outcomeOf: Record<string, SessionOutcome> = {
  completed: 'completed',
  limit_reached: 'limit_reached',
  cancelled: 'cancelled',
  failed: 'failed',
  terminated: 'failed',
  timed_out: 'failed',
};

/** Sessions a listing showed without a profile yet (started, not yet run): grouped under this name. */
export const UNKNOWN_PROFILE = '(none yet)';

/** Sums listed sessions per profile, the busiest profile first. */
export function statsByProfile(sessions: ListedSession[]): ProfileStats[] {
  const groups = new Map<string, ListedSession[]>();
  for (const session of sessions) {
    const profile = session.profile ?? UNKNOWN_PROFILE;
    groups.set(profile, [...(groups.get(profile) ?? []), session]);
  }
  const mean = (total: number, count: number) => (count === 0 ? 0 : total / count);
  return [...groups]
    .map(([profile, members]): ProfileStats => {
      const outcomes: Record<SessionOutcome, number> = { completed: 0, limit_reached: 0, cancelled: 0, failed: 0, running: 0 };
      for (const session of members) outcomes[outcomeOf[session.status] ?? 'running'] += 1;
      const sum = (pick: (session: ListedSession) => number | undefined) => members.reduce((total, session) => total + (pick(session) ?? 0), 0);
      const [turns, tokens, costUsd] = [sum((session) => session.turns), sum((session) => session.tokens), sum((session) => session.costUsd)];
      const ended = members.length - outcomes.running;
      return {
        profile,
        sessions: members.length,
        outcomes,
        turns: { total: turns, mean: mean(turns, members.length) },
        tokens: { total: tokens, mean: mean(tokens, members.length) },
        costUsd: { total: costUsd, mean: mean(costUsd, members.length) },
        errors: { count: outcomes.failed, rate: mean(outcomes.failed, ended) },
      };
    })
    .sort((left, right) => right.sessions - left.sessions || left.profile.localeCompare(right.profile));
}
