/**
 * `keel schedule create|list|pause|unpause|delete`: scheduled sessions on Temporal Schedules. `create` takes the
 * same session flags and `--file` as `keel start`, validated before anything is sent, and a `--cron`; each run is
 * a normal session with the schedule's id in `metadata.scheduleId`.
 */
import type { Command } from 'commander';
import { defineAction, type ActionEnvironment } from '../define-action.js';
import { addSessionInputOptions, readInputFile, sessionInputFromFlags, type StartFlags } from '../session-input-from-flags.js';

interface CreateFlags extends StartFlags {
  cron: string;
  id?: string;
  timezone?: string;
  paused?: boolean;
  note?: string;
}

export function registerSchedule(program: Command, io: ActionEnvironment): void {
  const schedule = program.command('schedule').description('scheduled sessions (Temporal Schedules): create, list, pause, unpause, delete');

  addSessionInputOptions(
    schedule
      .command('create')
      .description('start a session on every time of a cron schedule; the task is the argument, or `messages` in --file')
      .argument('[task...]', 'the opening user message')
      .requiredOption('--cron <expression>', 'when runs start: "minute hour day-of-month month day-of-week" (UTC unless --timezone)'),
  )
    .option('--id <scheduleId>', 'the schedule id (default: schedule-<uuid>)')
    .option('--timezone <zone>', 'IANA time zone the cron is read in')
    .option('--paused', 'create it paused')
    .option('--note <text>', 'a note shown with the schedule')
    .addHelpText('after', '\nExample:\n  keel schedule create --cron "0 7 * * 1-5" --file session.json --id weekday-report')
    .action(
      defineAction<CreateFlags>(io, async (context, words, flags) => {
        const fileInput = flags.file ? await readInputFile(flags.file) : undefined;
        const input = sessionInputFromFlags(fileInput, flags, words.length > 0 ? words.join(' ') : undefined);
        const handle = await (await context.sessions()).schedule(input, {
          cron: flags.cron,
          ...(flags.id ? { scheduleId: flags.id } : {}),
          ...(flags.timezone ? { timezone: flags.timezone } : {}),
          ...(flags.paused ? { paused: true } : {}),
          ...(flags.note ? { note: flags.note } : {}),
        });
        if (context.options.json) context.printJson({ scheduleId: handle.scheduleId, cron: flags.cron });
        else context.print(`${context.style.green('schedule created')} ${handle.scheduleId} (${flags.cron})`);
      }),
    );

  schedule
    .command('list')
    .description('the schedules that start Keel sessions, with their next and recent runs')
    .action(
      defineAction(io, async (context) => {
        const schedules = await (await context.sessions()).schedules();
        if (context.options.json) return void context.printJson(schedules);
        if (schedules.length === 0) return void context.print('no schedules');
        for (const entry of schedules) {
          const state = entry.paused ? context.style.yellow('paused') : context.style.green('active');
          const next = entry.nextRunsAt[0] ? `next ${entry.nextRunsAt[0].toISOString()}` : 'no next run';
          const last = entry.recentRuns.at(-1);
          context.print(`${entry.scheduleId}  ${state}  ${entry.cron ?? ''}  ${next}${last ? `  last ${last.workflowId}` : ''}${entry.note ? `  (${entry.note})` : ''}`);
        }
      }),
    );

  for (const [verb, description] of [
    ['pause', 'stop starting runs until unpaused'],
    ['unpause', 'start runs again'],
    ['delete', 'delete the schedule; sessions it started go on'],
  ] as const) {
    schedule
      .command(verb)
      .description(description)
      .argument('<scheduleId>', 'schedule id')
      .option('--note <text>', 'why (pause and unpause)')
      .action(
        defineAction<{ note?: string }>(io, async (context, [scheduleId], flags) => {
          const handle = (await context.client()).schedule.getHandle(scheduleId!);
          if (verb === 'pause') await handle.pause(flags.note);
          else if (verb === 'unpause') await handle.unpause(flags.note);
          else await handle.delete();
          const done = { pause: 'paused', unpause: 'unpaused', delete: 'deleted' }[verb];
          if (context.options.json) context.printJson({ scheduleId, [done]: true });
          else context.print(`${context.style.green(done)} ${scheduleId}`);
        }),
      );
  }
}
