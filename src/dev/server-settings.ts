/**
 * The Temporal server settings Keel runs its own dev servers with (the demo's, the tests', the benchmark's) and
 * ships in the compose stack's dynamic config (deploy/temporal/dynamicconfig/development-sql.yaml; a test keeps the
 * two in step). Each one is measured in `npm run bench` (bench/RESULTS.md, "Tunings").
 */

export const keelServerDynamicConfig = {
  /**
   * Every workflow task that follows an activity's completion (or a timer, or a signal) reaches matching through
   * the history shard's transfer queue, whose reader polls at most this often. At the server's default of 20 a
   * second per shard, an agent turn of a few quick steps stalls about 35 ms on each after the first burst
   * (a dev server has one shard, so every session on it shares the 20). Raising it only lifts the cap: the reader
   * still polls when it is told of new tasks.
   */
  'history.transferProcessorMaxPollRPS': 1000,
  /** A workflow task that schedules an activity gets it back in the same response (the worker asks for it). */
  'system.enableActivityEagerExecution': true,
} as const satisfies Record<string, string | number | boolean>;

/** `temporal server start-dev` arguments setting these values. */
export function dynamicConfigArgs(config: Record<string, string | number | boolean> = keelServerDynamicConfig): string[] {
  return Object.entries(config).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]);
}
