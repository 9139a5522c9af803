/**
 * What the E2B stand-in records (every call, for tests to assert on) and the faults a test can inject into its
 * control plane. Dev/test code only.
 */

/** Control-plane operations, named for the SDK calls that reach them. */
export type ControlPlaneOperation = 'create' | 'list' | 'connect' | 'getInfo' | 'setTimeout' | 'kill';

export interface StandInCall {
  api: 'control-plane' | 'envd';
  /** A {@link ControlPlaneOperation}, an RPC (`process.Process/Start`) or an HTTP route (`GET /files`). */
  operation: string;
  sandboxId?: string;
  /** HTTP status answered (0 when the connection was dropped). Connect streams record 200 at their start. */
  status: number;
  at: Date;
}

/**
 * A failure the control plane gives the next call of one operation instead of its answer, or a late answer: with
 * only `delayMs`, the call succeeds but answers late (its effect, a list's contents, is fixed when it arrives).
 */
export interface StandInFault {
  /** HTTP status of the error answer, with an E2B error body. @default 500, unless only `delayMs` is given */
  status?: number;
  message?: string;
  /** Destroy the connection without answering instead. */
  dropConnection?: boolean;
  /** Wait this long before answering, ms. */
  delayMs?: number;
  /**
   * Whether the operation takes effect before the failure, so only the answer is lost (a create that made its
   * sandbox, a kill that killed). @default true
   */
  afterEffect?: boolean;
}

export class StandInJournal {
  readonly calls: StandInCall[] = [];
  private readonly faults = new Map<ControlPlaneOperation, StandInFault[]>();

  record(call: Omit<StandInCall, 'at'>): void {
    this.calls.push({ ...call, at: new Date() });
  }

  /** Queues `fault` for the next call of `operation`; several queue in order. */
  failNext(operation: ControlPlaneOperation, fault: StandInFault = {}): void {
    const queue = this.faults.get(operation) ?? [];
    queue.push(fault);
    this.faults.set(operation, queue);
  }

  takeFault(operation: ControlPlaneOperation): StandInFault | undefined {
    return this.faults.get(operation)?.shift();
  }

  /** Calls of one operation (any api), in order. */
  callsOf(operation: string): StandInCall[] {
    return this.calls.filter((call) => call.operation === operation);
  }
}
