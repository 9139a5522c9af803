/**
 * Workflow-bundle code, added to replay bundles only under `keel replay --inspect`: stops in the attached debugger
 * as each replayed workflow starts, when the bundle's sources (with their source maps) are loaded, so that
 * breakpoints set then in `src/workflows/*.ts` bind and hit. Issues no command. Imports only `@temporalio/workflow`.
 */
import type { Next, WorkflowExecuteInput, WorkflowInboundCallsInterceptor, WorkflowInterceptors } from '@temporalio/workflow';

class BreakAtWorkflowStart implements WorkflowInboundCallsInterceptor {
  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    // keel replay --inspect: set breakpoints in the workflow code now, then continue.
    debugger;
    return next(input);
  }
}

export const interceptors = (): WorkflowInterceptors => ({ inbound: [new BreakAtWorkflowStart()] });
