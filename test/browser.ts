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

/**
 * Wraps a test body so it fails after `ms` milliseconds.
 * @example test('opens', withTimeout(30_000, async () => { ... }));
 */
export function withTimeout<T>(ms: number, fn: () => Promise<T>): () => Promise<T> {
  return () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`test timed out after ${ms} ms`)), ms);
    });
    return Promise.race([fn(), timeout]).finally(() => clearTimeout(timer));
  };
}
