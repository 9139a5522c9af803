/** `keel send <id> <message>`: sends a user message; waits for the reply unless --no-wait. */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { CliError } from '../cli-context.js';
import { defineAction, type ActionEnvironment } from '../define-action.js';
import { formatUsage } from '../output/format.js';
import { renderTranscriptEntry } from '../output/render-transcript.js';

interface SendFlags {
  wait: boolean;
  messageId?: string;
}

export function registerSend(program: Command, io: ActionEnvironment): void {
  program
    .command('send')
    .description('send a user message and print the reply (the sendMessage update); `-` reads the message from stdin')
    .argument('<id>', 'session id')
    .argument('<message...>', 'the message text')
    .option('--no-wait', 'queue the message (the userMessage signal) and return at once')
    .option('--message-id <id>', 'an id for the message; a repeated id is applied once')
    .action(
      defineAction<SendFlags>(io, async (context, [workflowId, ...words], flags) => {
        const text = words.length === 1 && words[0] === '-' ? readFileSync(0, 'utf8').replace(/\s+$/, '') : words.join(' ');
        if (text.trim() === '') throw new CliError('the message is empty', 2);
        const handle = (await context.sessions()).getHandle(workflowId);
        const options = flags.messageId ? { id: flags.messageId } : {};
        if (!flags.wait) {
          await handle.userMessage(text, options);
          if (context.options.json) context.printJson({ workflowId, queued: true });
          else context.print(`${context.style.green('queued')} for ${workflowId}`);
          return;
        }
        const reply = await handle.sendMessage(text, options);
        if (context.options.json) {
          context.printJson(reply);
          return;
        }
        const lines = renderTranscriptEntry({ kind: 'message', role: 'assistant', content: reply.content.length > 0 ? reply.content : reply.text, turn: reply.turn, epoch: 0 }, context.style);
        for (const line of lines) context.print(line);
        const ended = reply.endedBy ? context.style.yellow(` (turn ended: ${reply.endedBy})`) : '';
        context.print(context.style.dim(`turn ${reply.turn}, ${formatUsage(reply.usage)}`) + ended);
      }),
    );
}
