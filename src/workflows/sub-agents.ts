/**
 * Sub-agents (CONTRACT.md, "Sub-agents"): `spawn_agent` runs a child `agentSession` (workflow id
 * `<parent id>/agent-<n>`, task mode) and answers the model with its final text. The calls of one turn start their
 * children together, so they run at once.
 *
 * Spend: each child starts with a slice of what the parent has left (its share of the turn's children, and no more
 * than the model asked) as its own hard limit; each reports its whole spend after every model call (the
 * `childReport` signal, awaited, so the last report is in the parent's history before the child ends), and a middle
 * session forwards its children's reports upward at once, so the root counts a grandchild's call in `state.spend` as
 * soon as it is made. A parent that reaches a limit or is interrupted cancels its running children.
 *
 * Before each model call a sub-agent waits for a budget lease from the root (budget-leases.ts), which keeps the
 * whole tree within one model call of the root's limit.
 *
 * Cancelling the parent cancels its children (the cancellation scope, waiting for them to end). A parent that closes
 * any other way (failed, timed out, terminated, reset) has them cancelled by the server (`ParentClosePolicy.
 * REQUEST_CANCEL`): each ends `cancelled` and removes its sandbox. A parent whose workflow task fails is not closed
 * (Temporal retries the task): its children go on, and their reports and lease requests wait for it. A child that
 * fails or stops short is a tool error for the model; the parent goes on. Workflow code.
 */
import {
  CancellationScope,
  ChildWorkflowCancellationType,
  condition,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import { childReportSignal } from '../shared/messages.js';
import { checkClientArgument } from '../shared/schemas/client-argument.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import type { CarriedSubAgents } from '../shared/schemas/session-carry.js';
import type { SessionInput } from '../shared/schemas/session-input.js';
import type { SessionResult } from '../shared/schemas/session-messages.js';
import {
  childReportSchema,
  SPAWN_AGENT_TOOL,
  spawnAgentInputSchema,
  type ChildSession,
  type ChildSessionView,
  type SpawnAgentInput,
} from '../shared/schemas/sub-agents.js';
import type { ToolCallOutput } from '../shared/schemas/tools.js';
import { BudgetLeases, type LeaseOutcome } from './budget-leases.js';
import type { SessionState } from './session-state.js';

/** The workflow type children run (the contract's), named rather than imported: this module is part of it. */
const agentSessionType = 'agentSession';

const finalStatuses = new Set<ChildSession['status']>(['completed', 'cancelled', 'limit_reached', 'failed']);

export interface SubAgentsDependencies {
  input: SessionInput;
  sessionId: string;
  state: SessionState;
  /** Called when a child's state or spend changes. */
  onChange(): void;
}

/** What each child of the batch starting now may spend at most: the parent's remaining budget, shared. */
interface BudgetShare {
  maxTokens?: number;
  maxCostUsd?: number;
}

function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause : undefined;
  // A child's failure arrives as a ChildWorkflowFailure whose cause says what went wrong.
  return cause ? `${cause.message}${cause.cause instanceof Error ? `: ${cause.cause.message}` : ''}` : error.message;
}

export class SubAgents {
  readonly #dependencies: SubAgentsDependencies;
  /** Children started so far: the next one is number `started + 1`. */
  #started: number;
  readonly #children = new Map<string, ChildSession>();
  #share: BudgetShare = {};
  /** The parent session this one reports to, when it is a sub-agent. */
  readonly #parent: string | undefined;
  readonly #leases: BudgetLeases;

