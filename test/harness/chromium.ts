/**
 * Headless Chromium for tests that open a page: Debian's `chromium` (installed with apt-get when missing, as the
 * other Debian packages the tests use), driven by `playwright-core` with a fresh profile folder that is removed on
 * close. Also where tests keep what they want a person to look at afterwards (screenshots): {@link artifactPath}.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { installDebianPackage } from '../../src/dev/debian-service.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a quiet, self-contained browser in a container: no sandbox, GPU, QUIC, first-run or background traffic. */
const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface RunningChromium {
  context: BrowserContext;
  /** Closes the browser and removes its profile folder. */
  close(): Promise<void>;
}

export async function launchChromium(): Promise<RunningChromium> {
  if (!existsSync(CHROMIUM_PATH)) installDebianPackage('chromium', 'Chromium');
  const userDataDir = mkdtempSync(join(tmpdir(), 'keel-chromium-'));
  // The profile folder is Playwright's --user-data-dir: a persistent context is how it takes one.
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM_PATH, headless: true, args: chromiumFlags });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** A path under the git-ignored `.keel/test-artifacts/` folder of the repository, its folder made. */
export function artifactPath(name: string): string {
  const directory = fileURLToPath(new URL('../../.keel/test-artifacts/', import.meta.url));
  mkdirSync(directory, { recursive: true });
  return join(directory, name);
}
