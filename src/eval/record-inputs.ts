/**
 * `keel eval --inputs <file>`: sessions that have no recording yet get one first. Each input runs as a session on
 * its own profile (`eval-<evalId>-recorded-<n>`), until it ends (task) or waits for its next message (chat); those
 * sessions are then the recorded ones the eval re-runs. Their spend is the recording's, not the eval's. Client-side.
 */
import { readFileSync } from 'node:fs';
import type { SessionClient } from '../client/session-client.js';
import { validateSessionInput } from '../client/session-client.js';
import { ValidationError } from '../errors.js';
import type { SessionInput } from '../shared/schemas/session-input.js';
import { EVAL_SESSION_PREFIX } from './eval-report.js';
import { retryQuery } from './retry-query.js';

/**
 * Session inputs from a JSON file: an array of inputs, or one input per line.
 * @throws ValidationError naming the input (by its position) and the field.
 */
export function readSessionInputs(file: string): SessionInput[] {
  const text = readFileSync(file, 'utf8').trim();
  let values: unknown[];
  try {
    values = text.startsWith('[') ? (JSON.parse(text) as unknown[]) : text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as unknown);
  } catch (error) {
    throw new ValidationError(`${file}: not JSON (an array of session inputs, or one per line): ${(error as Error).message}`, 'inputs');
  }
  return values.map((value, index) => {
    try {
      return validateSessionInput(value);
    } catch (error) {
      throw new ValidationError(`${file}, input ${index + 1}: ${(error as Error).message}`, 'inputs');
    }
  });
}

/** Runs each input as a recorded session and returns their ids, in the inputs' order. */
export async function recordInputs(sessions: SessionClient, inputs: SessionInput[], options: { evalId: string; concurrency: number; onProgress?(line: string): void }): Promise<string[]> {
  const ids = inputs.map((_, index) => `${EVAL_SESSION_PREFIX}${options.evalId}-recorded-${index + 1}`);
  let next = 0;
  const lanes = Array.from({ length: Math.min(options.concurrency, inputs.length) }, async () => {
    while (next < inputs.length) {
      const index = next;
      next += 1;
      const handle = await sessions.start(inputs[index]!, { workflowId: ids[index]! });
      if (inputs[index]!.mode === 'task') await handle.result().catch(() => undefined);
      else while ((await retryQuery(() => handle.state())).status === 'running') await new Promise((resolve) => setTimeout(resolve, 100));
      options.onProgress?.(`recorded ${ids[index]} on ${inputs[index]!.profile}`);
    }
  });
  await Promise.all(lanes);
  return ids;
}
