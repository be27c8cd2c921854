/**
 * Test helpers for the browser tests: launching Debian's headless Chromium through playwright-core, and a
 * timeout wrapper (uvu has none), so a hung browser fails its test instead of hanging the run.
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.MREORG_CHROMIUM ?? '/usr/bin/chromium';

/** Launches headless Chromium with the flags that work as root in a container without a GPU. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export { withTimeout } from './helpers/timeout.js';
