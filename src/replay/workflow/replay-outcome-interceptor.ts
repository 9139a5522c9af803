/**
 * Workflow-bundle code, added only to replay bundles: reports how the workflow function ended when the current code
 * ran a recorded history (its result, its failure, or a continue-as-new), so that `keel replay` can show that a
 * failure reproduces locally. Calls a sink that runs during replay; issues no command, so it cannot change
 * determinism. Imports only `@temporalio/workflow`.
 */
import {
  ContinueAsNew,
  proxySinks,
  type Next,
  type Sinks,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
} from '@temporalio/workflow';

/** How the workflow function ended in replay. */
export type ReplayOutcome =
  | { kind: 'completed'; result: unknown }
  /** `failureType` is the first failure type found along the cause chain; `message` the whole chain in one line. */
  | { kind: 'failed'; failureType: string | undefined; message: string }
  | { kind: 'continued-as-new' };

export interface ReplayOutcomeSinks extends Sinks {
  keelReplay: {
    outcome(outcome: ReplayOutcome): void;
  };
}

const { keelReplay } = proxySinks<ReplayOutcomeSinks>();

/** The failure as one line, in the form history's failures are shown: `Type: message (cause: ...)`. */
function failureLine(error: unknown): string {
  const failure = error as { type?: unknown; message?: unknown; cause?: unknown } | undefined;
  const type = typeof failure?.type === 'string' && failure.type !== '' ? `${failure.type}: ` : '';
  const message = typeof failure?.message === 'string' ? failure.message : String(error);
  return failure?.cause ? `${type}${message} (cause: ${failureLine(failure.cause)})` : `${type}${message}`;
}

function describeError(error: unknown): ReplayOutcome {
  if (error instanceof ContinueAsNew) return { kind: 'continued-as-new' };
  let type: string | undefined;
  for (let current = error as { type?: unknown; cause?: unknown } | undefined; current && !type; current = current.cause as typeof current) {
    if (typeof current.type === 'string' && current.type !== '') type = current.type;
  }
  return { kind: 'failed', failureType: type, message: failureLine(error) };
}

class ReplayOutcomeInterceptor implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      const result = await next(input);
      keelReplay.outcome({ kind: 'completed', result });
      return result;
    } catch (error) {
      keelReplay.outcome(describeError(error));
      throw error;
    }
  }
}

export const interceptors = (): WorkflowInterceptors => ({ inbound: [new ReplayOutcomeInterceptor()] });
