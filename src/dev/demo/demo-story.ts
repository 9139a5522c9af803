/**
 * The three sessions `npm run demo` runs, one per thing Keel is for: code written and run in the local sandbox, a
 * tool call that waits for a person's approval, and a worker killed in the middle of a model call. The demo starts
 * them with these inputs; the offline demo model (`demo-story-responder.ts`) recognises each by its task and plays
 * its part, so the same words drive Claude when an API key is set. Dev tooling.
 */
import type { SessionInputRequest } from '../../shared/schemas/session-input.js';

export type DemoStep = 'sandbox' | 'approval' | 'recovery';

export const demoTasks: Record<DemoStep, string> = {
  sandbox: 'Write a Python program primes.py that prints the first ten prime numbers, then run it with python3 and tell me what it printed.',
  approval: 'Record the release: run `echo "release 1.0.0 approved" > RELEASE && cat RELEASE` in the shell.',
  recovery: 'In about a hundred words, explain why an agent session should survive the crash of the process running it.',
};

/** The program the offline model writes in the sandbox step. */
export const demoPrimesProgram = [
  'primes = [n for n in range(2, 100) if all(n % d for d in range(2, int(n ** 0.5) + 1))][:10]',
  'print("the first ten primes:", " ".join(map(str, primes)))',
  '',
].join('\n');

/** The shell command of the approval step. */
export const demoApprovalCommand = 'echo "release 1.0.0 approved" > RELEASE && cat RELEASE';

/** The session input of each step, on the given profile. */
export function demoSessionInput(step: DemoStep, profile: string): SessionInputRequest {
  const base = { profile, messages: [{ role: 'user' as const, content: demoTasks[step] }], metadata: { origin: 'demo', step } };
  switch (step) {
    case 'sandbox':
      return { ...base, tools: ['write_file', 'bash'] };
    case 'approval':
      // Every bash call of this session waits for a decision (state.pendingApprovals, the decideToolCall update).
      return { ...base, tools: ['bash'], approval: { tools: ['bash'] } };
    case 'recovery':
      return base;
  }
}

/** Which step a conversation belongs to, by its first user message; undefined for any other. */
export function demoStepOf(firstUserText: string): DemoStep | undefined {
  return (Object.keys(demoTasks) as DemoStep[]).find((step) => firstUserText.includes(demoTasks[step]));
}
