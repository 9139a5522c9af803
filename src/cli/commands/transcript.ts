/** `keel transcript <id>`: the conversation as the model saw it, with tool calls, results and reset markers. */
import type { Command } from 'commander';
import type { TranscriptEntry } from '../../shared/schemas/session-messages.js';
import { CliError } from '../cli-context.js';
import { defineAction, type ActionEnvironment } from '../define-action.js';
import { renderTranscript } from '../output/render-transcript.js';

interface TranscriptFlags {
  from?: string;
  thinking?: boolean;
  full?: boolean;
}

export function registerTranscript(program: Command, io: ActionEnvironment): void {
  program
    .command('transcript')
    .description("print a session's transcript: messages, tool calls, tool results, context resets")
    .argument('<id>', 'session id')
    .option('--from <index>', 'start at this entry index', '0')
    .option('--thinking', 'show thinking blocks')
    .option('--full', 'do not shorten long tool results')
    .action(
      defineAction<TranscriptFlags>(io, async (context, [workflowId], flags) => {
        const from = Number(flags.from ?? 0);
        if (!Number.isInteger(from) || from < 0) throw new CliError(`--from ${flags.from}: expected a whole number >= 0`, 2);
        const handle = (await context.sessions()).getHandle(workflowId);
        const entries: TranscriptEntry[] = [];
        const deadline = Date.now() + 60_000;
        for (;;) {
          const page = await handle.transcript(from + entries.length);
          // A run that has just continued as new reads its earlier entries back first.
          if (page.loading && page.entries.length === 0 && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            continue;
          }
          entries.push(...page.entries);
          if (page.entries.length === 0 || from + entries.length >= page.total) break;
        }
        if (context.options.json) {
          context.printJson({ fromIndex: from, entries });
          return;
        }
        const lines = renderTranscript(entries, context.style, {
          showThinking: flags.thinking,
          ...(flags.full ? { maxResultCharacters: Number.MAX_SAFE_INTEGER } : {}),
        });
        for (const line of lines) context.print(line);
      }),
    );
}
