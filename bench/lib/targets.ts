/**
 * The targets, checked against a run's sections. A target whose figures are missing (its scenario failed or
 * was not selected) is reported as not measured, never as met.
 */
import type { TurnOverheadResult } from '../scenarios/turn-overhead.js';

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | undefined;
}

type Sections = Record<string, object>;

function section<T>(sections: Sections, name: string): T | undefined {
  const found = sections[name] as (T & { error?: string }) | undefined;
  return found && !found.error ? found : undefined;
}

const f = (value: number | undefined, unit = 'ms'): string => (value === undefined ? 'n/a' : `${value.toFixed(1)} ${unit}`);

export function evaluateTargets(sections: Sections): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const turns = section<TurnOverheadResult>(sections, 'turn-overhead');
  const at0 = turns?.latencies.find((entry) => entry.modelLatencyMs === 0);
  const at200 = turns?.latencies.find((entry) => entry.modelLatencyMs === 200);
  checks.push({
    target: 'overhead per turn at 0 ms model latency: p50 < 15 ms',
    measured: at0 ? `p50 ${f(at0.keel.overheadPerTurnMs.median)} (turns 2+: ${f(at0.keel.steadyOverheadPerTurnMs.median)})` : 'n/a',
    met: at0 ? at0.keel.overheadPerTurnMs.median < 15 : undefined,
  });
  checks.push({
    target: 'overhead per turn at 0 ms model latency: p99 < 40 ms',
    measured: at0 ? `p99 ${f(at0.keel.overheadPerTurnMs.p99)} (turns 2+: ${f(at0.keel.steadyOverheadPerTurnMs.p99)})` : 'n/a',
    met: at0 ? at0.keel.overheadPerTurnMs.p99 < 40 : undefined,
  });
  checks.push({
    target: 'wall ratio Keel / plain loop at 200 ms model latency <= 1.05',
    measured: at200?.ratioKeelToPlain !== undefined ? at200.ratioKeelToPlain.toFixed(3) : 'n/a',
    met: at200?.ratioKeelToPlain !== undefined ? at200.ratioKeelToPlain <= 1.05 : undefined,
  });
  return checks;
}
