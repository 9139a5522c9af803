/**
 * 9. The production topology beside the dev server, same run: the local Temporal cluster (src/dev/temporal-cluster:
 * PostgreSQL, history, matching, the internal worker and the frontend as separate processes, 4 history shards,
 * mutual TLS) against the dev server every other scenario uses (one process, one shard, in-memory SQLite). Turn
 * overhead with tool-using turns, interleaved; then turns per second at 10, 100 and 500 sessions on each, with the
 * CPU each process spends per turn: every server service, PostgreSQL (all its processes), the Keel worker and the
 * client (which also runs the model server).
 */
import { Client } from '@temporalio/client';
import { readdirSync, readFileSync } from 'node:fs';
import { startTemporalCluster } from '../../src/dev/temporal-cluster/temporal-cluster.js';
import type { BenchContext, BenchTarget } from '../lib/bench-context.js';
import { latencyFromSystem, systemWithLatency } from '../lib/bench-responder.js';
import { benchLookupToolName } from '../lib/bench-tools.js';
import { runKeelConversation } from '../lib/keel-conversation.js';
import { CpuMeter, processCpuMs } from '../lib/process-cpu.js';
import { conversationMessages, defineScenario, ms } from '../lib/scenario.js';
import { ratio, round, summarize, type Summary } from '../lib/stats.js';

interface Side {
  name: 'dev server' | 'cluster';
  target: BenchTarget;
  /** Server-side processes whose CPU is counted, by name. */
  serverProcesses(): Record<string, number | undefined>;
}

export interface TopologyLevel {
  sessions: number;
  turnsPerSession: number;
  wallSeconds: number;
  turnsPerSecond: number;
  overheadPerTurnMs: Summary;
  failedSessions: number;
  cpuMsPerTurn: Record<string, number>;
}

export interface TopologySide {
  name: Side['name'];
  steadyOverheadPerTurnMs: Summary;
  levels: TopologyLevel[];
}

export interface ClusterTopologyResult {
  historyShards: number;
  serverVersion: string;
  overheadRuns: string;
  levelModelLatencyMs: number;
  sides: TopologySide[];
}

/** The PostgreSQL server's pid and its backends' (children of the postmaster), read when measuring. */
function postgresPids(postmasterPid: number | undefined): number[] {
  if (postmasterPid === undefined) return [];
  const pids = [postmasterPid];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmasterPid) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/** CPU of a set of processes that come and go (PostgreSQL's backends), ms, summed over those alive at both reads. */
function groupCpu(pids: number[]): Map<number, number> {
  return new Map(pids.flatMap((pid) => {
    const cpu = processCpuMs(pid);
    return cpu === undefined ? [] : [[pid, cpu] as [number, number]];
  }));
}

async function runLevel(context: BenchContext, side: Side, modelUrl: string, sessions: number, turns: number, latencyMs: number, postmasterPid?: number): Promise<TopologyLevel> {
  const { worker, sessions: client } = await context.startWorker({ modelUrl, server: side.target });
  const messages = conversationMessages(turns);
  await runKeelConversation({ sessions: client, system: systemWithLatency('bench topology warm-up', latencyMs), userMessages: messages.slice(0, 2) });
  const cpu = new CpuMeter({ ...side.serverProcesses(), 'Keel worker': worker.child.pid, client: process.pid });
  const postgresBefore = groupCpu(postgresPids(postmasterPid));
  const overhead: number[] = [];
  let failed = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: sessions }, async (_, index) => {
      try {
        const conversation = await runKeelConversation({ sessions: client, system: systemWithLatency(`bench topology ${side.name} ${sessions} ${index}`, latencyMs), userMessages: messages });
        overhead.push(...conversation.turnMs.map((turnMs) => turnMs - latencyMs));
      } catch (error) {
        failed += 1;
        if (failed === 1) context.log(`${side.name}: a session failed: ${String(error)}`);
      }
    }),
  );
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const used = cpu.read();
  if (postmasterPid !== undefined) {
    const after = groupCpu(postgresPids(postmasterPid));
    used.PostgreSQL = [...after].reduce((sum, [pid, now]) => sum + (now - (postgresBefore.get(pid) ?? 0)), 0);
  }
  await worker.stop();
  const turnsDone = Math.max(1, (sessions - failed) * turns);
  return {
    sessions,
    turnsPerSession: turns,
    wallSeconds: round(wallSeconds),
    turnsPerSecond: round(turnsDone / wallSeconds),
    overheadPerTurnMs: summarize(overhead.length > 0 ? overhead : [Number.NaN]),
    failedSessions: failed,
    cpuMsPerTurn: Object.fromEntries(Object.entries(used).map(([name, value]) => [name, round(value / turnsDone)])),
  };
}

