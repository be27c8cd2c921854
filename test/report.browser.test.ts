/**
 * The report in a real browser: rendered from real matplotlib figures and constructed runs, opened from file://
 * in headless Chromium. Every page: no console error, no request outside the report folder, every image loads,
 * no script payload runs. Then the interactive parts: filters, sorting, runconfig switch, lightbox, long output,
 * traceback links, self-refresh while building. Screenshots go to test/artifacts/.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeReport } from '../src/report/render.js';
import { paths } from '../src/report/slug.js';
import { launchChromium, withTimeout } from './browser.js';
import { drawFigures, scenario, XSS_NAME, XSS_STDOUT, type Scenario } from './fixtures/report/scenario.js';

const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));

let tmp = '';
let out = '';
let folderUrl = '';
let browser: Browser;
let world: Scenario;

test.before(withTimeout(180_000, async () => {
  tmp = mkdtempSync(join(tmpdir(), 'mreorg-browser-'));
  const root = join(tmp, 'project');
  mkdirSync(root);
  drawFigures(root);
  world = scenario(root);
  out = join(root, 'report');
  const result = await writeReport(world.data, out);
  assert.is(result.warnings.length, 0, result.warnings.join('; '));
  assert.ok(result.thumbnailsMade >= 1, 'the 1280 px figure got a thumbnail');
  folderUrl = pathToFileURL(out).href + '/';
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
}));

test.after(withTimeout(30_000, async () => {
  await browser?.close();
  if (tmp && !process.env.MREORG_KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
}));

interface Watched {
  page: Page;
  problems: string[];
}

/** A page that records console errors, page errors, dialogs and requests leaving the report folder. */
async function open(file: string, options: { width?: number; height?: number; dark?: boolean } = {}): Promise<Watched> {
  const page = await browser.newPage({
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    colorScheme: options.dark ? 'dark' : 'light',
  });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(folderUrl)) problems.push(`request outside the report: ${r.url()}`);
  });
  await page.goto(folderUrl + file, { waitUntil: 'load' });
  return { page, problems };
}

/** Loads every image now (they are lazy) and returns the ones that did not decode. */
async function brokenImages(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    // The lightbox's image has no src until it is opened.
    const images = Array.from(document.images).filter((img) => img.hasAttribute('src'));
    for (const img of images) img.loading = 'eager';
    await Promise.all(images.map((img) => img.decode().catch(() => undefined)));
    return images.filter((img) => !(img.naturalWidth > 0)).map((img) => img.getAttribute('src') ?? '');
  });
}

async function visibleRows(page: Page): Promise<string[]> {
  return page.$$eval('.scripts [data-item]:not([hidden]) .path', (cells) => cells.map((c) => c.textContent ?? ''));
}

function htmlFiles(): string[] {
  return (readdirSync(out, { recursive: true }) as string[]).filter((f) => f.endsWith('.html')).sort();
}

test(
  'every page: no console error, nothing outside the folder, every image loads, no payload runs',
  withTimeout(90_000, async () => {
    const files = htmlFiles();
    assert.ok(files.length >= 8 + 2 + 7 + 7, `all pages rendered (${files.length})`);
    for (const file of files) {
      const { page, problems } = await open(file);
      const broken = await brokenImages(page);
      assert.equal(broken, [], `${file}: images that did not load`);
      assert.is(await page.evaluate(() => typeof (window as unknown as { __xss?: unknown }).__xss), 'undefined', `${file}: a payload ran`);
      await page.waitForTimeout(50);
      assert.equal(problems, [], file);
      await page.close();
    }
  }),
);

