/** `keel watch <id>`: a running session's progress as it happens, until it ends or Ctrl-C. */
import type { Command } from 'commander';
import { watchSessionTree } from '../../client/watch-session-tree.js';
import { defineAction, type ActionEnvironment } from '../define-action.js';
import { LiveReply } from '../output/live-reply.js';
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
      '\nReplies print token by token as they are written. A sub-agent\'s lines start with its id after the session\'s\n' +
        '(`[agent-1]`); its replies print whole. With --json, prints one JSON event per line (a sub-agent\'s with its\n' +
        '`workflowId`; replies whole: `keel serve` and SessionHandle.events() give the deltas). Stops when the session and\n' +
        'its sub-agents end, or on Ctrl-C (the session goes on).',
    )
    .action(
      defineAction<WatchFlags>(io, async (context, [workflowId], flags) => {
        const client = await context.client();
        const sessions = await context.sessions();
        const abort = new AbortController();
        const stop = () => abort.abort();
        process.once('SIGINT', stop);
        // Replies print token by token as the model writes them; the transcript adds the rest of each.
        const live = new LiveReply(context);
        const liveOptions = { showThinking: flags.thinking === true, signal: abort.signal };
        // Once the watch has shown the session so far, so that the reply comes after what led to it.
        let following: Promise<void> = Promise.resolve();
        let followed = context.options.json;
        try {
          for await (const { workflowId: id, depth, event: watched } of watchSessionTree(client, workflowId, { fromStart: !flags.fromNow, signal: abort.signal })) {
            // The session's own replies stream token by token; a sub-agent's come whole from its transcript.
            if (depth === 0 && !followed && (watched.kind === 'state' || watched.kind === 'live')) {
              followed = true;
              following = live.follow(sessions.getHandle(workflowId), liveOptions);
            }
            if (watched.kind === 'live') continue;
            const streamed = depth === 0 && !context.options.json;
            const entry = watched.kind === 'entry' ? (streamed ? live.remaining(watched.entry, liveOptions) : watched.entry) : undefined;
            if (watched.kind === 'entry' && !entry) continue;
            const event = watched.kind === 'entry' && entry ? { ...watched, entry } : watched;
            if (context.options.json) context.printJson(depth === 0 ? event : { workflowId: id, ...event }, { lines: true });
            else {
              // A sub-agent's lines name it by what its id adds to the session's, indented by its depth.
              const prefix = depth === 0 ? '' : `${'  '.repeat(depth - 1)}[${id.startsWith(`${workflowId}/`) ? id.slice(workflowId.length + 1) : id}] `;
              for (const line of renderWatchEvent(id, event, context.style, { showThinking: flags.thinking })) context.print(`${prefix}${line}`);
            }
          }
          // The session ended: its stream ends with it (a moment later, it may still be printing the last reply).
          await Promise.race([following, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
        } finally {
          process.off('SIGINT', stop);
          abort.abort();
          await following;
          await sessions.eventFeed().close();
        }
      }),
    );
}
