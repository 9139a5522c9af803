/**
 * 7. A peer, side by side: the same scripted conversation as a LangGraph graph with its SQLite checkpointer
 * (Python, in a virtual environment the bench creates), against the same model server in the same run. Reported
 * against a plain Python loop run in the same script, as Keel is against the plain TypeScript loop.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../../src/dev/project-root.js';
import { benchModel } from '../lib/bench-profiles.js';
import { benchLookupToolName, benchTools } from '../lib/bench-tools.js';
import { openingMessage } from '../lib/keel-conversation.js';
import { ensureVenv } from '../lib/python-venv.js';
import { conversationMessages, defineScenario, ms } from '../lib/scenario.js';
import { round, summarize, type Summary } from '../lib/stats.js';

/** Pinned: the figures belong to these versions. */
export const langgraphPackages = ['langgraph==1.2.22', 'langgraph-checkpoint-sqlite==3.1.2', 'anthropic==2.10.0'];

const script = fileURLToPath(new URL('../peers/langgraph_loop.py', import.meta.url));

interface GraphRun {
  turnMs: number[];
  checkpoints: number;
  checkpointBytes: number;
  writes: number;
  writeBytes: number;
}

interface PeerOutput {
  plain: number[][];
  graphFile: GraphRun[];
  graphMemory: GraphRun[];
  dbFileBytes: number;
  versions: Record<string, string>;
}

export interface LanggraphLatencyResult {
  modelLatencyMs: number;
  repetitions: number;
  turnsPerConversation: number;
  plainPythonOverheadPerTurnMs: Summary;
  sqliteFile: { overheadPerTurnMs: Summary; durabilityCostPerTurnMs: number; checkpointsPerConversation: number; checkpointBytesPerConversation: number; writeBytesPerConversation: number };
  sqliteMemory: { overheadPerTurnMs: Summary; durabilityCostPerTurnMs: number };
}

export interface LanggraphResult {
  versions: Record<string, string>;
  latencies: LanggraphLatencyResult[];
}

function runPeer(python: string, config: object): Promise<PeerOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`langgraph_loop.py exited with ${code}: ${stderr.trim()}`));
      try {
        resolve(JSON.parse(stdout) as PeerOutput);
      } catch (error) {
        reject(new Error(`langgraph_loop.py printed no JSON (${String(error)}): ${stderr.trim()}`));
      }
    });
    child.stdin.end(JSON.stringify(config));
  });
}

export const langgraphPeerScenario = defineScenario<LanggraphResult>({
  name: 'langgraph-peer',
  title: '7. Peer: LangGraph with its SQLite checkpointer',
  async run(context, mode) {
    const python = ensureVenv(join(projectRoot(), '.keel', 'venvs', 'langgraph'), langgraphPackages, context.log);
    const turns = mode.quick ? 4 : 20;
    const lookup = benchTools().find((tool) => tool.name === benchLookupToolName)!;
    // Two model calls a turn, as in section 1.
    const modelCallsPerTurn = 2;
    const plan = mode.quick ? [{ latencyMs: 0, repetitions: 1 }] : [{ latencyMs: 0, repetitions: 10 }, { latencyMs: 200, repetitions: 5 }];
    const latencies: LanggraphLatencyResult[] = [];
    let versions: Record<string, string> = {};
    for (const { latencyMs, repetitions } of plan) {
      const model = await context.startModel({ latencyMs });
      const output = await runPeer(python, {
        modelUrl: model.url,
        model: benchModel,
        system: `bench langgraph ${latencyMs}`,
        opening: openingMessage,
        userMessages: conversationMessages(turns, ' Look it up first.'),
        tools: [{ name: lookup.name, description: lookup.description, input_schema: lookup.jsonSchema }],
        repetitions,
        dbPath: join(context.workDirectory, 'langgraph-checkpoints.db'),
      });
      versions = output.versions;
      const overhead = (runs: number[][]) => summarize(runs.flat().map((turnMs) => turnMs - latencyMs * modelCallsPerTurn));
      const plain = overhead(output.plain);
      const file = overhead(output.graphFile.map((run) => run.turnMs));
      const memory = overhead(output.graphMemory.map((run) => run.turnMs));
      const mean = (values: number[]) => Math.round(values.reduce((sum, value) => sum + value, 0) / values.length);
      latencies.push({
        modelLatencyMs: latencyMs,
        repetitions,
        turnsPerConversation: turns,
        plainPythonOverheadPerTurnMs: plain,
        sqliteFile: {
          overheadPerTurnMs: file,
          durabilityCostPerTurnMs: round(file.median - plain.median),
          checkpointsPerConversation: mean(output.graphFile.map((run) => run.checkpoints)),
          checkpointBytesPerConversation: mean(output.graphFile.map((run) => run.checkpointBytes)),
          writeBytesPerConversation: mean(output.graphFile.map((run) => run.writeBytes)),
        },
        sqliteMemory: { overheadPerTurnMs: memory, durabilityCostPerTurnMs: round(memory.median - plain.median) },
      });
      context.log(`langgraph @${latencyMs} ms: plain python p50 ${ms(plain.median)}, graph+sqlite file p50 ${ms(file.median)}, in-memory p50 ${ms(memory.median)}`);
      await context.cleanUp();
    }
    return { versions, latencies };
  },
  describe(result) {
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
    return [
      `Versions: ${Object.entries(result.versions).map(([name, version]) => `${name} ${version}`).join(', ')}. The graph has a model node (the whole message list to the model) and a tools node running the same \`bench_lookup\` function, as in section 1; each turn is one \`graph.invoke\` on the same thread (model, tools, model), with \`SqliteSaver\` (WAL, as the package sets it up) on a file and on \`:memory:\`.`,
      '',
      '| model latency | runs x turns | plain Python loop overhead p50 | LangGraph + SQLite file p50 / p95 | LangGraph + in-memory SQLite p50 / p95 | durability cost per turn (file, p50) | checkpoints per conversation | checkpoint + write bytes per conversation |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...result.latencies.map(
        (entry) =>
          `| ${entry.modelLatencyMs} ms | ${entry.repetitions} x ${entry.turnsPerConversation} | ${ms(entry.plainPythonOverheadPerTurnMs.median)} | ${ms(entry.sqliteFile.overheadPerTurnMs.median)} / ${ms(entry.sqliteFile.overheadPerTurnMs.p95)} | ${ms(entry.sqliteMemory.overheadPerTurnMs.median)} / ${ms(entry.sqliteMemory.overheadPerTurnMs.p95)} | ${ms(entry.sqliteFile.durabilityCostPerTurnMs)} | ${entry.sqliteFile.checkpointsPerConversation} | ${kb(entry.sqliteFile.checkpointBytesPerConversation + entry.sqliteFile.writeBytesPerConversation)} |`,
      ),
    ].join('\n');
  },
});
