/**
 * 5. Recovery: `kill -9` of the worker process while a model call is in flight, a new worker started at once; how
 * long until the session makes progress again (the model call is retried: the model server sees it again) and
 * until the interrupted turn's reply reaches the client. The model-call heartbeat timeout bounds the first.
 */
import { randomUUID } from 'node:crypto';
import type { BenchContext } from '../lib/bench-context.js';
import { requestMessages, requestSystem } from '../lib/bench-responder.js';
import type { WorkerTuning } from '../lib/bench-worker.js';
import { defineScenario, withTimeout } from '../lib/scenario.js';
import { summarize, type Summary } from '../lib/stats.js';

export interface RecoveryVariantResult {
  tuning: WorkerTuning | 'product defaults';
  repetitions: number;
  heartbeatTimeoutSeconds: number;
  /** Time for the replacement worker process to start polling, s. */
  workerStartSeconds: Summary;
  /** From the kill to the retried model call reaching the model, s. */
  secondsToProgress: Summary;
  /** From the kill to the interrupted turn's reply at the client, s. */
  secondsToReply: Summary;
}

export interface RecoveryResult {
  variants: RecoveryVariantResult[];
}

const victimMarker = 'bench recovery';

/** Runs `repetitions` crash-and-recover cycles on one task queue; shared with the tuning scenario. */
export async function runRecovery(context: BenchContext, options: { repetitions: number; tuning?: WorkerTuning }): Promise<RecoveryVariantResult> {
  const victims = new Set<string>();
  const model = await context.startModel({
    latencyMs: 0,
    // The second model call of each recovery session hangs (60 s) the first time it is made: the kill lands then.
    delayFor: (request) => {
      const system = requestSystem(request);
      if (!system.startsWith(victimMarker) || victims.has(system)) return undefined;
      if (requestMessages(request).filter((message) => message['role'] === 'assistant').length !== 1) return undefined;
      victims.add(system);
      return 60_000;
    },
  });
  const taskQueue = `bench-recovery-${randomUUID()}`;
  const tuning = options.tuning ? { tuning: options.tuning } : {};
  let current = await context.startWorker({ modelUrl: model.url, taskQueue, ...tuning });
  const starts: number[] = [];
  const progress: number[] = [];
  const replies: number[] = [];
  for (let repetition = 0; repetition < options.repetitions; repetition += 1) {
    const system = `${victimMarker} ${taskQueue} ${repetition}`;
    const { handle } = await current.sessions.startAndSend(
      { profile: 'bench', mode: 'chat', system, messages: [{ role: 'user', content: 'Benchmark: recovery.' }] },
      { content: 'First message.' },
    );
    const before = model.requests.length;
    const reply = handle.sendMessage('Second message: this call is interrupted by a crash.');
    const forSession = (index: number) => model.requests.slice(index).filter((request) => requestSystem(request) === system);
    await withTimeout(waitUntil(() => forSession(before).length >= 1), 30_000, 'the call to interrupt');
    // Let the call be well under way (tokens pending) before the crash.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const seenBeforeKill = model.requests.length;
    await current.worker.kill();
    const killedAt = performance.now();
    const killedAtWall = Date.now();
    current = await context.startWorker({ modelUrl: model.url, taskQueue, ...tuning });
    starts.push(current.worker.startMs / 1000);
    await withTimeout(waitUntil(() => forSession(seenBeforeKill).length >= 1), 120_000, 'the retried model call');
    progress.push((forSession(seenBeforeKill)[0].receivedAt - killedAtWall) / 1000);
    await withTimeout(reply, 120_000, 'the interrupted turn');
    replies.push((performance.now() - killedAt) / 1000);
    context.log(`recovery ${repetition + 1}: progress after ${progress.at(-1)!.toFixed(2)} s, reply after ${replies.at(-1)!.toFixed(2)} s`);
    await handle.cancel();
  }
  await context.cleanUp();
  return {
    tuning: options.tuning ?? 'product defaults',
    repetitions: options.repetitions,
    heartbeatTimeoutSeconds: context.heartbeatTimeoutSeconds,
    workerStartSeconds: summarize(starts),
    secondsToProgress: summarize(progress),
    secondsToReply: summarize(replies),
  };
}

async function waitUntil(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}

export function recoveryRows(variants: RecoveryVariantResult[]): string[] {
  const s = (summary: Summary) => `${summary.median.toFixed(2)} s / ${summary.p95.toFixed(2)} s`;
  return variants.map(
    (variant) =>
      `| ${typeof variant.tuning === 'string' ? variant.tuning : Object.entries(variant.tuning).map(([key, value]) => `${key}=${value}`).join(', ')} | ${variant.repetitions} | ${variant.heartbeatTimeoutSeconds} s | ${s(variant.workerStartSeconds)} | ${s(variant.secondsToProgress)} | ${s(variant.secondsToReply)} |`,
  );
}

export const recoveryHeader = [
  '| worker settings | kills | heartbeat timeout | new worker start p50 / p95 | kill to progress (retried call) p50 / p95 | kill to the turn\'s reply p50 / p95 |',
  '| --- | --- | --- | --- | --- | --- |',
];

export const recoveryScenario = defineScenario<RecoveryResult>({
  name: 'recovery',
  title: '5. Recovery after kill -9 of the worker mid-call',
  async run(context, mode) {
    // A quick run cannot wait out the SDK's 10 s sticky queue timeout; it uses the tuned value and says so.
    const tuning = mode.quick ? { tuning: { stickyQueueScheduleToStartTimeout: '1s' } } : {};
    return { variants: [await runRecovery(context, { repetitions: mode.quick ? 1 : 5, ...tuning })] };
  },
  describe(result) {
    return [
      'Each repetition: a chat session answers one turn, its second model call is left hanging, the worker process is killed with SIGKILL and a new one started at once on the same task queue.',
      '',
      ...recoveryHeader,
      ...recoveryRows(result.variants),
    ].join('\n');
  },
});

