/**
 * `keel chat <id>`: talk to a session. Each line typed is sent with the sendMessage update; while the turn runs,
 * its model calls, tool calls, results and approvals show as they happen, and the reply token by token. Slash commands steer
 * the session; Ctrl-C interrupts a running turn; Ctrl-D (or the end of piped input) leaves, the session going on.
 */
import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import type { SessionHandle } from '../../client/session-client.js';
import { watchSession, type WatchEvent } from '../../client/watch-session.js';
import { MessageRejectedError } from '../../errors.js';
import type { AssistantTurn } from '../../shared/schemas/session-messages.js';
import type { CliContext } from '../cli-context.js';
import { defineAction, type ActionEnvironment } from '../define-action.js';
import { formatUsage } from '../output/format.js';
import { renderState } from '../output/render-state.js';
import { renderTranscriptEntry } from '../output/render-transcript.js';
import { renderWatchEvent } from '../output/render-watch-event.js';

const HELP = [
  '/state                     the session\'s status, usage and pending approvals',
  '/approve <toolUseId>       approve a tool call that waits',
  '/deny <toolUseId> [why]    deny it; the model reads why',
  '/interrupt [why]           stop the running turn (also Ctrl-C)',
  '/reset [compact|clear]     reset the context before the next model call',
  '/exit                      leave; the session stays open (also Ctrl-D)',
];

async function runSlashCommand(line: string, handle: SessionHandle, context: CliContext): Promise<'exit' | void> {
  const [command, ...rest] = line.slice(1).trim().split(/\s+/);
  const argument = rest.join(' ');
  switch (command) {
    case 'exit':
    case 'quit':
      return 'exit';
    case 'help':
      for (const entry of HELP) context.print(context.style.dim(entry));
      return;
    case 'state':
      for (const entry of renderState(handle.workflowId, await handle.state(), context.style)) context.print(entry);
      return;
    case 'approve':
      await handle.decideToolCall({ toolUseId: rest[0] ?? '', approve: true });
      context.print(context.style.green(`approved ${rest[0]}`));
      return;
    case 'deny':
      await handle.decideToolCall({ toolUseId: rest[0] ?? '', approve: false, ...(rest.length > 1 ? { reason: rest.slice(1).join(' ') } : {}) });
      context.print(context.style.yellow(`denied ${rest[0]}`));
      return;
    case 'interrupt':
      await handle.interrupt(argument || 'interrupted from keel chat');
      return;
    case 'reset':
      await handle.resetContext(argument === 'compact' || argument === 'clear' ? { strategy: argument } : {});
      context.print(context.style.yellow('context reset requested'));
      return;
    default:
      context.print(context.style.red(`unknown command /${command}; /help lists them`));
  }
}

export function registerChat(program: Command, io: ActionEnvironment): void {
  program
    .command('chat')
    .description('talk to a session interactively: type a message, see its progress and the reply as they come')
    .argument('<id>', 'session id (a chat-mode session, or a task session still running)')
    .option('--history', 'show the whole transcript first')
    .addHelpText('after', `\nIn the chat:\n${HELP.map((entry) => `  ${entry}`).join('\n')}`)
    .action(
      defineAction<{ history?: boolean }>(io, async (context, [workflowId], flags) => {
        const client = await context.client();
        const handle = (await context.sessions()).getHandle(workflowId);
        const { style } = context;
        const state = await handle.state();
        const interactive = process.stdin.isTTY === true;
        context.print(`${style.bold(workflowId)} ${style.dim(`(profile ${state.profile}, ${state.mode} mode, ${state.status}).`)} ${style.dim('/help for commands, Ctrl-D to leave.')}`);

        const abort = new AbortController();
        let renderedTurn = state.turn;
        let ended = false;
        const caughtUp: Array<() => void> = [];
        const print = (lines: string[]) => {
          for (const line of lines) context.print(line);
        };
        let becomeLive: () => void = () => undefined;
        const live = new Promise<void>((resolve) => (becomeLive = resolve));
        const noteRendered = (event: WatchEvent) => {
          if (event.kind === 'live') becomeLive();
          if (event.kind === 'entry' && event.entry.kind === 'message' && event.entry.role === 'assistant') renderedTurn = Math.max(renderedTurn, event.entry.turn);
          if (event.kind === 'end') ended = true;
          for (const wake of caughtUp.splice(0)) wake();
        };
        // Replies show whole, in transcript order. Printing the tokens as they arrive (as `keel watch` does) put a
        // turn's reply before the tool calls that led to it whenever the stream outran the transcript; streaming here
        // needs the tool calls and results rendered from the event stream too.
        const watching = (async () => {
          for await (const event of watchSession(client, workflowId, { fromStart: flags.history === true, signal: abort.signal })) {
            if (event.kind !== 'progress' && !(event.kind === 'state' && event.previous === undefined)) {
              print(renderWatchEvent(workflowId, event, style, { hideUserText: interactive, quietStatus: true }));
            }
            noteRendered(event);
          }
        })().finally(() => becomeLive());
        // Messages are read only once the watch has caught up, so that everything they cause is shown.
        await live;
        /** Waits (briefly) until the watcher has shown the reply's turn, so the prompt comes after it. */
        const awaitRendered = async (reply: AssistantTurn) => {
          const deadline = Date.now() + 3_000;
          while (renderedTurn < reply.turn && !ended && Date.now() < deadline) {
            await new Promise<void>((resolve) => {
              caughtUp.push(resolve);
              setTimeout(resolve, 200);
            });
          }
          if (renderedTurn < reply.turn) print(renderTranscriptEntry({ kind: 'message', role: 'assistant', content: reply.content.length > 0 ? reply.content : reply.text, turn: reply.turn, epoch: 0 }, style));
          renderedTurn = Math.max(renderedTurn, reply.turn);
          context.print(style.dim(`turn ${reply.turn}, ${formatUsage(reply.usage)}${reply.endedBy ? `, ended by ${reply.endedBy}` : ''}`));
        };

        const lines = createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, terminal: interactive, prompt: style.cyan('you› ') });
        let busy = false;
        const onInterrupt = () => {
          if (busy) {
            context.print(style.yellow('interrupting the turn…'));
            void handle.interrupt('interrupted from keel chat').catch(() => undefined);
          } else {
            lines.close();
          }
        };
        lines.on('SIGINT', onInterrupt);
        process.on('SIGINT', onInterrupt);
        try {
          if (interactive) lines.prompt();
          for await (const raw of lines) {
            const line = raw.trim();
            if (ended) break;
            if (line === '') {
              if (interactive) lines.prompt();
              continue;
            }
            try {
              if (line.startsWith('/')) {
                if ((await runSlashCommand(line, handle, context)) === 'exit') break;
              } else {
                busy = true;
                await awaitRendered(await handle.sendMessage(line));
              }
            } catch (error) {
              const message = MessageRejectedError.isInstance(error) ? `refused: ${error.message}` : (error as Error).message;
              context.print(style.red(message));
            } finally {
              busy = false;
            }
            if (ended) break;
            if (interactive) lines.prompt();
          }
        } finally {
          process.off('SIGINT', onInterrupt);
          lines.close();
          abort.abort();
          await watching.catch(() => undefined);
        }
      }),
    );
}
