/**
 * The issue's targets, checked against a run's sections. A target whose figures are missing (its scenario failed,
 * was not selected, or this build cannot produce them) is reported as not measured, never as met.
 */
import type { CliStartupResult } from '../scenarios/cli-startup.js';
import { largestLevel, type ConcurrencyResult } from '../scenarios/concurrency.js';
import type { HistoryGrowthResult } from '../scenarios/history-growth.js';
import type { RecoveryResult } from '../scenarios/recovery.js';
import type { ReplayResult } from '../scenarios/replay.js';
import type { StartAndScaleResult } from '../scenarios/start-and-scale.js';
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

function check(target: string, measured: string | undefined, met: boolean | undefined): TargetCheck {
  return { target, measured: measured ?? 'n/a', met: measured === undefined ? undefined : met };
}

export function evaluateTargets(sections: Sections): TargetCheck[] {
  const checks: TargetCheck[] = [];

  const turns = section<TurnOverheadResult>(sections, 'turn-overhead');
  const at0 = turns?.latencies.find((entry) => entry.modelLatencyMs === 0);
  const at200 = turns?.latencies.find((entry) => entry.modelLatencyMs === 200);
  checks.push(
    check(
      'overhead per turn, 0 ms model latency: p50 under 15 ms',
      at0 && `p50 ${f(at0.keel.overheadPerTurnMs.median)} a conversation turn of ${at0.modelCallsPerTurn} model calls; ${f(at0.keel.overheadPerStepMs?.median)} a step (one model call and its tools)`,
      at0 && at0.keel.overheadPerTurnMs.median < 15,
    ),
    check(
      'overhead per turn, 0 ms model latency: p99 under 40 ms',
      at0 && `p99 ${f(at0.keel.overheadPerTurnMs.p99)} a conversation turn; ${f(at0.keel.overheadPerStepMs?.p99)} a step`,
      at0 && at0.keel.overheadPerTurnMs.p99 < 40,
    ),
    check(
      'wall time Keel / plain loop at 200 ms model latency: at most 1.05',
      at200?.ratioKeelToPlain?.toFixed(3),
      at200?.ratioKeelToPlain !== undefined && at200.ratioKeelToPlain <= 1.05,
    ),
    check(
      'wall time Keel with modelCall.local / plain loop at 200 ms model latency: at most 1.05',
      at200?.keelLocal?.ratioToPlain?.toFixed(3),
      at200?.keelLocal?.ratioToPlain !== undefined && at200.keelLocal.ratioToPlain <= 1.05,
    ),
  );

  const scale = section<StartAndScaleResult>(sections, 'start-and-scale');
  const windows = scale?.longSession.windows ?? [];
  const at10 = windows.find((window) => window.turn === 10);
  const at1000 = windows.find((window) => window.turn === 1000);
  checks.push(
    check(
      'flat cost: overhead at turn 1,000 at most 1.2x the overhead at turn 10',
      at10 && at1000
        ? `${f(at1000.overheadMs.median)} vs ${f(at10.overheadMs.median)}: ${(at1000.overheadMs.median / at10.overheadMs.median).toFixed(2)}x${at10.durabilityCostMs !== undefined && at1000.durabilityCostMs !== undefined ? ` (the durability cost alone, Keel minus the plain loop on the same conversation: ${f(at1000.durabilityCostMs)} vs ${f(at10.durabilityCostMs)}, ${(at1000.durabilityCostMs / at10.durabilityCostMs).toFixed(2)}x)` : ''}`
        : scale?.longSession.failure ? `session stopped ${scale.longSession.failure}` : undefined,
      at10 && at1000 ? at1000.overheadMs.median <= 1.2 * at10.overheadMs.median : false,
    ),
  );
  const can = scale?.longSession.continueAsNewTurnOverheadMs;
  const steady = at10?.overheadMs.median;
  checks.push(
    check(
      'a continue-as-new adds under 250 ms p99',
      scale ? (can && steady !== undefined ? `p99 of continue-as-new turns ${f(can.p99)} minus p50 turn ${f(steady)} = ${f(can.p99 - steady)}` : 'no continue-as-new happened in this build') : undefined,
      can && steady !== undefined ? can.p99 - steady < 250 : undefined,
    ),
  );
  if (checks.at(-1)!.measured === 'no continue-as-new happened in this build') checks.at(-1)!.met = undefined;
  checks.push(
    check(
      'session start: client call to first model request under 100 ms p50',
      scale && `start ${f(scale.startToFirstModelRequestMs.median)}, update-with-start ${f(scale.startAndSendToFirstModelRequestMs.median)}`,
      scale && scale.startToFirstModelRequestMs.median < 100,
    ),
  );

  const concurrency = section<ConcurrencyResult>(sections, 'concurrency');
  const largest = largestLevel(concurrency?.levels ?? []);
  const is500 = largest?.sessions === 500;
  checks.push(
    check(
      '500 concurrent sessions on one worker: p95 overhead per turn under 100 ms',
      largest && `${largest.sessions} sessions: p95 ${f(largest.overheadPerTurnMs.p95)}${is500 ? '' : ' (not 500: quick run)'}`,
      is500 && largest.overheadPerTurnMs.p95 < 100,
    ),
    check(
      'under 200 KB of worker memory per cached session',
      largest?.worker.rssPerCachedSessionBytes !== undefined ? `${(largest.worker.rssPerCachedSessionBytes / 1024).toFixed(0)} KiB at ${largest.sessions} sessions` : undefined,
      largest?.worker.rssPerCachedSessionBytes !== undefined && largest.worker.rssPerCachedSessionBytes < 200 * 1024,
    ),
    check(
      'under 500 KB of worker memory per cached session (issue 21)',
      largest?.worker.rssPerCachedSessionBytes !== undefined ? `${(largest.worker.rssPerCachedSessionBytes / 1000).toFixed(0)} KB at ${largest.sessions} sessions` : undefined,
      largest?.worker.rssPerCachedSessionBytes !== undefined && largest.worker.rssPerCachedSessionBytes < 500 * 1000,
    ),
  );

  const history = section<HistoryGrowthResult>(sections, 'history-growth');
  const early = history?.keelBytesPerTurnEarly;
  const late = history?.keelBytesPerTurnLate;
  checks.push(
    check(
      'history bytes linear in turns (bytes per turn flat within 20 %)',
      history && (early !== undefined && late !== undefined ? `${(early / 1024).toFixed(1)} KiB then ${(late / 1024).toFixed(1)} KiB a turn` : `Keel: ${history.keelFailure ?? 'no figures'}`),
      early !== undefined && late !== undefined && late <= early * 1.2,
    ),
  );
  const last = history?.points.at(-1);
  checks.push(
    check(
      `at ${last?.turns ?? 200} turns, history at least 20x smaller than the naive loop`,
      history && (last?.naiveOverKeel !== undefined ? `${last.naiveOverKeel.toFixed(1)}x` : `Keel: ${history.keelFailure ?? 'n/a'}; naive: ${history.naiveFailure ?? 'n/a'}`),
      last?.naiveOverKeel !== undefined && last.naiveOverKeel >= 20,
    ),
  );

  const replay = section<ReplayResult>(sections, 'replay');
  checks.push(
    check(
      `replay of a ${replay?.turns ?? 500}-turn history under 2 % of its original wall time`,
      replay?.replayToOriginal !== undefined
        ? `${(replay.replayToOriginal * 100).toFixed(2)} % (${f(replay.replayMs.median)} of ${f(replay.originalWallMs / 1000, 's')}; ${((replay.replayWithWorkerStartMs.median / replay.originalWallMs) * 100).toFixed(2)} % counting the replay worker's start)`
        : undefined,
      replay?.replayToOriginal !== undefined && replay.replayToOriginal < 0.02 && replay.nondeterminismErrors === 0,
    ),
  );

  const recovery = section<RecoveryResult>(sections, 'recovery')?.variants[0];
  checks.push(
    check(
      'recovery after a worker kill within the heartbeat timeout plus 2 s',
      recovery && `progress p50 ${f(recovery.secondsToProgress.median, 's')}, max ${f(recovery.secondsToProgress.max, 's')} (heartbeat timeout ${recovery.heartbeatTimeoutSeconds} s); the turn's reply p50 ${f(recovery.secondsToReply.median, 's')}`,
      recovery && recovery.secondsToProgress.max <= recovery.heartbeatTimeoutSeconds + 2,
    ),
  );
  const cli = section<CliStartupResult>(sections, 'cli-startup');
  const packed = cli?.from === 'packed package' ? cli : undefined;
  checks.push(check('keel --version (installed package): median under 0.5 s', packed && f(packed.versionMs.median), packed && packed.versionMs.median < 500));
  checks.push(check('keel list against a local server (installed package): median under 1 s', packed && `${f(packed.listMs.median)} (p95 ${f(packed.listMs.p95)}, ${packed.sessionsListed} sessions listed, load average ${packed.loadAverage.toFixed(1)}; CPU time ${f(packed.listCpuMs.median)})`, packed && packed.listMs.median < 1000));
  return checks;
}
