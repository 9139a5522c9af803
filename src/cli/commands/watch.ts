/** `keel watch <id>`: a running session's progress as it happens, until it ends or Ctrl-C. */
import type { Command } from 'commander';
import { watchSession } from '../../client/watch-session.js';
import { defineAction, type ActionEnvironment } from '../define-action.js';
import { renderWatchEvent } from '../output/render-watch-event.js';

interface WatchFlags {
  fromNow?: boolean;
  thinking?: boolean;
}

export function registerWatch(program: Command, io: ActionEnvironment): void {
  program
    .command('watch')
    .description('follow a session live: messages, model calls, tool calls and results, waits, resets, usage, and its end')
    .argument('<id>', 'session (workflow) id')
    .option('--from-now', 'skip what the transcript already holds')
    .option('--thinking', 'show thinking blocks')
    .addHelpText('after', '\nWith --json, prints one JSON event per line. Stops when the session ends, or on Ctrl-C (the session goes on).')
    .action(
      defineAction<WatchFlags>(io, async (context, [workflowId], flags) => {
        const client = await context.client();
        const abort = new AbortController();
        const stop = () => abort.abort();
        process.once('SIGINT', stop);
        try {
          for await (const event of watchSession(client, workflowId, { fromStart: !flags.fromNow, signal: abort.signal })) {
            if (event.kind === 'live') continue;
            if (context.options.json) context.printJson(event, { lines: true });
            else for (const line of renderWatchEvent(workflowId, event, context.style, { showThinking: flags.thinking })) context.print(line);
          }
        } finally {
          process.off('SIGINT', stop);
        }
      }),
    );
}