export const clusterTopologyScenario = defineScenario<ClusterTopologyResult>({
  name: 'cluster-topology',
  title: '9. Production topology: a Temporal cluster on PostgreSQL beside the dev server',
  // It builds the Temporal server from Go when missing: `npm run test:cluster` covers the cluster, not `npm test`.
  inQuickRuns: false,
  async run(context, mode) {
    const historyShards = 4;
    const cluster = await startTemporalCluster({ historyShards, log: context.log });
    context.defer(() => cluster.stop());
    const connection = await cluster.connect();
    context.defer(() => connection.close());
    const sides: Side[] = [
      { name: 'dev server', target: context.server, serverProcesses: () => ({ 'dev server': context.server.pid }) },
      {
        name: 'cluster',
        target: { address: cluster.address, namespace: cluster.namespace, client: new Client({ connection, namespace: cluster.namespace }), temporalEnvironment: cluster.clientEnvironment },
        serverProcesses: () => ({ frontend: cluster.pid('frontend'), history: cluster.pid('history'), matching: cluster.pid('matching'), 'internal worker': cluster.pid('worker') }),
      },
    ];
    const model = await context.startModel({ latencyMs: 0, delayFor: latencyFromSystem });

    // Turn overhead: the same tool-using conversation on each side in turn, at model latency 0.
    const turns = mode.quick ? 4 : 20;
    const repetitions = mode.quick ? 1 : 5;
    const messages = conversationMessages(turns, ' Look it up first.');
    const steady = new Map<Side['name'], number[]>(sides.map((side) => [side.name, []]));
    const workers = await Promise.all(sides.map((side) => context.startWorker({ modelUrl: model.url, server: side.target })));
    for (const index of sides.keys()) {
      await runKeelConversation({ sessions: workers[index]!.sessions, system: 'bench topology warm-up', userMessages: messages.slice(0, 3), tools: [benchLookupToolName] });
    }
    for (let repetition = 0; repetition < repetitions; repetition++) {
      for (let offset = 0; offset < sides.length; offset++) {
        const index = (offset + repetition) % sides.length;
        const conversation = await runKeelConversation({ sessions: workers[index]!.sessions, system: `bench topology overhead ${repetition}`, userMessages: messages, tools: [benchLookupToolName] });
        steady.get(sides[index]!.name)!.push(...conversation.turnMs.slice(1));
      }
    }
    await Promise.all(workers.map(({ worker }) => worker.stop()));

    const latencyMs = 100;
    const levels = new Map<Side['name'], TopologyLevel[]>(sides.map((side) => [side.name, []]));
    for (const sessions of mode.quick ? [4] : [10, 100, 500]) {
      for (const side of sides) {
        const level = await runLevel(context, side, model.url, sessions, mode.quick ? 2 : 5, latencyMs, side.name === 'cluster' ? cluster.postgres.pid() : undefined);
        context.log(`${side.name} ${sessions} sessions: ${level.turnsPerSecond} turns/s, p50 overhead ${ms(level.overheadPerTurnMs.median)}, CPU/turn ${JSON.stringify(level.cpuMsPerTurn)}`);
        levels.get(side.name)!.push(level);
      }
    }
    return {
      historyShards,
      serverVersion: cluster.tools.version,
      overheadRuns: `${repetitions} x ${turns} tool-using turns (two model calls and a tool call each), model latency 0`,
      levelModelLatencyMs: latencyMs,
      sides: sides.map((side) => ({ name: side.name, steadyOverheadPerTurnMs: summarize(steady.get(side.name)!), levels: levels.get(side.name)! })),
    };
  },
  describe(result) {
    const [dev, cluster] = result.sides;
    if (!dev || !cluster) return 'no result';
    const cpuTotal = (level: TopologyLevel): number => Object.values(level.cpuMsPerTurn).reduce((sum, value) => sum + value, 0);
    const cpuCell = (level: TopologyLevel): string =>
      Object.entries(level.cpuMsPerTurn)
        .map(([name, value]) => `${name} ${value.toFixed(1)}`)
        .join(', ');
    const rows = dev.levels.map((devLevel, index) => {
      const clusterLevel = cluster.levels[index]!;
      return [
        `| ${devLevel.sessions} | dev server | ${devLevel.turnsPerSecond.toFixed(1)} | ${ms(devLevel.overheadPerTurnMs.median)} / ${ms(devLevel.overheadPerTurnMs.p95)} | ${devLevel.failedSessions} | ${cpuTotal(devLevel).toFixed(1)} ms: ${cpuCell(devLevel)} |`,
        `| ${clusterLevel.sessions} | cluster | ${clusterLevel.turnsPerSecond.toFixed(1)} | ${ms(clusterLevel.overheadPerTurnMs.median)} / ${ms(clusterLevel.overheadPerTurnMs.p95)} | ${clusterLevel.failedSessions} | ${cpuTotal(clusterLevel).toFixed(1)} ms: ${cpuCell(clusterLevel)} |`,
        `| ${clusterLevel.sessions} | cluster / dev server | ${ratio(clusterLevel.turnsPerSecond, devLevel.turnsPerSecond) ?? 'n/a'} | ${ratio(clusterLevel.overheadPerTurnMs.median, devLevel.overheadPerTurnMs.median) ?? 'n/a'} | | ${ratio(cpuTotal(clusterLevel), cpuTotal(devLevel)) ?? 'n/a'} |`,
      ];
    });
    return [
      `The cluster: Temporal server ${result.serverVersion} built from its Go module, PostgreSQL, history, matching, the internal worker and the frontend as separate processes, ${result.historyShards} history shards, mutual TLS on the frontend, Keel's dynamic config; the dev server: \`temporal server start-dev\`, one process, one shard, in-memory SQLite. Both on this machine, in this run, each with one Keel worker process.`,
      '',
      `Turn overhead (${result.overheadRuns}; turns 2+, wall time of the turn since model time is 0): dev server p50 ${ms(dev.steadyOverheadPerTurnMs.median)} / p95 ${ms(dev.steadyOverheadPerTurnMs.p95)}; cluster p50 ${ms(cluster.steadyOverheadPerTurnMs.median)} / p95 ${ms(cluster.steadyOverheadPerTurnMs.p95)}; ratio cluster / dev server ${ratio(cluster.steadyOverheadPerTurnMs.median, dev.steadyOverheadPerTurnMs.median) ?? 'n/a'}.`,
      '',
      `Sessions at once, each ${dev.levels[0]?.turnsPerSession ?? 5} text turns at ${result.levelModelLatencyMs} ms model latency; overhead = turn wall time - model latency; CPU per turn by process (the client process also runs the model server).`,
      '',
      '| sessions | topology | turns/s | overhead per turn p50 / p95 | failed sessions | CPU per turn |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows.flat(),
    ].join('\n');
  },
});
