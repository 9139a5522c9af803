/** `keel start`: starts a session from flags or a JSON file, validated before anything is sent. */
import type { Command } from 'commander';
import { watchSession } from '../../client/watch-session.js';
import { defineAction, type ActionEnvironment } from '../define-action.js';
import { renderResult } from '../output/render-state.js';
import { renderWatchEvent } from '../output/render-watch-event.js';
import { addSessionInputOptions, readInputFile, sessionInputFromFlags, type StartFlags } from '../session-input-from-flags.js';

interface StartCommandFlags extends StartFlags {
  id?: string;
  wait?: boolean;
  watch?: boolean;
}

export function registerStart(program: Command, io: ActionEnvironment): void {
  addSessionInputOptions(
    program
      .command('start')
      .description('start a session; the task is the argument, or `messages` in --file')
      .argument('[task...]', 'the opening user message'),
  )
    .option('--id <workflowId>', 'the session id (default: session-<uuid>)')
    .option('--wait', 'wait for the session to end and print its result')
    .option('--watch', 'follow the session live until it ends')
    .addHelpText(
      'after',
      `
Examples:
  keel start "Summarise README.md" --profile claude-haiku-4-5 --tool read_file
  keel start --file session.json --max-turns 20 --watch
  keel start --mode chat "Hello" --id session-demo`,
    )
    .action(
      defineAction<StartCommandFlags>(io, async (context, words, flags) => {
        const fileInput = flags.file ? await readInputFile(flags.file) : undefined;
        const input = sessionInputFromFlags(fileInput, flags, words.length > 0 ? words.join(' ') : undefined);
        const sessions = await context.sessions();
        const handle = await sessions.start(input, flags.id ? { workflowId: flags.id } : {});
        if (context.options.json && !flags.wait && !flags.watch) {
          context.printJson({ workflowId: handle.workflowId, input });
          return;
        }
        if (!context.options.json) {
          context.print(`${context.style.green('started')} ${context.style.bold(handle.workflowId)} ${context.style.dim(`(profile ${input.profile}, ${input.mode} mode)`)}`);
          if (!flags.watch && !flags.wait) context.print(context.style.dim(`  follow it: keel watch ${handle.workflowId}`));
        }
        if (flags.watch) {
          const client = await context.client();
          for await (const event of watchSession(client, handle.workflowId)) {
            if (event.kind === 'live') continue;
            if (context.options.json) context.printJson(event, { lines: true });
            else for (const line of renderWatchEvent(handle.workflowId, event, context.style)) context.print(line);
          }
          return;
        }
        if (flags.wait) {
          const result = await handle.result();
          if (context.options.json) context.printJson({ workflowId: handle.workflowId, result });
          else {
            if (result.finalText) context.print(result.finalText);
            context.print(renderResult(result, context.style));
          }
        }
      }),
    );
}
