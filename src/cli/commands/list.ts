/** `keel list`: sessions by status, profile or age, through the visibility search attributes. */
import type { Command } from 'commander';
import { toListedSession, type ListedSession } from '../../client/listed-session.js';
import { parseStatus, sessionListQuery } from '../../client/session-list-query.js';
import { ValidationError } from '../../errors.js';
import { CliError } from '../cli-context.js';
import { defineAction, type ActionEnvironment } from '../define-action.js';
import { ago, firstLineOf, formatCostUsd, table } from '../output/format.js';
import { renderStatus } from '../output/render-state.js';
import { parseDuration } from '../parse-duration.js';

interface ListFlags {
  status?: string[];
  profile?: string[];
  since?: string;
  query?: string;
  limit: string;
  showQuery?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((part) => part.trim()).filter(Boolean)];

export function registerList(program: Command, io: ActionEnvironment): void {
  program
    .command('list')
    .description('list sessions, newest first, by status, profile or age (visibility query on KeelStatus / KeelProfile)')
    .option('--status <status>', 'KeelStatus, or failed / terminated / timed_out (repeatable, or comma-separated)', collect)
    .option('--profile <name>', 'KeelProfile (repeatable, or comma-separated)', collect)
    .option('--since <duration>', 'started within this long, e.g. 30m, 24h, 7d')
    .option('--query <visibility query>', 'an extra visibility clause, ANDed with the rest')
    .option('--limit <n>', 'at most this many sessions', '50')
    .option('--show-query', 'print the visibility query on stderr (paste it into the Temporal UI filter)')
    .addHelpText('after', `\nExamples:\n  keel list --status waiting_for_approval\n  keel list --profile claude-haiku-4-5 --since 24h --json`)
    .action(
      defineAction<ListFlags>(io, async (context, _positionals, flags) => {
        const limit = Number(flags.limit);
        if (!Number.isInteger(limit) || limit <= 0) throw new CliError(`--limit ${flags.limit}: expected a whole number > 0`, 2);
        let query: string;
        try {
          query = sessionListQuery({
            statuses: (flags.status ?? []).map(parseStatus),
            profiles: flags.profile ?? [],
            ...(flags.since ? { startedAfter: new Date(Date.now() - parseDuration(flags.since, '--since')) } : {}),
            ...(flags.query ? { query: flags.query } : {}),
          });
        } catch (error) {
          if (ValidationError.isInstance(error)) throw new CliError(error.message, 2);
          throw error;
        }
        if (flags.showQuery) context.note(query);
        const client = await context.client();
        const sessions: ListedSession[] = [];
        for await (const info of client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
          sessions.push(toListedSession(info));
          if (sessions.length >= limit) break;
        }
        if (context.options.json) {
          context.printJson(sessions);
          return;
        }
        if (sessions.length === 0) {
          context.print(context.style.dim('no sessions match'));
          return;
        }
        const { style } = context;
        const rows = [
          ['ID', 'STATUS', 'PROFILE', 'TURNS', 'TOKENS', 'COST', 'STARTED', 'TASK'].map((heading) => style.dim(heading)),
          ...sessions.map((session) => [
            style.bold(session.workflowId),
            renderStatus(session.status, style),
            session.profile ?? '',
            String(session.turns ?? ''),
            String(session.tokens ?? ''),
            session.costUsd === undefined ? '' : formatCostUsd(session.costUsd),
            ago(new Date(session.startTime)),
            firstLineOf(session.task ?? '', 60),
          ]),
        ];
        for (const line of table(rows)) context.print(line);
      }),
    );
}
