/**
 * `keel stats --by profile --since 24h`: outcome, turns, tokens, cost and errors of the sessions started in a window,
 * per profile, from Temporal's visibility (list and count) on Keel's search attributes.
 */
import type { Command } from 'commander';
import { toListedSession, type ListedSession } from '../../client/listed-session.js';
import { statsByProfile } from '../../client/profile-stats.js';
import { sessionListQuery } from '../../client/session-list-query.js';
import { ValidationError } from '../../errors.js';
import { CliError } from '../cli-context.js';
import { defineAction, type ActionEnvironment } from '../define-action.js';
import { formatCostUsd, table } from '../output/format.js';
import { parseDuration } from '../parse-duration.js';

interface StatsFlags {
  by: string;
  since: string;
  query?: string;
  limit: string;
  showQuery?: boolean;
}

/** Groupings `--by` takes. */
const groupings = ['profile'];

const percent = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;
const oneDecimal = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

export function registerStats(program: Command, io: ActionEnvironment): void {
  program
    .command('stats')
    .description('compare sessions per profile: outcomes, turns, tokens, cost and errors (visibility on KeelProfile, KeelStatus, ...)')
    .option('--by <grouping>', `what to group sessions by: ${groupings.join(', ')}`, 'profile')
    .option('--since <duration>', 'sessions started within this long, e.g. 30m, 24h, 7d', '24h')
    .option('--query <visibility query>', 'an extra visibility clause, ANDed with the rest')
    .option('--limit <n>', 'read at most this many sessions', '10000')
    .option('--show-query', 'print the visibility query on stderr (paste it into the Temporal UI filter)')
    .addHelpText('after', `\nExamples:\n  keel stats --by profile --since 24h\n  keel stats --since 7d --query "KeelTenant = 'acme'" --json`)
    .action(
      defineAction<StatsFlags>(io, async (context, _positionals, flags) => {
        if (!groupings.includes(flags.by)) throw new CliError(`--by ${flags.by}: expected one of ${groupings.join(', ')}`, 2);
        const limit = Number(flags.limit);
        if (!Number.isInteger(limit) || limit <= 0) throw new CliError(`--limit ${flags.limit}: expected a whole number > 0`, 2);
        let query: string;
        try {
          const since = new Date(Date.now() - parseDuration(flags.since, '--since'));
          // A session that continued as new is counted once, by its current run (which carries its attributes).
          query = sessionListQuery({ startedAfter: since, latestRunOnly: true, ...(flags.query ? { query: flags.query } : {}) });
        } catch (error) {
          if (ValidationError.isInstance(error)) throw new CliError(error.message, 2);
          throw error;
        }
        if (flags.showQuery) context.note(query);
        const client = await context.client();
        const { count: matched } = await client.workflow.count(query);
        const sessions: ListedSession[] = [];
        for await (const info of client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
          sessions.push(toListedSession(info));
          if (sessions.length >= limit) break;
        }
        const profiles = statsByProfile(sessions);
        if (context.options.json) {
          context.printJson({ by: flags.by, since: flags.since, query, matched, read: sessions.length, profiles });
          return;
        }
        const { style } = context;
        if (sessions.length < matched) context.note(`read ${sessions.length} of the ${matched} sessions that match (--limit)`);
        if (profiles.length === 0) {
          context.print(style.dim(`no sessions started in the last ${flags.since}`));
          return;
        }
        const rows = [
          ['PROFILE', 'SESSIONS', 'COMPLETED', 'LIMIT', 'CANCELLED', 'FAILED', 'RUNNING', 'TURNS/S', 'TOKENS/S', 'COST/S', 'COST', 'ERRORS'].map((heading) => style.dim(heading)),
          ...profiles.map((stats) => [
            style.bold(stats.profile),
            String(stats.sessions),
            String(stats.outcomes.completed),
            String(stats.outcomes.limit_reached),
            String(stats.outcomes.cancelled),
            String(stats.outcomes.failed),
            String(stats.outcomes.running),
            oneDecimal(stats.turns.mean),
            oneDecimal(stats.tokens.mean),
            formatCostUsd(stats.costUsd.mean),
            formatCostUsd(stats.costUsd.total),
            `${stats.errors.count} (${percent(stats.errors.rate)})`,
          ]),
        ];
        for (const line of table(rows)) context.print(line);
      }),
    );
}
