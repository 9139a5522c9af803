/**
 * Loads model profiles: the shipped defaults, overridden by a profiles file. The file is read again when it
 * changes, so an edited profile reaches the next session that resolves it without a worker restart.
 * Worker-side.
 */
import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
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

/** True for a file that `readProfilesFile` reads as YAML (by its extension); any other is read as JSON. */
export function isYamlFile(path: string): boolean {
  return /\.ya?ml$/i.test(path);
}

/**
 * Reads a profiles file: `{"profiles": {"name": {...}}}` as JSON, or the same as YAML when the file ends in
 * `.yaml` / `.yml`. @throws ConfigError naming file, profile, field.
 */
export function readProfilesFile(path: string): Map<string, Profile> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${path}: cannot read profiles file: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = isYamlFile(path) ? parseYaml(text, { prettyErrors: true }) : JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path}: not valid ${isYamlFile(path) ? 'YAML' : 'JSON'}: ${(error as Error).message}`);
  }
  const file = profilesFileSchema.safeParse(json);
  if (!file.success) throw new ConfigError(`${path}: ${describeIssues(file.error)}`);
  return parseProfiles(file.data.profiles, path);
}

/**
 * Every fallback and canary a profile names must be another known profile. @throws ConfigError naming the source,
 * the profile and the field, e.g. `profiles.yaml: profile "fast": fallbacks.0: unknown profile "slow"`.
 */
export function checkFallbacks(profiles: Map<string, Profile>, known: ReadonlySet<string>, source: string): void {
  const problemOf = (name: string, other: string, itself: string) => (other === name ? itself : known.has(other) ? undefined : `unknown profile "${other}"`);
  for (const [name, profile] of profiles) {
    for (const [index, fallback] of profile.fallbacks.entries()) {
      const problem = problemOf(name, fallback, 'a profile cannot fall back to itself');
      if (problem) throw new ConfigError(`${source}: profile "${name}": fallbacks.${index}: ${problem}`);
    }
    const canary = profile.canary && problemOf(name, profile.canary.profile, 'a profile cannot be its own canary');
    if (canary) throw new ConfigError(`${source}: profile "${name}": canary.profile: ${canary}`);
  }
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
    if (!this.#file) checkFallbacks(this.#base, new Set(this.#base.keys()), 'profiles given in code');
    this.#reloadIfChanged();
  }

  #reloadIfChanged(): void {
    if (!this.#file) return;
    const stats = statSync(this.#file, { throwIfNoEntry: false });
    const stamp = stats ? `${stats.mtimeMs}:${stats.size}` : 'missing';
    if (stamp === this.#fileStamp) return;
    const fromFile = readProfilesFile(this.#file);
    const known = new Set([...this.#base.keys(), ...fromFile.keys()]);
    checkFallbacks(fromFile, known, this.#file);
    checkFallbacks(new Map([...this.#base].filter(([name]) => !fromFile.has(name))), known, 'profiles given in code');
    this.#fromFile = fromFile;
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
