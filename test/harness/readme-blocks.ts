/**
 * The README's fenced code blocks, for the tests that run them so that no example can drift from the code. A block a
 * test cannot run carries the reason in the README source, as an HTML comment on the line before its fence:
 * `<!-- not run by the tests: needs Anthropic's API -->` (test/readme-code-blocks.test.ts holds every block to one
 * or the other).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface ReadmeBlock {
  /** The fence's info string (`sh`, `js`, `ts`, ...), empty when none. */
  language: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** Why no test runs it, from the `<!-- not run by the tests: ... -->` comment before its fence. */
  notRunBecause?: string;
}

const notRunComment = /^<!--\s*not run by the tests:\s*(.*?)\s*-->\s*$/;

export function readmeBlocks(path = fileURLToPath(new URL('../../README.md', import.meta.url))): ReadmeBlock[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const blocks: ReadmeBlock[] = [];
  let open: { language: string; line: number; body: string[]; notRunBecause: string | undefined } | undefined;
  lines.forEach((text, index) => {
    const fence = /^```(\S*)\s*$/.exec(text);
    if (!fence) {
      open?.body.push(text);
      return;
    }
    if (open) {
      blocks.push({ language: open.language, code: `${open.body.join('\n')}\n`, line: open.line, ...(open.notRunBecause !== undefined ? { notRunBecause: open.notRunBecause } : {}) });
      open = undefined;
    } else {
      const comment = notRunComment.exec(lines[index - 1] ?? '');
      open = { language: fence[1] ?? '', line: index + 1, body: [], notRunBecause: comment?.[1] };
    }
  });
  return blocks;
}

/** The blocks that contain `marker`. */
export function readmeBlocksContaining(marker: string, blocks = readmeBlocks()): ReadmeBlock[] {
  return blocks.filter((block) => block.code.includes(marker));
}

/** The one block that contains `marker`. @throws when none or several do (the README changed shape). */
export function readmeBlock(marker: string): ReadmeBlock {
  const found = readmeBlocksContaining(marker);
  if (found.length !== 1) throw new Error(`expected one README block containing ${JSON.stringify(marker)}, found ${found.length}`);
  return found[0]!;
}
