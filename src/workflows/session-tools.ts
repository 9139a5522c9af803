/**
 * A session's tools, inside the workflow: resolves them once through an activity (so they are in history), sends
 * their specs to the model, runs a turn's calls in parallel (each in its own activity with the tool's timeout and
 * retry policy), holds calls in `approval.tools` until a `decideToolCall` update or the approval timeout, and
 * creates the sandbox on first use and destroys it when the session ends. The workflow keeps only the sandbox's
 * reference; activities re-attach to it. The rules live in tool-calls.ts and tool-approvals.ts.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
} from '@temporalio/workflow';
import { FailureTypes } from '../shared/failure-types.js';
import type { ContentBlock, ToolUseBlock } from '../shared/schemas/content.js';
import type { ToolSpec } from '../shared/schemas/model-call.js';
import type { CarriedTools } from '../shared/schemas/session-carry.js';
import type { SandboxOptions, SessionInput } from '../shared/schemas/session-input.js';
import type { SessionStateView } from '../shared/schemas/session-messages.js';
import { SPAWN_AGENT_TOOL, spawnAgentToolSpec } from '../shared/schemas/sub-agents.js';
import type { ResolvedTool, SandboxReference, ToolCallOutput } from '../shared/schemas/tools.js';
import { NOT_RUN_IN_EVAL, type RecordedToolCall } from '../shared/schemas/recorded-tool-calls.js';
import { isPatched } from './patches.js';
import { RecordedToolCalls } from '../shared/recorded-tool-calls.js';
import { localToolActivities, sandboxActivities, toolActivities } from './session-activities.js';
import type { SessionConfig } from './session-config.js';
import type { SessionState } from './session-state.js';
import type { SubAgents } from './sub-agents.js';
import { describeOutcome, ToolApprovals } from './tool-approvals.js';
import {
  activityFailureMessage,
  describeActivityFailure,
  outputForUnapproved,
  planToolCalls,
  toolResultBlock,
  withEditedInputNote,
  type PlannedToolCall,
} from './tool-calls.js';


/**
 * `spawn_agent` as the other tools are known to the plan (approval, refusal): it runs in the workflow, as a child
 * session, so the activity fields are never used.
 */
const spawnAgentTool: ResolvedTool = {
  ...spawnAgentToolSpec,
  usesSandbox: false,
  timeoutMs: 0,
  retry: { maximumAttempts: 1, initialIntervalMs: 1000, backoffCoefficient: 1, maximumIntervalMs: 1000 },
  safeToRetry: false,
};

