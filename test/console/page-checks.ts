/**
 * What the console tests check on every view: axe-core's accessibility rules (run inside the page, injected over
 * the DevTools protocol, which the page's Content-Security-Policy does not govern), and screenshots at a laptop's
 * and a phone's size kept in test-artifacts/console/ (gitignored) for a person to look at.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { projectRoot } from '../../src/dev/project-root.js';

export const artifactsDirectory = join(projectRoot(), 'test-artifacts', 'console');

export const viewports = {
  laptop: { width: 1366, height: 768 },
  phone: { width: 390, height: 844 },
} as const;

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** The serious and critical violations axe finds on the page as it is now (WCAG 2.x A and AA rules, best practices). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate('typeof window.axe === "object"');
  if (!loaded) await page.evaluate(axeSource);
  const violations = (await page.evaluate(`window.axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((node) => node.target.join(' ')) })))`)) as AxeViolation[];
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

/** Screenshots of the page at both sizes, named `<name>-laptop.png` and `<name>-phone.png`; leaves the laptop size set. */
export async function screenshotBothSizes(page: Page, name: string): Promise<string[]> {
  mkdirSync(artifactsDirectory, { recursive: true });
  const paths: string[] = [];
  for (const size of ['phone', 'laptop'] as const) {
    await page.setViewportSize(viewports[size]);
    const path = join(artifactsDirectory, `${name}-${size}.png`);
    await page.screenshot({ path, fullPage: true });
    paths.push(path);
  }
  return paths;
}
