/**
 * Test helpers for the browser tests: launching Debian's headless Chromium through playwright-core, and a
 * timeout wrapper (uvu has none), so a hung browser fails its test instead of hanging the run.
 */
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.MREORG_CHROMIUM ?? '/usr/bin/chromium';

/** Launches headless Chromium with the flags that work as root in a container without a GPU. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * Opens a page of the report in `reportDir` from file://, recording console errors, page errors and any request
 * outside the report folder in `problems` (a test asserts it stays empty).
 */
export async function openReportPage(browser: Browser, reportDir: string, file: string, viewport = { width: 1280, height: 800 }): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport });
  const folder = pathToFileURL(reportDir).href + '/';
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => !r.url().startsWith(folder) && problems.push(`request outside the report: ${r.url()}`));
  await page.goto(folder + file);
  return { page, problems };
}

export { withTimeout } from './helpers/timeout.js';