/** A short, single-line description of a call for the UI's activity summary. */
function summaryOf(tool: string, input: unknown): string {
  const detail = typeof input === 'object' && input !== null && 'command' in input ? String((input as { command: unknown }).command) : JSON.stringify(input);
  const line = `${tool}: ${detail ?? ''}`.replace(/\s+/g, ' ');
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

export interface SessionToolsDependencies {
  input: SessionInput;
  sessionId: string;
  state: SessionState;
  /** Reads the tools from the worker's configuration (see session-config.ts). */
  resolveTools: SessionConfig['resolveTools'];
  /** True for a run on the lean-steps path: it resolves tools without asking the older `keel-tools` patch. */
  leanSteps: boolean;
  /** Called when calls start or stop waiting for a decision. */
  onWaitingForApproval(waiting: boolean): void;
  /** Runs `spawn_agent` calls, when the session enabled it. */
  subAgents: SubAgents;
  /**
   * Whether the active profile runs calls as local activities (`modelCall.local`): then tools marked `safeToRetry`
   * run locally too. Asked at each call, as the profile may change during the session (failover, a switch).
   */
  callsLocally(): boolean;
}

export class SessionTools {
  readonly approvals = new ToolApprovals();
  #tools: ResolvedTool[] = [];
  #byName = new Map<string, ResolvedTool>();
  #sandboxOptions: SandboxOptions;
  #sandbox: SandboxReference | undefined;
  #creatingSandbox: Promise<SandboxReference> | undefined;
  /** In an eval session (`replay`): the recorded calls, answered from the record when matched. */
  readonly #recorded: RecordedToolCalls | undefined;

  /** @param carried what the previous run's tools left (continue-as-new): the session goes on with its sandbox. */
  constructor(
    readonly dependencies: SessionToolsDependencies,
    carried?: CarriedTools,
  ) {
    this.#sandboxOptions = dependencies.input.sandbox ?? { provider: 'none' };
    this.#sandbox = carried?.sandbox;
    this.#recorded = dependencies.input.replay ? new RecordedToolCalls(dependencies.input.replay, carried?.replayed) : undefined;
  }

  /**
   * Resolves the session's tools and sandbox through the `resolveTools` activity.
   * @throws ApplicationFailure (not retryable) naming an unknown tool or an unusable sandbox.
   */
  async resolve(): Promise<void> {
    const { input } = this.dependencies;
    // `spawn_agent` is the workflow's own: the worker's registry does not know it.
    const names = input.tools.filter((name) => name !== SPAWN_AGENT_TOOL);
    if (names.length > 0 && (this.dependencies.leanSteps || isPatched('tools'))) await this.#resolveFromWorker(names);
    if (this.dependencies.subAgents.enabled) {
      this.#tools.push(spawnAgentTool);
      this.#byName.set(SPAWN_AGENT_TOOL, spawnAgentTool);
    }
  }

  async #resolveFromWorker(names: string[]): Promise<void> {
    const { input } = this.dependencies;
    const resolved = await this.dependencies.resolveTools({ tools: names, ...(input.sandbox ? { sandbox: input.sandbox } : {}) }).catch((error: unknown) => {
      if (isCancellation(error)) throw error;
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : (error as Error);
      throw ApplicationFailure.create({
        type: (cause as Error & { type?: string }).type ?? FailureTypes.ToolFailed,
        message: `cannot set up the session's tools: ${cause.message}`,
        nonRetryable: true,
      });
    });
    this.#tools = resolved.tools;
    this.#byName = new Map(resolved.tools.map((tool) => [tool.name, tool]));
    this.#sandboxOptions = resolved.sandbox;
  }

  /** What the model is told about the tools. */
  specs(): ToolSpec[] {
    return this.#tools.map(({ name, description, inputSchema }) => ({ name, description, inputSchema }));
  }

  sandboxView(): SessionStateView['sandbox'] {
    return { provider: this.#sandboxOptions.provider, ...(this.#sandbox ? { id: this.#sandbox.id } : {}) };
  }

  /** Runs one turn's calls, in parallel, and returns their results in the model's order. */
  async run(calls: ToolUseBlock[]): Promise<ContentBlock[]> {
    const plan = planToolCalls(calls, { tools: this.#byName, approvalTools: new Set(this.dependencies.input.approval.tools) });
    this.dependencies.subAgents.planBatch(plan.filter((planned) => planned.action !== 'refuse' && planned.tool.name === SPAWN_AGENT_TOOL).length);
    const outputs = await Promise.all(plan.map((planned) => this.#handle(planned)));
    return plan.map((planned, index) => toolResultBlock(planned.call, outputs[index]!));
  }

  async #handle(planned: PlannedToolCall): Promise<ToolCallOutput> {
    // Matched synchronously, in the model's order, before anything awaits: which call takes which record is
    // the same on replay.
    if (this.#recorded && planned.action !== 'refuse') {
      const recorded = this.#recorded.take(planned.call.name, planned.call.input);
      return recorded ? this.#answerFromRecord(planned.call, recorded) : this.#runDivergent(planned);
    }
    switch (planned.action) {
      case 'refuse':
        return planned.output;
      case 'run':
        return this.#execute(planned.tool, planned.call, planned.call.input);
      case 'await-approval':
        return this.#awaitApproval(planned.tool, planned.call);
    }
  }

  /** A matched call: the recorded result, with the recorded human decision applied (no activity, no effect). */
  #answerFromRecord(call: ToolUseBlock, recorded: RecordedToolCall): ToolCallOutput {
    if (recorded.decision !== undefined) this.dependencies.state.addMarker('tool-decision', `${call.name} ${call.id}: the recorded decision, replayed: ${recorded.decision}`);
    return { content: recorded.content, isError: recorded.isError, ...(recorded.storedRef ? { storedRef: recorded.storedRef } : {}) };
  }

  /**
   * A call that matches no recorded one. Only a sandbox tool runs, in a sandbox whose files are the recorded
   * session's at that point; a call that would act outside the sandbox, or wait for a decision nobody recorded, is
   * answered as not run (and so reported divergent).
   */
  async #runDivergent(planned: Exclude<PlannedToolCall, { action: 'refuse' }>): Promise<ToolCallOutput> {
    const notRun = (why: string): ToolCallOutput => ({ content: `${NOT_RUN_IN_EVAL} ${why}`, isError: true });
    const { tool, call } = planned;
    if (planned.action === 'await-approval') return notRun('the call differs from the recorded ones and needs an approval the recorded session never gave');
    if (tool === spawnAgentTool || !tool.usesSandbox) return notRun('the call differs from the recorded ones and its tool acts outside the sandbox');
    if (!this.#sandbox && !this.#creatingSandbox) {
      const base = this.#recorded!.divergenceBase();
      if (base.kind === 'missing') return notRun(`the call differs from the recorded ones and the recorded sandbox of turn ${base.turn} has no snapshot (${base.why})`);
      if (base.kind === 'snapshot') {
        if (this.#sandboxOptions.provider !== 'local') return notRun(`the call differs from the recorded ones and snapshots restore into local sandboxes only`);
        this.#sandboxOptions = { ...this.#sandboxOptions, fromSnapshot: base.snapshotId };
      }
    }
    return this.#execute(tool, call, call.input);
  }

  async #awaitApproval(tool: ResolvedTool, call: ToolUseBlock): Promise<ToolCallOutput> {
    const { state } = this.dependencies;
    this.approvals.request(call, state.turn);
    this.dependencies.onWaitingForApproval(true);
    const timeoutSeconds = state.limits.approvalTimeoutSeconds;
    const settled = (): boolean => this.approvals.outcomeOf(call.id) !== undefined || state.interruptRequested !== undefined;
    if (timeoutSeconds === undefined) await condition(settled);
    else await condition(settled, timeoutSeconds * 1000);
    if (!this.approvals.outcomeOf(call.id)) {
      this.approvals.close(
        call.id,
        state.interruptRequested !== undefined
          ? { kind: 'interrupted', reason: state.interruptRequested }
          : { kind: 'timed-out', afterSeconds: timeoutSeconds ?? 0 },
      );
    }
    this.dependencies.onWaitingForApproval(this.approvals.hasPending());
    const outcome = this.approvals.outcomeOf(call.id)!;
    state.addMarker('tool-decision', describeOutcome(call, outcome));
    if (outcome.kind !== 'approved') return outputForUnapproved(outcome);
    const output = await this.#execute(tool, call, outcome.input);
    return outcome.edited ? withEditedInputNote(output, outcome.input) : output;
  }

  async #execute(tool: ResolvedTool, call: ToolUseBlock, input: unknown): Promise<ToolCallOutput> {
    if (tool === spawnAgentTool) return this.dependencies.subAgents.spawn(input);
    let sandbox: SandboxReference | undefined;
    if (tool.usesSandbox) {
      try {
        sandbox = await this.#ensureSandbox();
      } catch (error) {
        if (isCancellation(error)) throw error;
        return { content: activityFailureMessage(tool, `its sandbox could not be created: ${describeActivityFailure(error, tool)}`), isError: true };
      }
    }
    const retry = {
      initialInterval: tool.retry.initialIntervalMs,
      backoffCoefficient: tool.retry.backoffCoefficient,
      maximumInterval: tool.retry.maximumIntervalMs,
      // A tool that is not safe to run twice gets one attempt, whatever its policy says.
      maximumAttempts: tool.safeToRetry ? tool.retry.maximumAttempts : 1,
    };
    const request = { sessionId: this.dependencies.sessionId, toolUseId: call.id, tool: tool.name, input, ...(sandbox ? { sandbox } : {}) };
    const summary = summaryOf(tool.name, input);
    try {
      // Only a tool safe to run twice may run locally: a worker lost mid-task runs the whole workflow task again, and
      // with it every local activity whose marker was not yet recorded. One that is not stays an ordinary activity,
      // run at most once.
      if (tool.safeToRetry && this.dependencies.callsLocally()) {
        return await localToolActivities.runTool.executeWithOptions({ summary, startToCloseTimeout: tool.timeoutMs, retry }, [request]);
      }
      return await toolActivities.runTool.executeWithOptions(
        {
          summary,
          startToCloseTimeout: tool.timeoutMs,
          ...(tool.heartbeatTimeoutMs !== undefined ? { heartbeatTimeout: tool.heartbeatTimeoutMs } : {}),
          retry,
        },
        [request],
      );
    } catch (error) {
      if (isCancellation(error)) throw error;
      return { content: activityFailureMessage(tool, describeActivityFailure(error, tool)), isError: true };
    }
  }

  /** The session's sandbox, created by the first call that needs it; parallel calls share one creation. */
  #ensureSandbox(): Promise<SandboxReference> {
    if (this.#sandbox) return Promise.resolve(this.#sandbox);
    this.#creatingSandbox ??= sandboxActivities.createSandbox({ sessionId: this.dependencies.sessionId, sandbox: this.#sandboxOptions }).then(
      (ref) => {
        this.#sandbox = ref;
        return ref;
      },
      (error: unknown) => {
        // The next call tries again.
        this.#creatingSandbox = undefined;
        throw error;
      },
    );
    return this.#creatingSandbox;
  }

  /** What the session's next run needs when it continues as new: the sandbox's reference (its files live on). */
  toCarry(): CarriedTools {
    return { ...(this.#sandbox ? { sandbox: this.#sandbox } : {}), ...(this.#recorded ? { replayed: this.#recorded.toCarry() } : {}) };
  }

  /**
   * Removes the sandbox, if one was created. Runs in a non-cancellable scope so that a cancelled session still
   * cleans up; a failure is logged, never raised (the session's outcome stands).
   */
  async dispose(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      if (this.#creatingSandbox) await this.#creatingSandbox.catch(() => undefined);
      const sandbox = this.#sandbox;
      if (!sandbox) return;
      try {
        await sandboxActivities.destroySandbox(sandbox);
        this.#sandbox = undefined;
      } catch (error) {
        log.warn('could not remove the session sandbox', { sandbox: sandbox.id, error: error instanceof Error ? error.message : String(error) });
      }
    });
  }
}
