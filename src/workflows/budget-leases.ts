/**
 * Budget leases: what keeps a whole tree of sessions within one model call of the root's spend limits.
 *
 * A child's share of its parent's budget (sub-agents.ts) is its own hard limit, but shares alone do not hold the
 * root's limit: every running child may start one call just below its share, so n children at once overran by up to
 * n calls. Cancelling the children once the reported total reaches the limit does not either: every call that ends
 * before the cancellation reaches its child still counts (a race per running child, longer per level of the tree).
 *
 * So before each model call a sub-agent asks its parent for a lease (a `childReport` carrying `lease`), a middle
 * session asks its own parent in turn (its room alone is not enough), and the root decides from the whole tree's
 * spend:
 * - past a limit, no lease: the sub-agent ends `limit_reached` naming the limit;
 * - with no lease out, one lease: that call may cross the limit, and it is the only one in flight;
 * - with leases out, one more only while all calls in flight, each as large as the largest call seen in the tree so
 *   far, still fit under the limits (`SessionSpend.roomFor`); otherwise the request waits for a lease to come back.
 * A call that can cross the limit therefore runs alone, and the tree ends at most one call past the limit. The one
 * caveat: calls in flight together that grow past the largest call seen can add that growth. A lease comes back with
 * its caller's next report (after the call, or at once when an interrupt stops the wait), or when its child ends.
 *
 * Each call costs a signal up and one down per level; a root without limits grants at once. Workflow code.
 */
import { condition, getExternalWorkflowHandle, isCancellation, log, uuid4 } from '@temporalio/workflow';
import { budgetLeaseSignal } from '../shared/messages.js';
import { checkClientArgument } from '../shared/schemas/client-argument.js';
import { budgetLeaseSchema, type BudgetLease } from '../shared/schemas/sub-agents.js';
import type { SessionState } from './session-state.js';

/** What the next model call of a sub-agent may do: go ahead, stop at a limit, or neither (it was interrupted). */
export type LeaseOutcome = { granted: true } | { granted: false; limit: string } | { interrupted: true };

/** A child's request for a lease, waiting for this session to decide. */
interface LeaseRequest {
  /** The child that asked (and gets the answer). */
  child: string;
  /** The session whose model call it is: the child or one of its descendants. */
  caller: string;
  lease: string;
}

export interface BudgetLeasesDependencies {
  state: SessionState;
  sessionId: string;
  /** The parent session, when this one is a sub-agent. */
  parent: string | undefined;
  /** Signals the parent this session's report, about `caller`'s call, asking `lease`; true once sent. */
  signalParent(about: { caller?: string; lease?: string }): Promise<boolean>;
}

export class BudgetLeases {
  readonly #dependencies: BudgetLeasesDependencies;
  /** Lease requests of this session's children, waiting for room, in arrival order. */
  readonly #waiting: LeaseRequest[] = [];
  /** Callers holding a lease this session granted (or asked its parent for), until they give it back. */
  readonly #leased = new Set<string>();
  /** Leases this session asked its parent for, by lease id: where the answer goes. */
  readonly #asked = new Map<string, (answer: BudgetLease) => void>();

  constructor(dependencies: BudgetLeasesDependencies) {
    this.#dependencies = dependencies;
  }

  /**
   * A child's report about `caller`: its call is done (a caller makes one call at a time, so whatever it held or
   * asked before is settled), and with `lease` it asks for the next one.
   */
  reported(child: string, caller: string, lease: string | undefined): void {
    this.#leased.delete(caller);
    for (let index = this.#waiting.length - 1; index >= 0; index -= 1) if (this.#waiting[index]!.caller === caller) this.#waiting.splice(index, 1);
    if (lease !== undefined) this.#waiting.push({ child, caller, lease });
    this.#decide();
  }

  /** A child that ended holds no lease and waits for none, nor do its own sub-agents (they were closed with it). */
  childEnded(id: string): void {
    const ofChild = (caller: string): boolean => caller === id || caller.startsWith(`${id}/`);
    for (const caller of [...this.#leased]) if (ofChild(caller)) this.#leased.delete(caller);
    for (let index = this.#waiting.length - 1; index >= 0; index -= 1) if (this.#waiting[index]!.child === id) this.#waiting.splice(index, 1);
    this.#decide();
  }

  /** Answers the waiting requests it can, in order: refused past a limit, granted (or asked upward) with room. */
  #decide(): void {
    const { state, parent } = this.#dependencies;
    while (this.#waiting.length > 0) {
      const request = this.#waiting[0]!;
      const limit = state.spend.exceeded(state.limits);
      if (!limit && this.#leased.size > 0 && !state.spend.roomFor(state.limits, this.#leased.size + 1)) return;
      this.#waiting.shift();
      if (limit) {
        void this.#answer(request, { lease: request.lease, granted: false, limit });
        continue;
      }
      this.#leased.add(request.caller);
      if (!parent) {
        void this.#answer(request, { lease: request.lease, granted: true });
        continue;
      }
      this.#askParent(request.caller, (answer) => {
        if (!answer.granted) this.#leased.delete(request.caller);
        void this.#answer(request, { ...answer, lease: request.lease });
        this.#decide();
      });
    }
  }

  /** The `budgetLease` signal: the parent's answer to a lease this session asked for; any other is dropped. */
  answered(raw: unknown): void {
    const checked = checkClientArgument(budgetLeaseSchema, raw, 'budget lease');
    if (!checked.ok) return log.warn(`budgetLease ignored: ${checked.reason}`);
    const deliver = this.#asked.get(checked.value.lease);
    if (!deliver) return log.warn('budgetLease ignored: this session asked for no such lease');
    this.#asked.delete(checked.value.lease);
    deliver(checked.value);
  }

  /**
   * In a sub-agent, before each model call: waits for the tree's lease for it (a root session has nothing to ask).
   * An interrupt stops the wait and gives the lease back.
   */
  async forOwnCall(): Promise<LeaseOutcome> {
    const { state, sessionId, parent } = this.#dependencies;
    if (!parent) return { granted: true };
    let answer: BudgetLease | undefined;
    const lease = this.#askParent(sessionId, (received) => {
      answer = received;
    });
    await condition(() => answer !== undefined || state.interruptRequested !== undefined);
    if (answer === undefined) {
      this.#asked.delete(lease);
      // A report settles what this session asked, so that the other sub-agents need not wait for this call.
      await this.#dependencies.signalParent({});
      return { interrupted: true };
    }
    return answer.granted ? { granted: true } : { granted: false, limit: answer.limit ?? 'a limit of the parent session' };
  }

  async #answer(request: LeaseRequest, answer: BudgetLease): Promise<void> {
    try {
      await getExternalWorkflowHandle(request.child).signal(budgetLeaseSignal, answer);
    } catch (error) {
      // A child that ended meanwhile needs no answer.
      if (!isCancellation(error)) log.warn('could not answer a sub-agent\'s lease request', { child: request.child, error: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Asks the parent for a lease for `caller`'s next model call; `deliver` gets the answer. Returns the lease id. */
  #askParent(caller: string, deliver: (answer: BudgetLease) => void): string {
    const lease = uuid4();
    this.#asked.set(lease, deliver);
    void this.#dependencies.signalParent({ caller, lease }).then(
      (sent) => {
        // A parent that cannot be told is closing (and has this session cancelled): no call goes ahead meanwhile.
        if (!sent && this.#asked.delete(lease)) deliver({ lease, granted: false, limit: 'the parent session is gone' });
      },
      // Cancelled: so is the wait for the answer.
      () => undefined,
    );
    return lease;
  }
}
