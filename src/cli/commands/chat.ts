/**
 * `keel chat <id>`: talk to a session. Each line typed is sent with the sendMessage update; while the turn runs,
 * its model calls, tool calls, results and approvals show as they happen, and the reply token by token. Slash commands steer
 * the session; Ctrl-C interrupts a running turn; Ctrl-D (or the end of piped input) leaves, the session going on.
 */
import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import type { SessionHandle } from '../../client/session-client.js';
import { watchSession } from '../../client/watch-session.js';
import { MessageRejectedError } from '../../errors.js';
import type { AssistantTurn } from '../../shared/schemas/session-messages.js';
import type { CliContext } from '../cli-context.js';
import { defineAction, type ActionEnvironment } from '../define-action.js';
import { formatUsage } from '../output/format.js';
import { renderState } from '../output/render-state.js';
import { renderTranscriptEntry } from '../output/render-transcript.js';
import { LiveReply } from '../output/live-reply.js';
import { renderWatchEvent } from '../output/render-watch-event.js';

/** How long the stream may take to show a turn whose reply has come, ms, before the reply is printed whole. */
const REPLY_SHOWN_TIMEOUT_MS = 15_000;
/** How long /approve or /deny during a turn waits for the call it names to be shown waiting, ms. */
const APPROVAL_SHOWN_TIMEOUT_MS = 60_000;

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
        const print = (lines: string[]) => {
          for (const line of lines) context.print(line);
        };
        // What the stream and the watch have shown, for the waits below; each change wakes them.
        let shownTurnEnd = 0;
        let ended = false;
        const approvalsShown = new Set<string>();
        const changed: Array<() => void> = [];
        const wakeAll = () => {
          for (const wake of changed.splice(0)) wake();
        };
        const until = async (done: () => boolean, timeoutMs: number) => {
          const deadline = Date.now() + timeoutMs;
          while (!done() && Date.now() < deadline) {
            await new Promise<void>((resolve) => {
              changed.push(resolve);
              setTimeout(resolve, 200);
            });
          }
        };

        // The turns as they happen, from the session's event stream: the reply token by token, and before it the
        // tool calls and results that led to it, in the order they happened. A turn already over when the chat
        // opened is not shown again (the transcript, with --history, is).
        const running = state.status === 'running' || state.status === 'waiting_for_approval';
        let streamEnded = false;
        const live = new LiveReply(context);
        const following = live
          .follow(handle, {
            wholeTurns: true,
            fromTurn: running ? state.turn : state.turn + 1,
            signal: abort.signal,
            decideHint: (toolUseId) => `/approve ${toolUseId}   |   /deny ${toolUseId} [why]`,
            onEvent: (event) => {
              if (event.event === 'turn_end') shownTurnEnd = Math.max(shownTurnEnd, event.data.turn);
              if (event.event === 'approval_requested') approvalsShown.add(event.data.toolUseId);
              wakeAll();
            },
          })
          .finally(() => {
            streamEnded = true;
            wakeAll();
          });

        // The rest from the session's watch: the transcript so far (--history), waits that ask something of the
        // reader, context resets and the like, and the session's end. Messages once live are the stream's.
        let becomeLive: () => void = () => undefined;
        const caughtUp = new Promise<void>((resolve) => (becomeLive = resolve));
        let isLive = false;
        const watching = (async () => {
          for await (const event of watchSession(client, workflowId, { fromStart: flags.history === true, signal: abort.signal })) {
            if (event.kind === 'live') {
              isLive = true;
              becomeLive();
            }
            const fromStream = isLive && event.kind === 'entry' && event.entry.kind === 'message';
            // A model call seen late by the watch (it polls) while its reply is being written: the tokens already
            // show it, and the line would cut the reply in two.
            const behindStream = event.kind === 'activity' && context.lineOpen();
            if (!fromStream && !behindStream && event.kind !== 'progress' && !(event.kind === 'state' && event.previous === undefined)) {
              print(renderWatchEvent(workflowId, event, style, { hideUserText: true, quietStatus: true, hideApprovals: true }));
            }
            if (event.kind === 'end') ended = true;
            wakeAll();
          }
        })().finally(() => becomeLive());
        // Messages are read only once the watch has caught up, so that everything they cause is shown after it.
        await caughtUp;

        /** Waits until the stream has shown the reply's turn, so the prompt comes after it. */
        const awaitShown = async (reply: AssistantTurn) => {
          await until(() => shownTurnEnd >= reply.turn || streamEnded || ended, REPLY_SHOWN_TIMEOUT_MS);
          // No stream (or one that fell silent): the reply whole, from the update's answer.
          if (shownTurnEnd < reply.turn) {
            print(renderTranscriptEntry({ kind: 'message', role: 'assistant', content: reply.content.length > 0 ? reply.content : reply.text, turn: reply.turn, epoch: 0 }, style));
            context.print(style.dim(`turn ${reply.turn}, ${formatUsage(reply.usage)}`));
          }
          if (reply.endedBy) context.print(style.dim(`ended by ${reply.endedBy}`));
        };

        const lines = createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, terminal: interactive, prompt: style.cyan('you› ') });
        // The turn running now (a message sent by this chat). Lines typed meanwhile wait for it, except the commands
        // that act on it: /approve and /deny (once the call they name is shown waiting) and /interrupt.
        let turn: Promise<void> | undefined;
        const onInterrupt = () => {
          if (turn) {
            context.print(style.yellow('interrupting the turn…'));
            void handle.interrupt('interrupted from keel chat').catch(() => undefined);
          } else {
            lines.close();
          }
        };
        const report = (error: unknown) => {
          const message = MessageRejectedError.isInstance(error) ? `refused: ${error.message}` : (error as Error).message;
          context.print(style.red(message));
        };
        lines.on('SIGINT', onInterrupt);
        process.on('SIGINT', onInterrupt);
        try {
          if (interactive) lines.prompt();
          for await (const raw of lines) {
            const line = raw.trim();
            if (ended) break;
            if (line === '') {
              if (interactive && !turn) lines.prompt();
              continue;
            }
            const [command, toolUseId] = line.startsWith('/') ? line.slice(1).split(/\s+/) : [];
            const actsOnTurn = command === 'approve' || command === 'deny' || command === 'interrupt';
            if (turn && actsOnTurn) {
              if ((command === 'approve' || command === 'deny') && toolUseId) await until(() => approvalsShown.has(toolUseId) || !turn, APPROVAL_SHOWN_TIMEOUT_MS);
            } else if (turn) {
              await turn;
            }
            if (ended) break;
            try {
              if (line.startsWith('/')) {
                if ((await runSlashCommand(line, handle, context)) === 'exit') break;
              } else {
                if (!interactive) print(renderTranscriptEntry({ kind: 'message', role: 'user', content: line, turn: 0, epoch: 0 }, style));
                const sent = handle
                  .sendMessage(line)
                  .then(awaitShown, report)
                  .finally(() => {
                    turn = undefined;
                    wakeAll();
                    if (interactive && !ended) lines.prompt();
                  });
                turn = sent;
                continue;
              }
            } catch (error) {
              report(error);
            }
            if (ended) break;
            if (interactive && !turn) lines.prompt();
          }
          // The end of piped input (or Ctrl-D) while a turn runs: its reply first.
          await turn;
        } finally {
          process.off('SIGINT', onInterrupt);
          lines.close();
          abort.abort();
          await Promise.all([watching.catch(() => undefined), following]);
          await (await context.sessions()).eventFeed().close();
        }
      }),
    );
}