test(
  'overview: state and group filters, search, sorting; counts per state',
  withTimeout(30_000, async () => {
    const { page, problems } = await open('index.html');
    assert.is((await visibleRows(page)).length, 7);
    assert.match((await page.textContent('.counts'))!, /2\s*failed/);

    await page.selectOption('select[name=state]', 'failed');
    assert.equal((await visibleRows(page)).sort(), ['analysis/fit.py', 'analysis/slow.py']);
    assert.match(page.url(), /#state=failed/);

    await page.selectOption('select[name=state]', '');
    await page.selectOption('select[name=group]', { label: 'other' });
    assert.equal((await visibleRows(page)).sort(), ['other/changed.py', 'other/untracked.py']);
    await page.selectOption('select[name=group]', '');

    await page.click('button[data-set-state="never-run"]');
    assert.equal(await visibleRows(page), [XSS_NAME]);
    await page.click('button[data-set-state="never-run"]'); // pressing again clears
    assert.is((await visibleRows(page)).length, 7);

    await page.fill('input[name=q]', 'noisy');
    assert.equal(await visibleRows(page), ['analysis/noisy.py']);
    await page.fill('input[name=q]', '');

    // Rows sort within their folder; the folders stay in path order.
    const analysis = (rows: string[]) => rows.filter((p) => p.startsWith('analysis/'));
    const before = await visibleRows(page);
    await page.click('[role=columnheader]:has-text("Duration") button');
    const byDuration = await visibleRows(page);
    assert.is.not(byDuration.join(), before.join(), 'sorting changed the order');
    assert.equal(analysis(byDuration), ['analysis/noisy.py', 'analysis/slow.py', 'analysis/plot_sine.py', 'analysis/fit.py'], 'longest first');
    assert.is(byDuration[0], XSS_NAME, 'the top folder first');
    await page.click('[role=columnheader]:has-text("Duration") button');
    assert.is(analysis(await visibleRows(page))[3], 'analysis/noisy.py', 'then ascending');
    await page.click('[role=columnheader]:has-text("Script") button');
    const byPath = await visibleRows(page);
    assert.equal(byPath, [XSS_NAME, 'analysis/fit.py', 'analysis/noisy.py', 'analysis/plot_sine.py', 'analysis/slow.py', 'other/changed.py', 'other/untracked.py']);

    // The hostile script name is shown as text and links to a safely named page.
    const link = page.locator('.path a', { hasText: XSS_NAME });
    assert.match((await link.getAttribute('href'))!, /^scripts\/[A-Za-z0-9_-]+\.html$/);
    assert.equal(problems, []);
    await page.setViewportSize({ width: 1280, height: 760 });
    await page.click('[role=columnheader]:has-text("State") button');
    await page.click('[role=columnheader]:has-text("State") button');
    await page.screenshot({ path: join(ARTIFACTS, 'overview.png') });
    await page.close();
  }),
);

test(
  'the runconfig switch shows the other runconfig and keeps the filters',
  withTimeout(30_000, async () => {
    const { page, problems } = await open('index.html');
    await page.selectOption('select[name=state]', 'never-run');
    await page.click('.rcswitch a:has-text("short")');
    await page.waitForLoadState('load');
    assert.match(page.url(), new RegExp(`${paths.perRunconfig('index', 'short', 'default').replace('.', '\\.')}#state=never-run$`));
    assert.is(await page.inputValue('select[name=state]'), 'never-run');
    assert.is((await visibleRows(page)).length, 5);
    assert.match((await page.textContent('.rcswitch a[aria-current="true"]'))!, /short/);
    await page.selectOption('select[name=state]', 'up-to-date');
    assert.equal(await visibleRows(page), ['analysis/plot_sine.py']);
    await page.click('.rcswitch a:has-text("default")');
    await page.waitForLoadState('load');
    assert.match(page.url(), /\/index\.html#state=up-to-date$/);
    assert.equal((await visibleRows(page)).sort(), ['analysis/noisy.py', 'analysis/plot_sine.py']);
    assert.equal(problems, []);
    await page.close();
  }),
);

test(
  'failures: failed and timed-out scripts first, with exception type, message and traceback',
  withTimeout(30_000, async () => {
    const { page, problems } = await open('failures.html');
    const headings = await page.$$eval('main h2', (hs) => hs.map((h) => h.textContent?.replace(/\s+\d+$/, '').trim()));
    assert.equal(headings, ['Failed', 'Timed out', 'Changed since the last run', 'Never run']);
    const failed = page.locator('#failed article').first();
    assert.is(await failed.locator('.exc-type').textContent(), 'ValueError');
    assert.is(await failed.locator('.exc-msg').textContent(), 'negative concentration: -1.5');
    assert.match((await failed.locator('.frames').textContent())!, /analysis\/fit\.py:6[\s\S]*lib\/checks\.py:3/);
    assert.match((await page.locator('#timeout').textContent())!, /analysis\/slow\.py[\s\S]*timed out[\s\S]*SIGKILL/);
    assert.match((await page.locator('#never-run').textContent())!, /<img src=x onerror=alert\(1\)>\.py/);
    assert.equal(problems, []);
    await page.close();
  }),
);

test(
  'run page: traceback frames link to script lines; output shown as text, long output expands',
  withTimeout(30_000, async () => {
    const fit = await open(paths.run(world.runs.fit.id));
    await fit.page.screenshot({ path: join(ARTIFACTS, 'run.png'), fullPage: true });
    await fit.page.click('.frames a:has-text("analysis/fit.py:6")');
    await fit.page.waitForLoadState('load');
    assert.match(fit.page.url(), new RegExp(`${paths.script('analysis/fit.py').replace('.', '\\.')}#L6$`));
    assert.is(await fit.page.evaluate(() => document.querySelector(':target')?.id), 'L6');
    assert.match((await fit.page.textContent(':target'))!, /check\(-1\.5\)/);
    assert.equal(fit.problems, []);
    await fit.page.close();

    const { page, problems } = await open(paths.run(world.runs.noisy.id));
    const stdout = (await page.textContent('#out-stdout'))!;
    assert.ok(stdout.startsWith(XSS_STDOUT), 'the payloads are shown as text');
    assert.match((await page.textContent('main'))!, /117 KiB of stdout were dropped[\s\S]*\.mreorg\/logs\/noisy\.stdout\.log/);
    assert.match((await page.textContent('#out-stderr'))!, /<b>not bold<\/b> & not a tag/);
    const collapsed = await page.$eval('#out-stdout', (el) => el.scrollHeight > el.clientHeight);
    assert.ok(collapsed, 'long output starts collapsed (scrollable, not cut)');
    await page.click('button[data-expand]');
    assert.ok(await page.$eval('#out-stdout', (el) => el.classList.contains('expanded') && el.scrollHeight <= el.clientHeight + 1));
    assert.is(await page.evaluate(() => typeof (window as unknown as { __xss?: unknown }).__xss), 'undefined');
    assert.equal(problems, []);
    await page.close();
  }),
);

test(
  'output: thumbnails grouped by script open full figures in a lightbox; other formats linked',
  withTimeout(30_000, async () => {
    const { page, problems } = await open('output.html');
    const sections = await page.$$eval('section.card .path', (els) => els.map((e) => e.textContent));
    assert.equal(sections, ['analysis/plot_sine.py', 'analysis/noisy.py']);
    const first = page.locator('figure.fig').first();
    assert.equal(await first.locator('.formats a').allTextContents(), ['PNG', 'SVG', 'PDF']);
    const thumbWidth = await first.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth);
    assert.ok(thumbWidth <= 400, `thumbnail is small (${thumbWidth} px)`);
    await first.locator('a.thumb').click();
    const full = page.locator('dialog.lightbox[open] img');
    await full.waitFor();
    await page.waitForFunction(() => (document.querySelector('dialog.lightbox img') as HTMLImageElement).naturalWidth > 0);
    assert.is(await full.evaluate((img: HTMLImageElement) => img.naturalWidth), 1280);
    await page.screenshot({ path: join(ARTIFACTS, 'lightbox.png') });
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => (document.querySelector('dialog.lightbox img') as HTMLImageElement).naturalWidth === 320);
    await page.keyboard.press('Escape');
    assert.is(await page.locator('dialog.lightbox[open]').count(), 0);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(ARTIFACTS, 'output.png') });
    assert.equal(problems, []);
    await page.close();
  }),
);

