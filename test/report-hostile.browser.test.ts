/**
 * Figures that run script when opened as documents, through a real `mreorg build` (real python writing the
 * files, recording them in PlotManager.saved_files or leaving them on disk for a run without a manifest), then
 * the report in headless Chromium: every link of every page is clicked and every file of the report folder
 * opened, from disk and served over HTTP (one origin, where a page that runs could read all the others). The
 * payloads set a canary, `window.__pwned` (and the title, and their opener's canary): it must stay unset on
 * every page and popup. Payloads: a namespaced SVG script, an XHTML script inside an SVG, an SVG in UTF-16, an
 * entity-encoded `javascript:` link in an SVG, and figures recorded as `html` and `xml`.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { launchChromium, withTimeout } from './browser.js';
import { Rig } from './helpers/rig.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/report/hostile/', import.meta.url));

let rig: Rig;
let report = '';
let browser: Browser;
let server: Server;
let httpBase = '';
let fileBase = '';

test.before(withTimeout(240_000, async () => {
  rig = new Rig('mreorg-hostile-');
  rig.write({ 'mreorg.config.ts': "export default { exclude: ['__*.py', 'payloads.py'], figures: { formats: ['png', 'svg'] } };\n" });
  mkdirSync(rig.path('evil'));
  mkdirSync(rig.path('plots'));
  for (const f of ['payloads.py', 'svgs.py', 'formats.py', 'crash.py']) copyFileSync(join(FIXTURES, f), rig.path(`evil/${f}`));
  copyFileSync(join(FIXTURES, 'rich.py'), rig.path('plots/rich.py'));
  const res = await rig.run(['build'], { timeoutMs: 180_000 });
  assert.is(res.code, 1, `crash.py fails, the others succeed\n${res.stdout}\n${res.stderr}`);
  report = rig.path('report');
  fileBase = pathToFileURL(report).href + '/';
  server = await serve(report);
  httpBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await launchChromium();
}));

test.after(withTimeout(30_000, async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r(null)));
  if (rig && !process.env.MREORG_KEEP_TMP) rig.cleanup();
}));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.json': 'application/json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.pdf': 'application/pdf', '.eps': 'application/postscript',
  '.xml': 'application/xml',
};

/** A static file server for the report folder on the loopback address, as `python -m http.server` would be. */
function serve(root: string): Promise<Server> {
  const s = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
    if (relative(root, file).startsWith('..')) return void res.writeHead(403).end();
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

/** Every file of the report folder, report-relative with `/`. */
function reportFiles(): string[] {
  return (readdirSync(report, { recursive: true }) as string[])
    .filter((f) => statSync(join(report, f)).isFile())
    .map((f) => f.split(sep).join('/'))
    .sort();
}

/** The run page of a script (its only run). */
function runPage(script: string): string {
  const page = reportFiles().find((f) => f.startsWith('runs/') && readFileSync(join(report, f), 'utf8').includes(script));
  assert.ok(page, `a run page of ${script}`);
  return page!;
}

/** A browser context that records every page it opens and every dialog; `pwned()` lists where a payload ran. */
async function watchedContext(): Promise<{ context: BrowserContext; pwned: () => Promise<string[]> }> {
  const context = await browser.newContext({ acceptDownloads: true });
  const pages: Page[] = [];
  const hits: string[] = [];
  const watch = (page: Page): void => {
    pages.push(page);
    page.on('dialog', (d) => {
      hits.push(`dialog on ${page.url()}: ${d.message()}`);
      void d.dismiss();
    });
  };
  context.on('page', watch);
  const pwned = async (): Promise<string[]> => {
    const found = hits.splice(0);
    for (const page of pages) {
      if (page.isClosed()) continue;
      const state = await page.evaluate(() => [(window as unknown as { __pwned?: unknown }).__pwned, document.title]).catch(() => null);
      if (state && (state[0] !== undefined || state[1] === 'PWNED')) found.push(`${page.url()}: ${JSON.stringify(state)}`);
    }
    return found;
  };
  return { context, pwned };
}

type Outcome = 'navigated' | 'download' | 'popup' | 'nothing';

/** Clicks the index-th link of the page as a user would (the link's own activation) and waits for what it does. */
async function click(page: Page, selector: string, index: number): Promise<Outcome> {
  const quiet = <T>(p: Promise<T>): Promise<T | null> => p.catch(() => null);
  const outcome = Promise.race<Outcome | null>([
    quiet(page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 5_000 }).then(() => 'navigated' as const)),
    quiet(page.waitForEvent('download', { timeout: 5_000 }).then(() => 'download' as const)),
    quiet(page.context().waitForEvent('page', { timeout: 5_000 }).then(async (p) => (await p.waitForLoadState('load'), 'popup' as const))),
  ]);
  await page.evaluate(([sel, i]) => (document.querySelectorAll(sel)[i] as HTMLElement).click(), [selector, index] as const);
  const result = (await outcome) ?? 'nothing';
  if (result === 'navigated') {
    await page.waitForLoadState('load');
    if (!page.url().split('#')[0]!.endsWith('.html')) await clickInside(page);
  }
  return result;
}

