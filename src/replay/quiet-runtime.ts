/**
 * Installs the Temporal runtime with only errors logged, for replay tooling: a nondeterminism is reported by the
 * caller, in its own words, not as a worker warning with a Rust backtrace. Does nothing when a runtime is already
 * installed (e.g. by a test harness). Worker-side tooling.
 */
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';

export function installQuietRuntime(): void {
  try {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }), forward: {} } },
    });
  } catch {
    // A runtime is installed already: keep it.
  }
}
