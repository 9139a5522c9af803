/**
 * The `state` query's answer, read from the session's parts. Pure and deterministic (workflow code).
 */
import type { SessionStateView } from '../shared/schemas/session-messages.js';
import { triggerTokens } from './context-policy.js';
import type { SessionState } from './session-state.js';

function contextView(state: SessionState): SessionStateView['context'] {
  const policy = state.profile?.contextPolicy;
  const window = state.profile?.contextWindow ?? 0;
  const trigger = policy ? triggerTokens(policy, window) : undefined;
  return {
    strategy: policy?.strategy ?? 'none',
    contextWindow: window,
    ...(state.lastContextTokens !== undefined ? { lastInputTokens: state.lastContextTokens } : {}),
    ...(trigger !== undefined ? { triggerTokens: trigger } : {}),
    systemPrompt: state.systemInContext,
  };
}

/** What `state` answers: the session's state, its sandbox, the tool calls waiting for a decision, its sub-agents. */
export function sessionStateView(
  state: SessionState,
  parts: Pick<SessionStateView, 'sandbox' | 'pendingApprovals' | 'children'>,
): SessionStateView {
  const pause = state.spend.pause;
  return {
    status: state.status,
    turn: state.turn,
    usage: { ...state.usage },
    pendingApprovals: parts.pendingApprovals,
    contextEpoch: state.contextEpoch,
    profile: state.profile?.name ?? state.input.profile,
    model: state.profile?.model ?? '',
    mode: state.input.mode,
    sandbox: parts.sandbox,
    queuedMessages: state.queue.length,
    ...(state.lastError ? { lastError: state.lastError } : {}),
    ...(state.limitReached ? { limitReached: state.limitReached } : {}),
    primaryProfile: state.input.profile,
    failovers: state.failovers.map((event) => ({ ...event })),
    ...(state.pendingProfileSwitch ? { pendingProfile: state.pendingProfileSwitch.name } : {}),
    limits: { ...state.limits },
    ...(pause ? { budgetPause: { ...pause } } : {}),
    spend: state.spend.view(),
    context: contextView(state),
    children: parts.children,
  };
}
