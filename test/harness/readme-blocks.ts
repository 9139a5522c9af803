/** The README's fenced code blocks, for the tests that run them so that no example can drift from the code. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface ReadmeBlock {
  /** The fence's info string (`sh`, `js`, `ts`, ...), empty when none. */
  language: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
}

export function readmeBlocks(path = fileURLToPath(new URL('../../README.md', import.meta.url))): ReadmeBlock[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const blocks: ReadmeBlock[] = [];
  let open: { language: string; line: number; body: string[] } | undefined;
  lines.forEach((text, index) => {
    const fence = /^```(\S*)\s*$/.exec(text);
    if (!fence) {
      open?.body.push(text);
      return;
    }
    if (open) {
      blocks.push({ language: open.language, code: `${open.body.join('\n')}\n`, line: open.line });
      open = undefined;
    } else {
      open = { language: fence[1] ?? '', line: index + 1, body: [] };
    }
  });
  return blocks;
}

/** The one block that contains `marker`. @throws when none or several do (the README changed shape). */
export function readmeBlock(marker: string): ReadmeBlock {
  const found = readmeBlocks().filter((block) => block.code.includes(marker));
  if (found.length !== 1) throw new Error(`expected one README block containing ${JSON.stringify(marker)}, found ${found.length}`);
  return found[0]!;
}
