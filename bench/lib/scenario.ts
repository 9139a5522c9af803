import type { BenchContext } from './bench-context.js';

/** Sizes a scenario runs at: full runs for the committed results, quick ones as a CI smoke test. */
export interface RunMode {
  quick: boolean;
}

/** One measurement: runs against the shared context and returns its section of `results.json`. */
export interface Scenario<Result extends object = object> {
  /** Key in results.json, kebab-case. */
  name: string;
  title: string;
  run(context: BenchContext, mode: RunMode): Promise<Result>;
  /** The section's body in RESULTS.md: tables and notes, markdown. */
  describe(result: Result): string;
  /**
   * Whether `--quick` runs it (the smoke run `npm test` makes) without `--only` naming it: false for a scenario that
   * needs more than the test suite sets up. @default true
   */
  inQuickRuns?: boolean;
}

/** `defineScenario` keeps the result type of `run` and `describe` in step. */
export function defineScenario<Result extends object>(scenario: Scenario<Result>): Scenario<Result> {
  return scenario;
}

/** The user messages of a bench conversation: short, numbered, the same for every system under test. */
export function conversationMessages(turns: number, extra = ''): string[] {
  return Array.from({ length: turns }, (_, index) => `Message ${index + 1}: please reply briefly.${extra}`);
}

/** Millisecond figure for tables. */
export function ms(value: number | undefined): string {
  return value === undefined ? 'n/a' : `${value.toFixed(1)} ms`;
}

/** Rejects with an error naming `what` when `promise` has not settled within `timeoutMs`. */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
