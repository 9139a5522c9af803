/**
 * Which profile a session's run works with. A first run resolves the profile its input names; a run that continued
 * as new resolves the profile it was on again, so that an edit to the profiles file reaches a running session at its
 * next continue-as-new (docs/profiles.md), recorded in the run's history by the resolveProfile activity.
 * A new session on a profile with a canary takes the canary at its share. `switchProfile` moves one session to
 * another profile before its next model call. Workflow code: deterministic.
 */
import { ApplicationFailure, isCancellation, log, setHandler } from '@temporalio/workflow';
import { switchProfileUpdate } from '../shared/messages.js';
import { checkClientArgument } from '../shared/schemas/client-argument.js';
import type { ResolvedProfile } from '../shared/schemas/profile.js';
import { switchProfileInputSchema } from '../shared/schemas/session-messages.js';
import { localConfigActivities } from './session-activities.js';
import { resolveSessionProfile, type SessionConfig } from './session-config.js';
import type { SessionModel } from './session-model.js';
import type { SessionState } from './session-state.js';

export interface RunProfileOptions {
  config: SessionConfig;
  state: SessionState;
  /** The profile the session's input names. */
  inputProfile: string;
  /** Whether this run continued as new (its state came back from the previous run). */
  continued: boolean;
  /** Whether a continued run resolves its profile again (the follow-profile patch, decided at the run's start). */
  follow: boolean;
}

/**
 * The profile this run starts on, attached to the state.
 * @throws ApplicationFailure `Config.UnknownProfile` in a first run whose profile the worker does not know. A
 *   continued run whose profile no longer resolves keeps the one it carried, with a warning: a profiles file edit
 *   never ends a running session.
 */
export async function profileForRun({ config, state, inputProfile, continued, follow }: RunProfileOptions): Promise<ResolvedProfile> {
  if (!continued) {
    const profile = await withCanary(config, await resolveSessionProfile(config, inputProfile));
    state.attachProfile(profile);
    return profile;
  }
  const carried = state.profile!;
  if (!follow) return carried;
  const pending = state.pendingProfileSwitch;
  const name = pending?.name ?? carried.name;
  let resolved: ResolvedProfile;
  try {
    resolved = await config.resolveProfile(name);
  } catch (error) {
    if (isCancellation(error)) throw error;
    log.warn('the session\'s profile no longer resolves: the run keeps the profile it carried', { profile: name, carried: carried.name });
    state.pendingProfileSwitch = undefined;
    return carried;
  }
  if (pending) state.switchProfile(resolved, pending.reason ? `switchProfile: ${pending.reason}` : 'switchProfile');
  else if (resolved.model !== carried.model) state.switchProfile(resolved, 'the profile was edited; read again at continue-as-new');
  else state.profile = resolved;
  return resolved;
}

/**
 * A new session's profile once its canary is drawn: the canary at its share, else `primary`. The draw is a local
 * activity (recorded in history); a share of 0 or 1 needs none. A canary that no longer resolves leaves the
 * session on `primary`.
 */
async function withCanary(config: SessionConfig, primary: ResolvedProfile): Promise<ResolvedProfile> {
  const canary = primary.canary;
  if (!canary || canary.share <= 0) return primary;
  if (canary.share < 1 && (await localConfigActivities.drawCanary()) >= canary.share) return primary;
  try {
    return await config.resolveProfile(canary.profile);
  } catch (error) {
    if (isCancellation(error)) throw error;
    log.warn('the canary profile does not resolve: the session takes the profile it asked for', { profile: primary.name, canary: canary.profile });
    return primary;
  }
}

/**
 * Sets the `switchProfile` update's handler. Its validator refuses a malformed argument, an ended session and a move
 * to the profile in use (nothing enters history); the handler resolves the profile (an activity, so an unknown name
 * comes back to the caller as the update's failure, and the session goes on), and leaves the move for the next model
 * call: a call in flight finishes, and is priced, on the profile it began with.
 */
export function registerProfileSwitch({ state, config }: { state: SessionState; config: SessionConfig }): void {
  setHandler(
    switchProfileUpdate,
    async (request) => {
      const fromProfile = state.profile?.name ?? state.input.profile;
      // An unknown name is an ApplicationFailure (`Config.UnknownProfile`), which fails this update only.
      const profile = await resolveSessionProfile(config, request.profile);
      if (state.isFinal) throw ApplicationFailure.create({ message: `the session has ended (${state.status}); it runs on no profile any more`, nonRetryable: true });
      state.pendingProfileSwitch = { name: profile.name, ...(request.reason ? { reason: request.reason } : {}), profile };
      return { profile: profile.name, model: profile.model, fromProfile };
    },
    {
      validator: (request) => {
        const checked = checkClientArgument(switchProfileInputSchema, request, 'profile switch');
        if (!checked.ok) throw new Error(checked.reason);
        if (state.isFinal) throw new Error(`the session has ended (${state.status}); its profile can no longer change`);
        const target = state.pendingProfileSwitch?.name ?? state.profile?.name;
        if (checked.value.profile === target) throw new Error(`the session is already on profile "${target}"`);
      },
    },
  );
}

/**
 * Makes a pending `switchProfile` move: called at a safe point before a model call. Returns true when the session
 * moved (the caller publishes the change).
 */
export function applyProfileSwitch(state: SessionState, model: SessionModel): boolean {
  const pending = state.pendingProfileSwitch;
  if (!pending?.profile) return false;
  state.switchProfile(pending.profile, pending.reason ? `switchProfile: ${pending.reason}` : 'switchProfile');
  model.useProfile(pending.profile);
  return true;
}
