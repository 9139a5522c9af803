/**
 * Loads model profiles: the shipped defaults, overridden by a profiles file. The file is read again when it
 * changes, so an edited profile reaches the next session that resolves it without a worker restart.
 * Worker-side.
 */
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { describeIssues } from '../shared/schemas/describe-issues.js';
import { profileSchema, type Profile, type ProfileConfig, type ResolvedProfile } from '../shared/schemas/profile.js';
import { defaultProfiles } from './default-profiles.js';

const profilesFileSchema = z.strictObject({
  profiles: z.record(z.string().min(1), z.unknown()),
});

/** Validates raw profile configurations; the error names the source, the profile and the field. */
export function parseProfiles(raw: Record<string, unknown>, source: string): Map<string, Profile> {
  const profiles = new Map<string, Profile>();
  for (const [name, config] of Object.entries(raw)) {
    const parsed = profileSchema.safeParse(config);
    if (!parsed.success) throw new ConfigError(`${source}: profile "${name}": ${describeIssues(parsed.error)}`);
    profiles.set(name, parsed.data);
  }
  return profiles;
}

/** Reads a profiles file (JSON: `{"profiles": {"name": {...}}}`). @throws ConfigError naming file, profile, field. */
export function readProfilesFile(path: string): Map<string, Profile> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${path}: cannot read profiles file: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  const file = profilesFileSchema.safeParse(json);
  if (!file.success) throw new ConfigError(`${path}: ${describeIssues(file.error)}`);
  return parseProfiles(file.data.profiles, path);
}

export interface ProfileRegistryOptions {
  /** A profiles file that adds to and overrides the defaults. @default env `KEEL_PROFILES` */
  file?: string;
  /** Profiles given in code (tests, embedding), applied over the file. */
  profiles?: Record<string, ProfileConfig>;
}

export class ProfileRegistry {
  readonly #file: string | undefined;
  readonly #base: Map<string, Profile>;
  #fromFile = new Map<string, Profile>();
  #fileStamp = '';

  /** @throws ConfigError when a profile (shipped, file or given) is invalid: checked at worker start. */
  constructor(options: ProfileRegistryOptions = {}) {
    this.#file = options.file;
    this.#base = parseProfiles({ ...defaultProfiles, ...(options.profiles ?? {}) }, 'profiles given in code');
    this.#reloadIfChanged();
  }

  #reloadIfChanged(): void {
    if (!this.#file) return;
    const stats = statSync(this.#file, { throwIfNoEntry: false });
    const stamp = stats ? `${stats.mtimeMs}:${stats.size}` : 'missing';
    if (stamp === this.#fileStamp) return;
    this.#fromFile = readProfilesFile(this.#file);
    this.#fileStamp = stamp;
  }

  names(): string[] {
    this.#reloadIfChanged();
    return [...new Set([...this.#base.keys(), ...this.#fromFile.keys()])].sort();
  }

  /** @throws ConfigError for an unknown name, or when the edited file no longer parses. */
  resolve(name: string): ResolvedProfile {
    this.#reloadIfChanged();
    const profile = this.#fromFile.get(name) ?? this.#base.get(name);
    if (!profile) throw new ConfigError(`unknown profile "${name}"; known: ${this.names().join(', ')}`);
    return { name, ...profile };
  }
}
