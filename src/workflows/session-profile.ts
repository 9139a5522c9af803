/**
 * Which profile a session's run works with. A first run resolves the profile its input names; a run that continued
 * as new resolves the profile it was on again, so that an edit to the profiles file reaches a running session at its
 * next continue-as-new (docs/profiles.md), recorded in the run's history by the resolveProfile activity.
 * Workflow code: deterministic.
 */
import { isCancellation, log } from '@temporalio/workflow';
import type { ResolvedProfile } from '../shared/schemas/profile.js';
import { resolveSessionProfile, type SessionConfig } from './session-config.js';
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
    const profile = await resolveSessionProfile(config, inputProfile);
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