/** Clicks on a figure opened as a document, where its shape is: a link there would be followed. */
async function clickInside(page: Page): Promise<void> {
  await page.mouse.click(50, 50);
  await page.waitForTimeout(100); // a javascript: link runs as a task after the click (not a timing assert)
  await page.waitForLoadState('load');
}

interface Link {
  page: string;
  index: number;
  key: string;
  lightbox: boolean;
}

/**
 * The report's links, one per distinct (target, download, lightbox), with the page and position to click; only
 * those of the figure card named `figure` when given.
 */
async function distinctLinks(page: Page, base: string, pages: string[], figure?: string): Promise<Link[]> {
  const seen = new Set<string>();
  const links: Link[] = [];
  for (const file of pages) {
    await page.goto(base + file, { waitUntil: 'load' });
    // getAttribute, not .href: an <a> of an inline SVG chart has no string href.
    const anchors = await page.$$eval('a[href]', (as) =>
      as.map((a) => ({
        href: new URL(a.getAttribute('href')!, document.baseURI).href,
        download: a.hasAttribute('download'),
        lightbox: a.hasAttribute('data-lightbox'),
        figure: a.closest('figure.fig')?.querySelector('.figname')?.textContent ?? null,
      })),
    );
    anchors.forEach((a, index) => {
      const key = `${a.href.split('#')[0]}|${a.download}|${a.lightbox}`;
      if (!a.href.startsWith(base) || seen.has(key) || (figure !== undefined && a.figure !== figure)) return;
      seen.add(key);
      links.push({ page: file, index, key, lightbox: a.lightbox });
    });
  }
  return links;
}

/** Clicks each link (and, for a thumbnail, the lightbox's "Open file"); returns where a payload ran. */
async function clickAll(base: string, pages: string[], figure?: string): Promise<{ clicked: number; outcomes: Record<Outcome, number>; pwned: string[] }> {
  const { context, pwned } = await watchedContext();
  const page = await context.newPage();
  const links = await distinctLinks(page, base, pages, figure);
  const outcomes: Record<Outcome, number> = { navigated: 0, download: 0, popup: 0, nothing: 0 };
  const found: string[] = [];
  for (const link of links) {
    await page.goto(base + link.page, { waitUntil: 'load' });
    if (link.lightbox) {
      // The thumbnail opens the lightbox (an <img>); its "Open file" link is what opens the file.
      await page.evaluate((i) => (document.querySelectorAll('a[href]')[i] as HTMLElement).click(), link.index);
      await page.waitForSelector('dialog.lightbox[open]');
      await page.waitForFunction(() => (document.querySelector('dialog.lightbox img') as HTMLImageElement).complete);
      found.push(...(await pwned()));
      outcomes[await click(page, 'dialog.lightbox a[href]', 0)]++;
    } else {
      outcomes[await click(page, 'a[href]', link.index)]++;
    }
    // Checked after every click: the next one navigates away from whatever ran.
    found.push(...(await pwned()));
  }
  await context.close();
  return { clicked: links.length, outcomes, pwned: found };
}

/** Opens report files directly as documents ("open in new tab", a pasted address) and clicks in the middle. */
async function openAll(base: string, files: string[]): Promise<string[]> {
  const { context, pwned } = await watchedContext();
  const page = await context.newPage();
  const found: string[] = [];
  for (const file of files) {
    const download = page.waitForEvent('download', { timeout: 2_000 }).catch(() => null);
    const loaded = await page.goto(base + file, { waitUntil: 'load' }).then(() => true, () => false);
    if (!loaded) {
      await download; // Chromium downloads what it does not display (EPS): nothing ran
      continue;
    }
    await clickInside(page);
    found.push(...(await pwned()));
  }
  await context.close();
  return found;
}

/** One test per payload: what its card shows, then every link of the card clicked and every file of it opened. */
const PAYLOADS: { name: string; script: string; figure: string; expect: RegExp }[] = [
  { name: 'a namespaced SVG script (<s:script xmlns:s=svg>)', script: 'evil/svgs.py', figure: 'namespaced_script', expect: /title="cleaned: removed &lt;s:script&gt;">SVG</ },
  { name: 'an XHTML-namespace script inside an SVG', script: 'evil/svgs.py', figure: 'xhtml_script', expect: /title="cleaned: removed &lt;h:script&gt;">SVG</ },
  { name: 'an SVG with a script, in UTF-16', script: 'evil/svgs.py', figure: 'utf16_script', expect: /title="cleaned: removed &lt;script&gt;">SVG</ },
  { name: 'an entity-encoded javascript: link in an SVG', script: 'evil/svgs.py', figure: 'entity_href', expect: /title="cleaned: removed attribute xlink:href">SVG</ },
  { name: 'a figure recorded with format html', script: 'evil/formats.py', figure: 'page', expect: /<span class="muted" title="ignored: [^"]*">HTML<\/span>/ },
  { name: 'a figure recorded with format xml', script: 'evil/formats.py', figure: 'page', expect: /<span class="muted" title="ignored: [^"]*">XML<\/span>/ },
];