  /** @param carried what the previous run's sub-agents left (continue-as-new). */
  constructor(dependencies: SubAgentsDependencies, carried?: CarriedSubAgents) {
    this.#dependencies = dependencies;
    const parent = workflowInfo().parent;
    // Only a session's own sub-agents report: an agentSession that another workflow started as its child does not.
    this.#parent = parent && dependencies.sessionId.startsWith(`${parent.workflowId}/agent-`) ? parent.workflowId : undefined;
    this.#leases = new BudgetLeases({
      state: dependencies.state,
      sessionId: dependencies.sessionId,
      parent: this.#parent,
      signalParent: (about) => this.#signalParent(about),
    });
    this.#started = carried?.started ?? 0;
    for (const child of carried?.children ?? []) this.#children.set(child.id, { ...child });
  }

  /** Why the running children must stop now (the parent was interrupted or reached a spend limit), if they must. */
  #stopReason(): string | undefined {
    const { state } = this.#dependencies;
    if (state.interruptRequested !== undefined) return `the parent session was interrupted (${state.interruptRequested})`;
    const limit = state.spend.exceeded(state.limits);
    return limit ? `the parent session reached its limit ${limit}` : undefined;
  }

  /** True when the session enabled `spawn_agent` in its `tools`. */
  get enabled(): boolean {
    return this.#dependencies.input.tools.includes(SPAWN_AGENT_TOOL);
  }

  /**
   * Shares what the session has left among `count` children about to start together: each may spend at most its
   * share, so that together they stay within the parent's limits.
   */
  planBatch(count: number): void {
    if (count === 0) return;
    const { state } = this.#dependencies;
    const left = (limit: number | undefined, used: number): number | undefined => (limit === undefined ? undefined : Math.max(0, limit - used) / count);
    const maxTokens = left(state.limits.maxTokens, state.spend.totalTokens());
    const maxCostUsd = left(state.limits.maxCostUsd, state.usage.costUsd);
    this.#share = { ...(maxTokens !== undefined ? { maxTokens: Math.floor(maxTokens) } : {}), ...(maxCostUsd !== undefined ? { maxCostUsd } : {}) };
  }

  /** Runs one `spawn_agent` call: a child session on its task, to its end. Never throws but for the parent's cancellation. */
  async spawn(rawInput: unknown): Promise<ToolCallOutput> {
    const parsed = spawnAgentInputSchema.safeParse(rawInput);
    if (!parsed.success) return { content: `invalid spawn_agent input: ${describeIssues(parsed.error)}`, isError: true };
    const planned = this.#childInput(parsed.data);
    if (typeof planned === 'string') return { content: `spawn_agent refused: ${planned}`, isError: true };
    this.#started += 1;
    const id = `${this.#dependencies.sessionId}/agent-${this.#started}`;
    this.#children.set(id, { id, status: 'running', turns: 0 });
    this.#dependencies.onChange();
    try {
      const result = await this.#run(id, planned);
      this.#finished(id, result.status, result.turns);
      return this.#output(id, result);
    } catch (error) {
      if (isCancellation(error) && CancellationScope.current().consideredCancelled) throw error;
      const stopped = this.#stopReason();
      this.#finished(id, isCancellation(error) ? 'cancelled' : 'failed', this.#children.get(id)?.turns ?? 0);
      if (isCancellation(error)) return { content: `[sub-agent ${id}] cancelled: ${stopped ?? 'its run was cancelled'}`, isError: true };
      return { content: `[sub-agent ${id}] failed: ${errorMessage(error)}`, isError: true };
    }
  }

  /** The child's input, or why it cannot start. */
  #childInput(request: SpawnAgentInput): SessionInput | string {
    const { input } = this.#dependencies;
    const own = input.tools;
    const tools = request.tools ?? own.filter((tool) => tool !== SPAWN_AGENT_TOOL);
    const foreign = tools.filter((tool) => !own.includes(tool));
    if (foreign.length > 0) return `a sub-agent may only use this session's own tools; not: ${foreign.join(', ')}`;
    const share = this.#share;
    const maxTokens = share.maxTokens === undefined ? request.maxTokens : Math.min(share.maxTokens, request.maxTokens ?? Infinity);
    const maxCostUsd = share.maxCostUsd === undefined ? request.maxCostUsd : Math.min(share.maxCostUsd, request.maxCostUsd ?? Infinity);
    if (maxTokens !== undefined && maxTokens < 1) return 'this session has no tokens left to give a sub-agent (maxTokens)';
    if (maxCostUsd !== undefined && maxCostUsd <= 0) return 'this session has no budget left to give a sub-agent (maxCostUsd)';
    const { fromSnapshot: _fromSnapshot, ...sandbox } = input.sandbox ?? { provider: 'none' as const };
    const approvalTimeoutSeconds = input.limits.approvalTimeoutSeconds;
    return {
      profile: request.profile ?? input.profile,
      messages: [{ role: 'user', content: request.task }],
      tools,
      ...(input.sandbox ? { sandbox } : {}),
      mode: 'task',
      limits: {
        ...(maxTokens !== undefined ? { maxTokens } : {}),
        ...(maxCostUsd !== undefined ? { maxCostUsd } : {}),
        ...(approvalTimeoutSeconds !== undefined ? { approvalTimeoutSeconds } : {}),
      },
      // A sub-agent's calls to the tools a human must approve wait for a decision too (on the child's id).
      approval: { tools: input.approval.tools.filter((tool) => tools.includes(tool)) },
      metadata: { ...input.metadata },
    };
  }

  /** Runs the child to its end; cancels it when the parent is interrupted or reaches a limit. */
  async #run(id: string, input: SessionInput): Promise<SessionResult> {
    const child = new CancellationScope();
    const watch = new CancellationScope();
    const stopping = watch
      .run(() => condition(() => this.#stopReason() !== undefined))
      .then(
        () => child.cancel(),
        () => undefined,
      );
    try {
      return await child.run(() =>
        executeChild<(input: SessionInput) => Promise<SessionResult>>(agentSessionType, {
          workflowId: id,
          args: [input],
          // A parent that fails or is terminated takes its children with it; one that is cancelled waits for them.
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
          staticSummary: `sub-agent of ${this.#dependencies.sessionId}`,
        }),
      );
    } finally {
      watch.cancel();
      await stopping;
    }
  }

  #finished(id: string, status: ChildSession['status'], turns: number): void {
    const child = this.#children.get(id);
    if (child) Object.assign(child, { status, turns });
    this.#leases.childEnded(id);
    this.#dependencies.onChange();
  }

  #output(id: string, result: SessionResult): ToolCallOutput {
    const text = result.finalText || '(no text)';
    if (result.status === 'completed') return { content: text, isError: false };
    const why = result.status === 'limit_reached' ? `stopped at its limit ${result.limit ?? ''}`.trim() : `cancelled: ${this.#stopReason() ?? 'from outside'},`;
    return { content: `[sub-agent ${id}] ${why} after ${result.turns} turn(s); its last text: ${text}`, isError: true };
  }

  /**
   * The `childReport` signal: a running child's state and whole spend so far, after a model call in its subtree, or
   * with a lease request before one. One that is not from a running child of this session (or names a caller outside
   * its subtree) is dropped with a log line; reports are cumulative, so an older one never replaces a newer one. A
   * middle session passes the news up at once: the report, or the lease request once it has room for it.
   */
  report(raw: unknown): void {
    const checked = checkClientArgument(childReportSchema, raw, 'child report');
    if (!checked.ok) return log.warn(`childReport ignored: ${checked.reason}`);
    const report = checked.value;
    const child = this.#children.get(report.id);
    if (!child || finalStatuses.has(child.status)) return log.warn('childReport ignored: not from a running sub-agent of this session');
    const caller = report.caller ?? report.id;
    if (caller !== report.id && !caller.startsWith(`${report.id}/agent-`)) return log.warn('childReport ignored: its caller is not of the reporting sub-agent');
    if (report.turns >= child.turns) {
      Object.assign(child, { status: report.status, turns: report.turns });
      this.#dependencies.state.spend.childSpent(report.id, report.spend);
    }
    if (report.lease === undefined && this.#parent) void this.#signalParent({ caller }).catch(() => false);
    this.#leases.reported(report.id, caller, report.lease);
    this.#dependencies.onChange();
  }

  /** The `budgetLease` signal (budget-leases.ts). */
  leaseAnswered(raw: unknown): void {
    this.#leases.answered(raw);
  }

  /** In a sub-agent, before each model call: the tree's lease for it (budget-leases.ts). */
  lease(): Promise<LeaseOutcome> {
    return this.#leases.forOwnCall();
  }

  /** Signals the parent this session's state and whole spend; true once sent. */
  async #signalParent(about: { caller?: string; lease?: string }): Promise<boolean> {
    const { state, sessionId } = this.#dependencies;
    if (!this.#parent) return false;
    try {
      await getExternalWorkflowHandle(this.#parent).signal(childReportSignal, {
        id: sessionId,
        status: state.status,
        turns: state.turn,
        spend: state.spend.tree(),
        ...(about.caller !== undefined && about.caller !== sessionId ? { caller: about.caller } : {}),
        ...(about.lease !== undefined ? { lease: about.lease } : {}),
      });
      return true;
    } catch (error) {
      if (isCancellation(error)) throw error;
      log.warn('could not report to the parent session', { parent: this.#parent, error: errorMessage(error) });
      return false;
    }
  }

  /** In a sub-agent: tells the parent its state and spend (after each model call). A parent that is gone is logged. */
  async reportToParent(): Promise<void> {
    if (this.#parent) await this.#signalParent({});
  }

  /** `state.children`. */
  view(): ChildSessionView[] {
    return [...this.#children.values()].map((child) => ({ ...child, usage: this.#dependencies.state.spend.childUsage(child.id) }));
  }

  toCarry(): CarriedSubAgents {
    return { started: this.#started, children: [...this.#children.values()].map((child) => ({ ...child })) };
  }
}