test(
  'script page of a hostile name: path as text, source highlighted, history and chart',
  withTimeout(30_000, async () => {
    const evil = await open(paths.script(XSS_NAME));
    assert.is(await evil.page.textContent('h1'), XSS_NAME);
    assert.match((await evil.page.textContent('pre.source'))!, /print\("<script>window.__xss=4<\/script>"\)/);
    assert.equal(evil.problems, []);
    await evil.page.close();

    const { page, problems } = await open(paths.script('analysis/fit.py'));
    assert.is(await page.locator('pre.source .k', { hasText: 'def' }).count(), 1);
    assert.is(await page.locator('.chart rect').count(), 2);
    assert.is(await page.locator('table.plain tbody tr').count(), 2);
    assert.match((await page.textContent('main'))!, /older/);
    assert.match((await page.getAttribute('a.button', 'href'))!, /^vscode:\/\/file\/.*analysis\/fit\.py:1$/);
    await page.screenshot({ path: join(ARTIFACTS, 'script.png'), fullPage: true });
    assert.equal(problems, []);
    await page.close();
  }),
);

test(
  'while a build runs the overview reloads itself, and stops once the build is done',
  withTimeout(30_000, async () => {
    await writeReport({ ...world.data, building: true }, out, { refreshSeconds: 1 });
    const { page, problems } = await open('index.html');
    assert.ok(await page.locator('.building').isVisible());
    await page.waitForEvent('load', { timeout: 5_000 }); // the page reloaded itself
    await writeReport({ ...world.data, building: false }, out, { refreshSeconds: 1 });
    await page.waitForEvent('load', { timeout: 5_000 }); // one more reload picks up the finished report
    assert.is(await page.locator('.building').count(), 0);
    assert.is(await page.getAttribute('body', 'data-refresh'), null);
    assert.equal(problems, []);
    await page.close();
  }),
);

test(
  'small screens and dark mode render (screenshots for a person to look at)',
  withTimeout(30_000, async () => {
    const phone = await open('index.html', { width: 390, height: 844 });
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal page scroll on a phone (${overflow} px)`);
    await phone.page.screenshot({ path: join(ARTIFACTS, 'overview-phone.png') });
    await phone.page.close();
    const dark = await open(paths.run(world.runs.noisy.id), { dark: true });
    await dark.page.screenshot({ path: join(ARTIFACTS, 'run-dark.png') });
    assert.equal([...phone.problems, ...dark.problems], []);
    await dark.page.close();
  }),
);

test.run();
