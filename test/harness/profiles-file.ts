import { utimesSync, writeFileSync } from 'node:fs';
import type { ProfileConfig } from '../../src/shared/schemas/profile.js';

/**
 * Writes a profiles file as an operator edits it while workers run, with a modification time later than any before
 * it whatever the file system's timestamp resolution, so that the worker reads it again.
 */
export function writeProfilesFile(path: string, profiles: Record<string, ProfileConfig>): void {
  writeFileSync(path, JSON.stringify({ profiles }, null, 2));
  const later = new Date(Date.now() + Math.round(Math.random() * 1000) + 1000);
  utimesSync(path, later, later);
}