for (const payload of PAYLOADS) {
  test(
    `payload: ${payload.name} — shown safely; clicking its card's links and opening its files runs nothing`,
    withTimeout(120_000, async () => {
      const page = runPage(payload.script);
      const html = readFileSync(join(report, page), 'utf8');
      const card = html.split('<figure class="fig">').find((c) => c.includes(`<span class="figname">${payload.figure}</span>`));
      assert.ok(card, `a card for ${payload.figure}`);
      assert.match(card!, payload.expect);
      assert.not.match(card!, /href="[^"]*\.(html|xml)"/, 'no link to an html or xml file');
      const files = [...card!.matchAll(/(?:href|src)="\.\.\/((?:figures|thumbs)\/[^"]+)"/g)].map((m) => m[1]!);
      for (const base of [fileBase, httpBase]) {
        const { pwned, outcomes, clicked } = await clickAll(base, [page], payload.figure);
        assert.ok(clicked >= 1, 'the card has links');
        assert.equal(pwned, [], `${base}: a payload ran after a click`);
        if (base === httpBase && payload.figure !== 'page') assert.ok(outcomes.download >= 1, 'over HTTP the SVG link downloads');
        assert.equal(await openAll(base, files), [], `${base}: a payload ran in a figure opened on its own`);
      }
    }),
  );
}

test(
  'the SVG figures show as images; the run with no manifest had its html/ folder ignored too',
  withTimeout(60_000, async () => {
    const { context } = await watchedContext();
    const page = await context.newPage();
    await page.goto(fileBase + runPage('evil/svgs.py'), { waitUntil: 'load' });
    const widths = await page.$$eval('figure.fig img', async (imgs) => {
      await Promise.all(imgs.map((img) => ((img as HTMLImageElement).loading = 'eager', (img as HTMLImageElement).decode().catch(() => undefined))));
      return imgs.map((img) => [(img as HTMLImageElement).alt, (img as HTMLImageElement).naturalWidth]);
    });
    assert.equal(widths.filter(([, w]) => !w), [], 'every figure decodes');
    assert.equal(widths.map(([alt]) => alt).sort(), ['Autosave_figure_1', 'entity_href', 'namespaced_script', 'utf16_script', 'xhtml_script']);
    await context.close();

    const crash = readFileSync(join(report, runPage('evil/crash.py')), 'utf8');
    assert.match(crash, /<span class="muted" title="ignored: [^"]*">HTML<\/span>/);
    assert.equal(reportFiles().filter((f) => !/\.(png|svg)$/.test(f) && f.startsWith('figures/')), [], 'figures/ holds only png and svg');
  }),
);

test(
  'every link of every page, from disk and over HTTP, and every file of the report opened on its own: nothing runs',
  withTimeout(300_000, async () => {
    const files = reportFiles();
    const pages = files.filter((f) => f.endsWith('.html'));
    assert.ok(pages.length >= 12, `all pages (${pages.length})`);
    for (const base of [fileBase, httpBase]) {
      const { clicked, outcomes, pwned } = await clickAll(base, pages);
      assert.ok(clicked >= 30, `${base}: links clicked (${clicked})`);
      assert.ok(outcomes.navigated >= 20, `${base}: navigations (${JSON.stringify(outcomes)})`);
      assert.equal(pwned, [], `${base}: a payload ran after a click`);
      assert.equal(await openAll(base, files.filter((f) => !f.endsWith('.html'))), [], `${base}: a payload ran in a file opened on its own`);
    }
  }),
);

test(
  "a matplotlib SVG's cleaned copy looks exactly like the original",
  withTimeout(60_000, async () => {
    const html = readFileSync(join(report, runPage('plots/rich.py')), 'utf8');
    const { context } = await watchedContext();
    const page = await context.newPage();
    for (const [name, source] of [['rich', 'fig000_rich.svg'], ['Autosave_figure_2', 'fig001_Autosave_figure_2.svg']] as const) {
      const card = html.split('<figure class="fig">').find((c) => c.includes(`<span class="figname">${name}</span>`))!;
      assert.not.match(card, /cleaned:/, 'nothing of a matplotlib SVG is reported removed');
      const cleaned = readFileSync(join(report, /href="\.\.\/(figures\/[0-9a-f]+\.svg)"/.exec(card)![1]!));
      const original = readFileSync(rig.path(`plots/_output/figures/rich/svg/${source}`));
      assert.is.not(cleaned.length, 0);
      const shot = async (svg: Buffer): Promise<Buffer> => {
        await page.setContent(`<img src="data:image/svg+xml;base64,${svg.toString('base64')}">`);
        await page.waitForFunction(() => document.images[0]!.complete && document.images[0]!.naturalWidth > 0);
        return page.locator('img').screenshot();
      };
      const a = await shot(original);
      const b = await shot(cleaned);
      assert.ok(a.equals(b), `${name}: the cleaned SVG renders pixel for pixel like the original`);
    }
    await context.close();
  }),
);

test.run();
