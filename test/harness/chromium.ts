/**
 * Headless Chromium for browser tests: Debian's `chromium` (installed with apt-get when missing, as the dev
 * servers' packages are), driven through playwright-core. Each launch gets a fresh profile (playwright's `launch`
 * makes a temporary user data dir and removes it on close), no GPU, no sandbox (tests run as root in a
 * container), and none of the browser's own network traffic (updates, sync, QUIC), so a test's requests are the
 * page's only. Generic: any test that needs a page uses it.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { installDebianPackage } from '../../src/dev/debian-service.js';

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
