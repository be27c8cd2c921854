/**
 * The report of a real build of a small collection laid out as real ones are (scripts in folders, figures,
 * reST docstrings, an argparse script that exits 2), opened from file:// in headless Chromium: folders collapse
 * and expand with their counts per state, each row shows its first figure, the script page shows the latest
 * figures, the failures page shows what argparse said.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { paths } from '../../src/report/slug.js';
import { launchChromium, openReportPage } from '../browser.js';
import { Rig, repoRoot } from '../helpers/rig.js';
import { withTimeout } from '../helpers/timeout.js';

const test = suite('report of a collection');
let rig: Rig;
let browser: Browser;

const plot = (title: string) => `import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.title(${JSON.stringify(title)})\nplt.figure()\nplt.plot([2, 1])\n`;

test.before(
  withTimeout(120_000, async () => {
    rig = new Rig();
    rig.write({
      'raster.py': `"""\nSpike raster\n============\n\nPlots the **spike raster** of \`network\` with :func:\`numpy.histogram\`.\n"""\n${plot('raster')}`,
      'sims/a.py': `"""Simulates A."""\n${plot('a')}`,
      'sims/b.py': `"""Simulates B."""\n${plot('b')}`,
      'sims/broken.py': 'raise RuntimeError("diverged")\n',
      'analysis/args.py': [
        'import argparse',
        'parser = argparse.ArgumentParser()',
        'parser.add_argument("--n", type=int, required=True)',
        'parser.parse_args()',
      ].join('\n'),
      'analysis/plot.py': plot('analysis'),
    });
    const b = await rig.run(['build', '-j', '2'], { timeoutMs: 110_000 });
    if (b.code !== 1) throw new Error(`build: exit ${b.code} (expected 1: two scripts fail)\n${b.stdout}\n${b.stderr}`);
    browser = await launchChromium();
  }),
);
test.after(async () => {
  await browser?.close();
  rig.cleanup();
});

const open = (file: string) => openReportPage(browser, rig.path('report'), file, { width: 1280, height: 900 });

/** Paths of the overview rows a person can see. */
async function seenRows(page: Page): Promise<string[]> {
  return page.$$eval('.scripts [data-item] .path', (cells) => cells.filter((c) => (c as HTMLElement).offsetParent !== null).map((c) => c.textContent ?? ''));
}

const folder = (page: Page, name: string) => page.locator('[data-folder]', { has: page.locator('.fname', { hasText: name }) });

