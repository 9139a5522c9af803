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
  | { kind: 'failed'; failureType: string | undefined; message: string }
  | { kind: 'continued-as-new' };

export interface ReplayOutcomeSinks extends Sinks {
  keelReplay: {
    outcome(outcome: ReplayOutcome): void;
  };
}

const { keelReplay } = proxySinks<ReplayOutcomeSinks>();

function describeError(error: unknown): ReplayOutcome {
  if (error instanceof ContinueAsNew) return { kind: 'continued-as-new' };
  const failure = error as { type?: unknown; message?: unknown; cause?: { message?: unknown; type?: unknown } } | undefined;
  const type = typeof failure?.type === 'string' ? failure.type : typeof failure?.cause?.type === 'string' ? failure.cause.type : undefined;
  const message = typeof failure?.message === 'string' ? failure.message : String(error);
  const cause = typeof failure?.cause?.message === 'string' && failure.cause.message !== message ? ` (cause: ${failure.cause.message})` : '';
  return { kind: 'failed', failureType: type, message: `${message}${cause}` };
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
