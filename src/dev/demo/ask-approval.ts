/**
 * The approval step's question at the terminal: approve a tool call the session waits on, or not. `--yes` answers
 * yes without asking (for CI); a closed stdin (no terminal, nothing piped) answers no, so the demo never hangs.
 * Dev tooling.
 */
import { createInterface } from 'node:readline';

/** Reads lines from stdin for the whole demo: one reader, so lines piped in ahead are not lost between questions. */
export class TerminalQuestions {
  readonly #lines: string[] = [];
  readonly #waiting: Array<(line: string | undefined) => void> = [];
  #closed = false;
  readonly #reader;

  constructor() {
    this.#reader = createInterface({ input: process.stdin, terminal: false });
    this.#reader.on('line', (line) => {
      const waiter = this.#waiting.shift();
      if (waiter) waiter(line);
      else this.#lines.push(line);
    });
    this.#reader.on('close', () => {
      this.#closed = true;
      for (const waiter of this.#waiting.splice(0)) waiter(undefined);
    });
  }

  /** Prints `question` and resolves with the next line, or undefined once stdin has ended. */
  ask(question: string): Promise<string | undefined> {
    process.stdout.write(question);
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  close(): void {
    this.#reader.close();
  }
}

export type ApprovalAnswer = { approve: true; by: string } | { approve: false; by: string };

/** Asks whether to approve; `yes` skips the question. */
export async function askApproval(questions: TerminalQuestions | undefined, what: string): Promise<ApprovalAnswer> {
  if (!questions) return { approve: true, by: 'approved automatically (--yes)' };
  const answer = await questions.ask(`[demo] approve ${what}? [y/N] `);
  if (answer === undefined) {
    process.stdout.write('\n');
    return { approve: false, by: 'denied: stdin ended without an answer (run with --yes to approve without asking)' };
  }
  return /^\s*y(es)?\s*$/i.test(answer) ? { approve: true, by: 'approved at the terminal' } : { approve: false, by: 'denied at the terminal' };
}
