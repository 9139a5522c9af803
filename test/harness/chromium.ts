/**
 * Headless Chromium for browser tests: Debian's `chromium` (installed with apt-get when missing, as the dev
 * servers' packages are), driven through playwright-core. Each launch gets a fresh profile (playwright's `launch`
 * makes a temporary user data dir and removes it on close), no GPU, no sandbox (tests run as root in a
 * container), and none of the browser's own network traffic (updates, sync, QUIC), so a test's requests are the
 * page's only. Generic: any test that needs a page uses it. What a test keeps for a person to look at afterwards
 * (screenshots) goes under the git-ignored `test-artifacts/`: {@link artifactPath}.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { installDebianPackage } from '../../src/dev/debian-service.js';
import { projectRoot } from '../../src/dev/project-root.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags besides `--headless` (which playwright adds itself for a headless launch). */
const chromiumFlags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Installs Debian's Chromium when it is missing. @throws Error when it cannot be installed here (not root, no apt). */
export function ensureChromium(): string {
  if (!existsSync(CHROMIUM_PATH)) installDebianPackage('chromium', 'Chromium');
  return CHROMIUM_PATH;
}

/** A headless browser; the caller closes it (`browser.close()`). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: ensureChromium(), headless: true, args: chromiumFlags });
}

/** A path under the git-ignored `test-artifacts/` folder of the repository (`name` may hold folders), its folder made. */
export function artifactPath(name: string): string {
  const path = join(projectRoot(), 'test-artifacts', name);
  mkdirSync(dirname(path), { recursive: true });
  return path;
}
