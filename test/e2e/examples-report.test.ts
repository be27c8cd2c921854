/**
 * The report of a real build of the examples project, opened from file:// in headless Chromium: what a user
 * sees after `npm run examples`. Saves the screenshots the README shows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openReportPage } from '../browser.js';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, repoRoot } from '../helpers/rig.js';

const test = suite('examples report');
let rig: Rig;
let browser: Browser;
test.before(async () => {
  rig = new Rig();
  fs.cpSync(path.join(repoRoot, 'examples'), rig.path('examples'), { recursive: true, filter: (src) => !/(_output|__pycache__|examples\/data)/.test(src) });
  fs.copyFileSync(path.join(repoRoot, 'mreorg.config.ts'), rig.path('mreorg.config.ts'));
  const b = await rig.run(['build'], { timeoutMs: 120_000 });
  // broken_fit.py fails as expected (expect: fail), so the build is green.
  if (b.code !== 0) throw new Error(`examples build: exit ${b.code}\n${b.stdout}\n${b.stderr}`);
  browser = await launchChromium();
});
test.after(async () => {
  await browser?.close();
  rig.cleanup();
});

/** Opens a page of the report, failing on console errors and on any request outside the report folder. */
const open = (file: string) => openReportPage(browser, rig.path('report'), file);

async function imagesLoad(page: Page): Promise<void> {
  await page.evaluate(async () => {
    for (const img of Array.from(document.images)) {
      img.loading = 'eager';
      if (!img.complete) await new Promise((r) => ((img.onload = r), (img.onerror = r)));
    }
  });
  const broken = await page.evaluate(() => Array.from(document.images).filter((i) => i.getAttribute('src') && i.naturalWidth === 0).map((i) => i.src));
  assert.equal(broken, []);
}

test(
  'overview: every script with its state, no console error, nothing fetched from outside; screenshot',
  withTimeout(60_000, async () => {
    const { page, problems } = await open('index.html');
    const text = await page.textContent('body');
    for (const p of ['examples/sims/simulate_lif.py', 'examples/analysis/broken_fit.py', 'examples/network models/random_walk.py']) assert.ok(text!.includes(p), p);
    await page.screenshot({ path: path.join(repoRoot, 'test/artifacts/examples-overview.png'), fullPage: true });
    assert.equal(problems, []);
    await page.close();
  }),
);

test(
  'output page: every figure of the examples loads',
  withTimeout(60_000, async () => {
    const { page, problems } = await open('output.html');
    assert.ok((await page.locator('img').count()) >= 3);
    await imagesLoad(page);
    assert.equal(problems, []);
    await page.close();
  }),
);

test(
  "failures page and the failing example's run page show the exception and traceback; screenshot",
  withTimeout(60_000, async () => {
    const { page, problems } = await open('failures.html');
    const text = (await page.textContent('body'))!;
    assert.match(text, /ValueError/);
    assert.match(text, /math domain error/);
    const runLinks = await page.locator('a[href^="runs/"]').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute('href')));
    assert.ok(runLinks.length > 0, 'a link to the failing run');
    const run = await open(runLinks[0]!);
    const runText = (await run.page.textContent('body'))!;
    assert.match(runText, /Traceback|traceback/);
    assert.match(runText, /fit_time_constant/);
    assert.match(runText, /fitting\.\.\./);
    await run.page.screenshot({ path: path.join(repoRoot, 'test/artifacts/examples-run.png'), fullPage: true });
    assert.equal([...problems, ...run.problems], []);
    await page.close();
    await run.page.close();
  }),
);

test.run();
