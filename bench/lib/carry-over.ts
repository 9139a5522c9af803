/**
 * A run of some scenarios (`--only`) into a folder that already holds a full run's results keeps the other
 * scenarios' sections, marked with the run they were measured in, so measuring one scenario again does not wipe the
 * committed figures of the rest.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MeasuredIn, ScenarioOutcome } from './report.js';
import type { Scenario } from './scenario.js';

interface StoredResults {
  mode?: string;
  machine?: { startedAt?: string; gitCommit?: string };
  sections?: Record<string, { seconds?: number; error?: string; measuredIn?: MeasuredIn }>;
}

/**
 * Every scenario's outcome in the registry's order: this run's where it ran, else the section of the full run in
 * `outDirectory` (without failed ones).
 */
export function withCarriedOver(outDirectory: string, scenarios: readonly Scenario[], outcomes: ScenarioOutcome[]): ScenarioOutcome[] {
  const path = join(outDirectory, 'results.json');
  const stored: StoredResults = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as StoredResults) : {};
  if (stored.mode !== 'full') return outcomes;
  const earlierRun: MeasuredIn = { startedAt: stored.machine?.startedAt ?? 'unknown', gitCommit: stored.machine?.gitCommit ?? 'unknown' };
  const merged: ScenarioOutcome[] = [];
  for (const scenario of scenarios) {
    const ran = outcomes.find((outcome) => outcome.scenario.name === scenario.name);
    if (ran) {
      merged.push(ran);
      continue;
    }
    const section = stored.sections?.[scenario.name];
    if (!section || section.error) continue;
    const { measuredIn = earlierRun, ...result } = section;
    merged.push({ scenario, result, seconds: section.seconds ?? 0, measuredIn });
  }
  return merged;
}
