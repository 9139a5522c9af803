import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createSdkLogger } from '../logging/sdk-logger.js';

/**
 * Installs the SDK's process-wide runtime: its logs through Keel's JSON logger and, when `metricsAddress` is set,
 * its metrics (worker task slots, poll and request counters, activity and workflow latencies...) on a Prometheus
 * endpoint at `http://<metricsAddress>/metrics`. Must run once, before any connection is made.
 */
export function installRuntime(options: { logger: Logger; metricsAddress?: string }): void {
  Runtime.install({
    logger: createSdkLogger(options.logger),
    ...(options.metricsAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: options.metricsAddress } } } } : {}),
  });
}
