/**
 * The Coverage pages in headless Chromium, from a real `mreorg build --coverage` (python3-coverage): they load from
 * file:// under the report's CSP with no console error and no request outside the report; names a script controls
 * (a script and a library file named like markup) are text, never markup; the links between the Coverage page, a
 * library file's page and a script's page work.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { launchChromium, openReportPage, withTimeout } from './browser.js';
import { Rig } from './helpers/rig.js';

const EVIL = '<img src=x onerror=alert(1)>';
let rig: Rig;
let browser: Browser;
let report = '';

test.before(withTimeout(180_000, async () => {
  rig = new Rig('mreorg-coverage-browser-');
  rig.write({
    'mreorg.config.mjs': 'export default { monitor: [{ dir: "sims", autoTrack: true }], coverage: { enabled: true } };\n',
    'lib/__init__.py': '',
    'lib/neuron.py': 'def simulate(n):\n    return n + 1\n\n\ndef fit(x):\n    return x * 2\n\n\ndef unused():\n    return 42\n',
    [`lib/${EVIL}.py`]: 'def evil():\n    return "<script>alert(2)</script>"\n',
    'sims/a.py': 'import os, sys\nsys.path.insert(0, "..")\nfrom lib.neuron import simulate\nprint(simulate(1))\n',
    [`sims/${EVIL}.py`]: [
      'import importlib.util, os, sys',
      'sys.path.insert(0, "..")',
      'from lib.neuron import fit',
      `spec = importlib.util.spec_from_file_location("evil", os.path.join("..", "lib", ${JSON.stringify(`${EVIL}.py`)}))`,
      'mod = importlib.util.module_from_spec(spec)',
      'spec.loader.exec_module(mod)',
      'print(fit(2), mod.evil())',
      '',
    ].join('\n'),
  });
  const res = await rig.run(['build'], { timeoutMs: 120_000 });
  assert.is(res.code, 0, res.stdout + res.stderr);
  report = rig.path('report');
  browser = await launchChromium();
}));

test.after(withTimeout(30_000, async () => {
  await browser?.close();
  rig?.cleanup();
}));

test('the Coverage page lists each library file with its share of lines, and the functions no script reaches', withTimeout(60_000, async () => {
  const { page, problems } = await openReportPage(browser, report, 'index.html');
  let dialogs = 0;
  page.on('dialog', (d) => (dialogs++, void d.dismiss()));
  await page.click('nav a:text("Coverage")');
  assert.match(page.url(), /\/coverage\.html$/);
  const rows = await page.$$eval('table.coverage-files tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent!.trim())));
  assert.equal(rows.map((r) => r[0]), ['lib/<img src=x onerror=alert(1)>.py', 'lib/__init__.py', 'lib/neuron.py'].sort((a, b) => a.localeCompare(b)));
  const neuron = rows.find((r) => r[0] === 'lib/neuron.py')!;
  assert.equal(neuron.slice(1), ['5 / 6', '83.3']);
  assert.equal(await page.$$eval('ul.uncovered li a', (as) => as.map((a) => a.textContent)), ['unused']);
  assert.is(await page.locator('img').count(), 0, 'a file named like an <img> stays text');
  assert.is(dialogs, 0);
  assert.equal(problems, []);
  await page.close();
}));

test('a library file\'s page: functions with the scripts reaching them, each line marked, a function link jumps to it', withTimeout(60_000, async () => {
  const { page, problems } = await openReportPage(browser, report, 'coverage.html');
  await page.click('table.coverage-files a:text("lib/neuron.py")');
  const fns = await page.$$eval('table.coverage-functions tbody tr', (trs) => trs.map((tr) => ({ cls: tr.className, cells: [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim()) })));
  assert.equal(fns.map((f) => [f.cls, f.cells[0], f.cells[2]]), [
    ['cov-run', 'simulate line 1', 'sims/a.py'],
    ['cov-run', 'fit line 5', `sims/${EVIL}.py`],
    ['cov-miss', 'unused line 9', 'no script'],
  ]);
  assert.is(await page.getAttribute('#L2', 'class'), 'cov-run');
  assert.is(await page.getAttribute('#L10', 'class'), 'cov-miss');
  assert.is(await page.getAttribute('#L3', 'class'), null, 'a blank line is neither');
  assert.is((await page.textContent('#L6 td.by'))!.trim(), `sims/${EVIL}.py`);
  await page.click('table.coverage-functions a:text("unused")');
  assert.match(page.url(), /#L9$/);
  // The script named like markup links to its page, which lists what it exercised.
  await page.click(`#L6 td.by a`);
  assert.match(page.url(), /\/scripts\/[A-Za-z0-9_-]+\.html$/);
  const exercised = await page.$$eval('ul.script-coverage li', (lis) => lis.map((li) => li.textContent!.replace(/\s+/g, ' ').trim()));
  assert.equal(exercised, [`lib/${EVIL}.py 2/2 lines: evil`, 'lib/__init__.py 0/0 lines', 'lib/neuron.py 4/6 lines: fit'].sort((a, b) => a.localeCompare(b)));
  assert.is(await page.locator('img').count(), 0);
  assert.equal(problems, []);
  await page.close();
}));

test('the evil library file\'s page shows its source as text', withTimeout(60_000, async () => {
  const { page, problems } = await openReportPage(browser, report, 'coverage.html');
  await page.click(`table.coverage-files a:text("${EVIL}")`);
  assert.is(await page.textContent('h1'), `lib/${EVIL}.py`);
  assert.match((await page.textContent('#L2 td.code'))!, /<script>alert\(2\)<\/script>/);
  assert.is(await page.locator('main script').count(), 0);
  assert.equal(problems, []);
  await page.close();
}));

test.run();
