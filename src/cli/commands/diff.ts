/** `keel diff <a> <b>`: where two sessions' transcripts part (a fork and its source, two runs of one task). */
import type { Command } from 'commander';
import { diffTranscripts } from '../../client/transcript-diff.js';
import { CliError } from '../cli-context.js';
import { defineAction, type ActionEnvironment } from '../define-action.js';
import { renderTranscriptEntry } from '../output/render-transcript.js';

interface DiffFlags {
  context: string;
  all?: boolean;
}

export function registerDiff(program: Command, io: ActionEnvironment): void {
  program
    .command('diff')
    .description('show where two sessions\' transcripts part: the shared prefix, then what each said after it')
    .argument('<a>', 'a session id')
    .argument('<b>', 'another session id')
    .option('--context <n>', 'shared entries to show before the split', '2')
    .option('--all', 'show every entry after the split (default: the first 3 of each)')
    .action(
      defineAction<DiffFlags>(io, async (context, [a, b], flags) => {
        const before = Number(flags.context);
        if (!Number.isInteger(before) || before < 0) throw new CliError(`--context ${flags.context}: expected a whole number >= 0`, 2);
        const sessions = await context.sessions();
        const [left, right] = await Promise.all([sessions.getHandle(a).fullTranscript(), sessions.getHandle(b).fullTranscript()]);
        const diff = diffTranscripts(left, right);
        if (context.options.json) {
          context.printJson({ a, b, common: diff.common, aRest: diff.aRest, bRest: diff.bRest });
          return;
        }
        const { style } = context;
        if (diff.aRest.length === 0 && diff.bRest.length === 0) {
          context.print(`${style.green('identical')}: both transcripts hold the same ${diff.common} entries`);
          return;
        }
        context.print(`${a} and ${b} share their first ${style.bold(String(diff.common))} entries; they part at entry ${diff.common}.`);
        for (const entry of diff.shared.slice(Math.max(0, diff.common - before))) {
          for (const line of renderTranscriptEntry(entry, style)) context.print(style.dim(`  ${line}`));
        }
        const shown = flags.all ? Number.MAX_SAFE_INTEGER : 3;
        const side = (name: string, sign: string, color: (text: string) => string, rest: typeof diff.aRest) => {
          context.print(color(`${sign} ${name}: ${rest.length} entr${rest.length === 1 ? 'y' : 'ies'} after the split`));
          for (const entry of rest.slice(0, shown)) for (const line of renderTranscriptEntry(entry, style)) context.print(`${color(sign)} ${line}`);
          if (rest.length > shown) context.print(style.dim(`  … ${rest.length - shown} more (--all)`));
        };
        side(a, '-', style.red, diff.aRest);
        side(b, '+', style.green, diff.bRest);
      }),
    );
}