test(
  'overview: rows grouped by folder with counts per state; a folder collapses and expands, and stays so on reload',
  withTimeout(60_000, async () => {
    const { page, problems } = await open('index.html');
    assert.equal(await page.$$eval('.folderhead .fname', (els) => els.map((e) => e.textContent)), ['./', 'analysis/', 'sims/']);
    const sims = folder(page, 'sims/');
    const simsHead = (await sims.locator(".folderhead").textContent())!.replace(/\s+/g, " ");
    assert.match(simsHead, /3 scripts 1 failed 2 up to date/, simsHead);
    const head = (await folder(page, "analysis/").locator(".folderhead").textContent())!.replace(/\s+/g, " ");
    assert.match(head, /2 scripts 1 failed 1 up to date/, head);
    assert.equal((await seenRows(page)).length, 6, 'a small collection starts with every folder open');

    await sims.locator('[data-fold]').click();
    assert.is(await sims.locator('[data-fold]').getAttribute('aria-expanded'), 'false');
    assert.equal(await seenRows(page), ['raster.py', 'analysis/args.py', 'analysis/plot.py']);
    assert.match(page.url(), /#open=0\.1$/);
    await page.reload();
    assert.equal(await seenRows(page), ['raster.py', 'analysis/args.py', 'analysis/plot.py'], 'still collapsed after a reload (a build refreshes the page)');

    // A filter shows its matches in collapsed folders too.
    await page.selectOption('select[name=state]', 'failed');
    assert.equal(await seenRows(page), ['analysis/args.py', 'sims/broken.py']);
    assert.ok(await folder(page, './').isHidden(), 'a folder without a match is hidden');
    await page.selectOption('select[name=state]', '');

    await page.click('[data-fold-all=close]');
    assert.equal(await seenRows(page), []);
    assert.is(await page.locator('.folderhead').count(), 3, 'the folders stay listed');
    await page.click('[data-fold-all=open]');
    assert.is((await seenRows(page)).length, 6);
    assert.equal(problems, []);
    await page.close();
  }),
);

test(
  'overview: each row with figures shows its first figure; the docstring summary is plain text',
  withTimeout(60_000, async () => {
    const { page, problems } = await open('index.html');
    const row = page.locator('[data-item]', { has: page.locator('.path', { hasText: 'sims/a.py' }) });
    const img = row.locator('.rowthumb img');
    await img.scrollIntoViewIfNeeded();
    await page.waitForFunction((el) => (el as HTMLImageElement).complete, await img.elementHandle());
    assert.ok(await img.evaluate((el: HTMLImageElement) => el.naturalWidth > 0), 'the thumbnail loaded');
    assert.is(await row.locator('.figcol').textContent(), '2', '2 figures');
    assert.is(await page.locator('[data-item]', { has: page.locator('.path', { hasText: 'analysis/args.py' }) }).locator('.rowthumb').count(), 0);
    const doc = await page.locator('[data-item]', { has: page.locator('.path', { hasText: 'raster.py' }) }).locator('.doc').textContent();
    assert.is(doc, 'Spike raster — Plots the spike raster of network with numpy.histogram.');
    await page.setViewportSize({ width: 1280, height: 760 });
    await page.screenshot({ path: path.join(repoRoot, 'test/artifacts/collection-overview.png') });
    await img.click();
    await page.waitForLoadState('load');
    assert.match(page.url(), new RegExp(`${paths.script('sims/a.py').replace('.', '\\.')}#figures$`));
    assert.equal(problems, []);
    await page.close();
  }),
);

test(
  'script page: the last run\'s figures, loaded',
  withTimeout(60_000, async () => {
    const { page, problems } = await open(paths.script('sims/a.py'));
    assert.match((await page.textContent('h2#figures'))!, /Figures\s+of the last run/);
    const images = page.locator('h2#figures + .figs figure.fig img');
    assert.is(await images.count(), 2);
    for (const img of await images.all()) {
      await img.scrollIntoViewIfNeeded();
      await page.waitForFunction((el) => (el as HTMLImageElement).complete, await img.elementHandle());
      assert.ok(await img.evaluate((el: HTMLImageElement) => el.naturalWidth > 0));
    }
    assert.equal(await page.locator('h2#figures + .figs .formats a').allTextContents(), ['PNG', 'PNG'], 'PNG only by default');
    assert.is(await page.locator('h2#figures').count(), 1);
    const none = await open(paths.script('analysis/args.py'));
    assert.is(await none.page.locator('h2#figures').count(), 0, 'no figures, no section');
    assert.equal([...problems, ...none.problems], []);
    await page.close();
    await none.page.close();
  }),
);

test(
  'failures: a script that exits 2 through argparse shows the end of its stderr, not only its exit code',
  withTimeout(60_000, async () => {
    const { page, problems } = await open('failures.html');
    const card = page.locator('article', { has: page.locator('.path', { hasText: 'analysis/args.py' }) });
    assert.match((await card.locator('.exc').textContent())!, /ExitCode: the script exited with code 2/);
    const tail = (await card.locator('.stderr-tail pre').textContent())!;
    assert.match(tail, /usage: args\.py \[-h\] --n N/);
    assert.match(tail, /args\.py: error: the following arguments are required: --n/);
    const broken = page.locator('article', { has: page.locator('.path', { hasText: 'sims/broken.py' }) });
    assert.is(await broken.locator('.stderr-tail').count(), 0, 'a traceback says it already');
    assert.match((await broken.locator('.exc').textContent())!, /RuntimeError: diverged/);
    assert.equal(problems, []);
    await page.close();
  }),
);

test.run();
