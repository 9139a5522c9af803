/**
 * Sub-agents (CONTRACT.md, "Sub-agents"): the built-in `spawn_agent` tool, which runs a child `agentSession` in task
 * mode and answers with its final text, and what a child tells its parent as it goes (the `childReport` signal), so
 * that the parent's limits and its `state.spend` count the whole tree. Bundle-safe.
 */
import { z } from 'zod';
import type { ToolSpec } from './model-call.js';
import { toModelJsonSchema } from './model-json-schema.js';
import { sessionStatusSchema, type Usage } from './session-status.js';
import { nanoSpendSchema } from './spend.js';

/** The tool's name, as models and the session's `tools` input see it. */
export const SPAWN_AGENT_TOOL = 'spawn_agent';

export const spawnAgentInputSchema = z.strictObject({
  task: z.string().trim().min(1).max(100_000).describe('What the sub-agent is to do, with everything it needs to know: it sees nothing else of this conversation.'),
  profile: z.string().min(1).max(256).optional().describe('The model profile it runs on; by default this session\'s.'),
  tools: z
    .array(z.string().min(1).max(256))
    .max(100)
    .optional()
    .describe('The tools it may use, among this session\'s own; by default all of them but spawn_agent.'),
  maxTokens: z.number().int().positive().max(1e12).optional().describe('Most tokens it may spend (it never gets more than this session has left).'),
  maxCostUsd: z.number().positive().max(1e6).optional().describe('Most US dollars it may spend (it never gets more than this session has left).'),
});
export type SpawnAgentInput = z.infer<typeof spawnAgentInputSchema>;

/** What the model is told about `spawn_agent`. */
export const spawnAgentToolSpec: ToolSpec = {
  name: SPAWN_AGENT_TOOL,
  description:
    'Runs a sub-agent on a task of its own, with its own context and budget, and returns its final answer. ' +
    'Several spawn_agent calls in one turn run at the same time. Its spend counts against this session\'s limits.',
  inputSchema: toModelJsonSchema(spawnAgentInputSchema),
};

/** A sub-agent as its parent keeps it. */
export const childSessionSchema = z.strictObject({
  /** Its workflow id, `<parent id>/agent-<n>`. */
  id: z.string().min(1).max(2048),
  /** The child's session status, or `failed` when its workflow failed. */
  status: z.union([sessionStatusSchema, z.literal('failed')]),
  turns: z.number().int().nonnegative(),
});
export type ChildSession = z.infer<typeof childSessionSchema>;

/** A sub-agent as `state.children` lists it. */
export interface ChildSessionView extends ChildSession {
  /** What it spent, its own sub-agents included. */
  usage: Usage;
}

/** A budget lease's id: a sub-agent asks for one before each model call, and the answer names it. */
const leaseIdSchema = z.string().min(1).max(64);

/**
 * What a sub-agent signals its parent after each of its model calls (and a middle session forwards at once for its
 * own sub-agents): its state and its whole spend so far. With `lease` it also asks for a budget lease for the next
 * model call of `caller`.
 */
export const childReportSchema = childSessionSchema.extend({
  spend: nanoSpendSchema,
  /** The session whose model call this is about: the reporter itself (the default) or one of its descendants. */
  caller: z.string().min(1).max(2048).optional(),
  /** Asks for a budget lease for `caller`'s next model call; the parent answers with `budgetLease`. */
  lease: leaseIdSchema.optional(),
});
export type ChildReport = z.infer<typeof childReportSchema>;

/** A parent's answer to a lease request: the call may go ahead, or not, naming the limit that stops it. */
export const budgetLeaseSchema = z.strictObject({
  lease: leaseIdSchema,
  granted: z.boolean(),
  limit: z.string().min(1).max(256).optional(),
});
export type BudgetLease = z.infer<typeof budgetLeaseSchema>;
