/**
 * The Changes page in a real browser, from a real project built twice with python and matplotlib: a library
 * constant changes one script's figure. The page groups it under the reason it ran, its before, after and diff
 * images load, the blink toggle flips the after pane to the before image and back, the navigation has a badge,
 * the overview marks the row and the script page lists the figure's history. Saves docs/changes.png.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { launchChromium, withTimeout } from './browser.js';
import { Rig } from './helpers/rig.js';

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));

let rig: Rig;
let browser: Browser;
let folderUrl = '';

function sim(gain: string): Record<string, string> {
  return {
    'lib/__init__.py': '',
    'lib/neuron.py': `"""Membrane model shared by the simulations."""\nGAIN = ${gain}\n`,
    'sims/sim_ok.py': [
      '"""Firing rate against input current, through lib.neuron."""',
      'import os, sys',
      "sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))",
      'import numpy as np',
      'import matplotlib.pyplot as plt',
      'from lib.neuron import GAIN',
      'x = np.linspace(0, 10, 200)',
      "plt.figure(figsize=(5, 3.5)); plt.plot(x, np.tanh(GAIN * x / 5) * 40); plt.xlabel('current (nA)'); plt.ylabel('rate (Hz)'); plt.title('f-I curve')",
      "plt.figure(figsize=(5, 3.5)); plt.plot(x, np.sin(x)); plt.title('unchanged')",
      "print('peak rate', round(float(np.tanh(GAIN * 2) * 40), 2))",
    ].join('\n'),
    'mreorg.config.mjs': "export default { report: { title: 'Lab book' } };\n",
    'sims/other.py': '"""Does not use lib.neuron."""\nprint("steady")\n',
  };
}

test.before(withTimeout(120_000, async () => {
  rig = new Rig('mreorg-changes-browser-');
  rig.write(sim('1.0'));
  const first = await rig.run(['build']);
  assert.is(first.code, 0, first.stderr);
  rig.write({ 'lib/neuron.py': '"""Membrane model shared by the simulations."""\nGAIN = 2.5\n' });
  const second = await rig.run(['build']);
  assert.is(second.code, 0, second.stderr);
  assert.match(second.stdout, /1 script changed its results: sims\/sim_ok\.py \(figure 1: /);
  folderUrl = pathToFileURL(rig.path('report')).href + '/';
  browser = await launchChromium();
}));

test.after(withTimeout(30_000, async () => {
  await browser?.close();
  rig?.cleanup();
}));

async function open(file: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('request', (r) => void (!r.url().startsWith(folderUrl) && problems.push(`outside: ${r.url()}`)));
  await page.goto(folderUrl + file, { waitUntil: 'load' });
  return { page, problems };
}

test(
  'the Changes page: grouped by why it ran, before | after | diff images load, the stdout diff',
  withTimeout(60_000, async () => {
    const { page, problems } = await open('changes.html');
    assert.match((await page.textContent('nav.nav a[href="changes.html"]'))!, /Changes\s*1/);
    const group = page.locator('.changes-group');
    assert.is(await group.count(), 1);
    assert.match((await group.locator('h2').textContent())!, /lib\/neuron\.py changed\s*→\s*1 script, 1 figure changed/);
    const cards = page.locator('[data-changed-script]');
    assert.equal(await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-changed-script'))), ['sims/sim_ok.py']);
    assert.match((await page.textContent('.cmp h3'))!, /figure 1\s+[\d.]+% of pixels differ/);
    const sides = await page.$$eval('.cmp img', (imgs) =>
      Promise.all(
        (imgs as HTMLImageElement[]).map(async (img) => {
          await img.decode().catch(() => undefined);
          return [img.dataset.side, img.naturalWidth];
        }),
      ),
    );
    assert.equal(sides, [['before', 500], ['after', 500], ['before', 500], ['diff', 500]]);
    assert.match((await page.textContent('pre.diff .del'))!, /^-peak rate 38\.56$/);
    assert.match((await page.textContent('pre.diff .add'))!, /^\+peak rate 40\.0$/);
    assert.equal(problems, []);
    await page.close();
  }),
);

test(
  'the blink toggle flips the after pane to the before image and back',
  withTimeout(60_000, async () => {
    const { page, problems } = await open('changes.html');
    const pane = page.locator('.cmp .pane').nth(1);
    const shown = () => pane.locator('img:visible').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).dataset.side));
    assert.equal(await shown(), ['after']);
    await pane.locator('button[data-blink]').click();
    assert.equal(await shown(), ['before']);
    assert.is(await pane.locator('[data-blink-label]').textContent(), 'before');
    assert.is(await pane.locator('button[data-blink]').getAttribute('aria-pressed'), 'true');
    await pane.locator('button[data-blink]').click();
    assert.equal(await shown(), ['after']);
    assert.equal(problems, []);
    await page.setViewportSize({ width: 1280, height: 820 });
    await page.screenshot({ path: join(DOCS, 'changes.png') });
    await page.close();
  }),
);

test(
  'the overview marks the changed row; the script page lists which runs changed its figures',
  withTimeout(60_000, async () => {
    const { page, problems } = await open('index.html');
    const marks = await page.$$eval('.changed-mark', (els) => els.map((e) => [e.closest('[data-item]')?.querySelector('.path a')?.textContent, e.getAttribute('title')]));
    assert.is(marks.length, 1);
    assert.is(marks[0]![0], 'sims/sim_ok.py');
    assert.match(marks[0]![1]!, /^figure 1: [\d.]+% of pixels, stdout: 2 lines$/);
    await page.click('.path a:has-text("sims/sim_ok.py")');
    const rows = await page.$$eval('table.figure-history tbody tr', (trs) => trs.map((tr) => Array.from((tr as HTMLTableRowElement).cells, (c) => c.textContent?.trim()).join(' | ')));
    assert.is(rows.length, 1, 'the first run had nothing to compare with');
    assert.match(rows[0]!, / \| default \| previous run \| figure 1: [\d.]+% of pixels, stdout: 2 lines$/, rows[0]);
    assert.equal(problems, []);
    await page.close();
  }),
);

test.run();
