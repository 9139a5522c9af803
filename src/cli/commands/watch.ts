/** `keel watch <id>`: a running session's progress as it happens, until it ends or Ctrl-C. */
import type { Command } from 'commander';
import { watchSessionTree } from '../../client/watch-session-tree.js';
import { defineAction, type ActionEnvironment } from '../define-action.js';
import { renderWatchEvent } from '../output/render-watch-event.js';

interface WatchFlags {
  fromNow?: boolean;
  thinking?: boolean;
}

export function registerWatch(program: Command, io: ActionEnvironment): void {
  program
    .command('watch')
    .description('follow a session live, its sub-agents too: messages, model calls, tool calls and results, waits, resets, usage, and its end')
    .argument('<id>', 'session (workflow) id')
    .option('--from-now', 'skip what the transcript already holds')
    .option('--thinking', 'show thinking blocks')
    .addHelpText(
      'after',
      '\nA sub-agent\'s lines start with its id after the session\'s (`[agent-1]`). With --json, prints one JSON event per line (a\n' +
        "sub-agent's with its `workflowId`). Stops when the session and its sub-agents end, or on Ctrl-C (the session goes on).",
    )
    .action(
      defineAction<WatchFlags>(io, async (context, [workflowId], flags) => {
        const client = await context.client();
        const abort = new AbortController();
        const stop = () => abort.abort();
        process.once('SIGINT', stop);
        try {
          for await (const { workflowId: id, depth, event } of watchSessionTree(client, workflowId, { fromStart: !flags.fromNow, signal: abort.signal })) {
            if (event.kind === 'live') continue;
            if (context.options.json) context.printJson(depth === 0 ? event : { workflowId: id, ...event }, { lines: true });
            else {
              // A sub-agent's lines name it by what its id adds to the session's, indented by its depth.
              const prefix = depth === 0 ? '' : `${'  '.repeat(depth - 1)}[${id.startsWith(`${workflowId}/`) ? id.slice(workflowId.length + 1) : id}] `;
              for (const line of renderWatchEvent(id, event, context.style, { showThinking: flags.thinking })) context.print(`${prefix}${line}`);
            }
          }
        } finally {
          process.off('SIGINT', stop);
        }
      }),
    );
}
