/**
 * The served overview in a real browser, against a real `mreorg serve` with a worker running real python: Run on
 * a never-run script turns its row green without a reload; Run selected; Cancel on a queued and on a running
 * script; the queue page. No console error, no CSP violation. Saves test/artifacts/serve.png (the overview during a run; docs/serve.png with MREORG_UPDATE_DOCS=1).
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { launchChromium, withTimeout } from './browser.js';
import { isRunning, Rig } from './helpers/rig.js';
import { startServe, type Served } from './helpers/serve.js';

// The README's screenshot is rewritten only when asked (MREORG_UPDATE_DOCS=1): a test run leaves the tree clean.
const SHOTS = fileURLToPath(new URL(process.env.MREORG_UPDATE_DOCS === '1' ? '../docs/' : './artifacts/', import.meta.url));
const T = 120_000;

let rig: Rig;
let browser: Browser;
let served: Served;

const quick = (doc: string) => `"""${doc}"""\nimport time\ntime.sleep(0.3)\nprint("done")\n`;
const talk = ['"""Prints as it goes."""', 'import os, time', 'open("talk.pid", "w").write(str(os.getpid()))', 'for i in range(900):', '    print("tick", i, flush=True)', '    time.sleep(0.1)'].join('\n');
const slow = (name: string) => `"""${name}: a long simulation."""\nimport os, time\nopen("${name}.pid", "w").write(str(os.getpid()))\ntime.sleep(90)\n`;

test.before(
  withTimeout(T, async () => {
    rig = new Rig('mreorg-serve-browser-');
    rig.write({
      'mreorg.config.mjs': "export default { report: { title: 'Lab book' }, monitor: [{ dir: 'sims', recurse: true, autoTrack: true }, { dir: 'extra' }] };\n",
      'extra/later.py': 'print("found, not tracked")\n',
      'sims/quick.py': quick('Never run until the test clicks Run.'),
      'sims/a.py': quick('First of two selected.'),
      'sims/b.py': quick('Second of two selected.'),
      'sims/slow.py': slow('slow'),
      'sims/wait.py': slow('wait'),
      'sims/talk.py': talk,
    });
    served = await startServe(rig, ['--workers', '1']);
    browser = await launchChromium();
  }),
);

test.after(async () => {
  await browser?.close();
  served?.child.kill('SIGINT');
  await served?.done.catch(() => {});
  rig.killLeftovers();
  rig.cleanup();
});

async function open(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => !r.url().startsWith(served.base) && problems.push(`request elsewhere: ${r.url()}`));
  await page.goto(`${served.base}/`);
  await page.waitForSelector('body[data-live-version]');
  // Set once: a reload would lose it.
  await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
  return { page, problems };
}

function row(page: Page, path: string) {
  return page.locator('.row[data-item]', { has: page.locator('.path a', { hasText: new RegExp(`^${path.replace('.', '\\.')}$`) }) });
}

async function stillSameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument === true);
}

test(
  'Run on a never-run script: it is queued, run by the worker, and its row turns green without a reload',
  withTimeout(T, async () => {
    const { page, problems } = await open();
    const r = row(page, 'sims/quick.py');
    assert.match((await r.getAttribute('class')) ?? '', 'st-never-run');
    await r.locator('.runbtn').click();
    await page.waitForFunction(() => !!document.querySelector('.row.st-up-to-date'), null, { timeout: 60_000 });
    await r.locator('.pill', { hasText: 'up to date' }).waitFor({ timeout: 10_000 });
    assert.match((await r.getAttribute('class')) ?? '', 'st-up-to-date');
    assert.is(await r.locator('.runbtn').textContent(), 'Run');
    assert.is(await page.locator('.counts .count.st-up-to-date b').textContent(), '1', 'the count per state follows');
    assert.ok(await stillSameDocument(page), 'no reload');
    assert.equal(problems, []);
    await page.close();
  }),
);

test(
  'Run selected: two ticked scripts run and turn green',
  withTimeout(T, async () => {
    const { page, problems } = await open();
    await row(page, 'sims/a.py').locator('.pick').check();
    await row(page, 'sims/b.py').locator('.pick').check();
    await page.getByRole('button', { name: 'Run selected' }).click();
    for (const p of ['sims/a.py', 'sims/b.py']) {
      await page.waitForFunction((sel) => document.querySelectorAll(sel).length > 0, `.row.st-up-to-date`, { timeout: 5_000 });
      await row(page, p).locator('.pill', { hasText: 'up to date' }).waitFor({ timeout: 60_000 });
    }
    assert.ok(await stillSameDocument(page));
    assert.equal(problems, []);
    await page.close();
  }),
);

test(
  'Cancel a queued script (it leaves the queue) and a running one (stopped, recorded interrupted); the queue page lists them',
  withTimeout(T, async () => {
    const { page, problems } = await open();
    const s = row(page, 'sims/slow.py');
    const w = row(page, 'sims/wait.py');
    await s.locator('.runbtn').click();
    await page.waitForFunction(() => [...document.querySelectorAll('.row.running .pill')].some((p) => /^running/.test(p.textContent ?? '')), null, { timeout: 60_000 });
    await rig.until('slow.py started', () => rig.exists('sims/slow.pid'));
    // One worker, busy: wait.py waits in the queue.
    await w.locator('.runbtn').click();
    await w.locator('.pill', { hasText: 'queued' }).waitFor({ timeout: 10_000 });
    assert.match((await w.getAttribute('class')) ?? '', /\bqueued\b/);
    await page.screenshot({ path: join(SHOTS, 'serve.png') });

    const q = await browser.newPage();
    await q.goto(`${served.base}/_mreorg/queue.html`);
    await q.locator('.queuerows .row').nth(1).waitFor({ timeout: 10_000 });
    assert.equal(await q.locator('.queuerows .row .path').allTextContents(), ['sims/slow.py', 'sims/wait.py']);
    await q.close();

    await w.locator('.runbtn', { hasText: 'Cancel' }).click();
    await w.locator('.pill', { hasText: 'never run' }).waitFor({ timeout: 10_000 });
    assert.not.match((await w.getAttribute('class')) ?? '', /\bqueued\b/);

    await s.locator('.runbtn', { hasText: 'Cancel' }).click();
    // An interrupted run is no result: the script is stale again (orange, "changed").
    await s.locator('.pill', { hasText: 'changed' }).waitFor({ timeout: 30_000 });
    assert.match((await s.getAttribute('class')) ?? '', 'st-changed');
    assert.not.ok(isRunning(Number(rig.read('sims/slow.pid'))), 'the script was stopped');
    const ledger = JSON.parse(rig.read('.mreorg/ledger.json'));
    assert.is(ledger.latest['sims/slow.py'].default.result, 'interrupted');
    assert.is(ledger.latest['sims/wait.py'], undefined, 'the cancelled queued script never ran');
    assert.not.ok(rig.exists('sims/wait.pid'));
    assert.ok(await stillSameDocument(page));
    assert.equal(problems, []);
    await page.close();
  }),
);

test(
  "a script's page: Run, its output as it prints it, Cancel",
  withTimeout(T, async () => {
    const { page, problems } = await open();
    await row(page, 'sims/talk.py').locator('.path a').click();
    await page.waitForSelector('.livepanel');
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    await page.locator('.livepanel .runbtn').click();
    await page.locator('.livetail', { hasText: /tick \d+/ }).waitFor({ timeout: 60_000 });
    const first = await page.locator('.livetail').textContent();
    await page.waitForFunction((before) => (document.querySelector('.livetail')?.textContent ?? '') !== before, first, { timeout: 10_000 });
    assert.match((await page.locator('.livestatus').textContent()) ?? '', /^running under default/);
    await page.locator('.livepanel .runbtn', { hasText: 'Cancel' }).click();
    await page.locator('.livepanel .runbtn', { hasText: 'Run' }).waitFor({ timeout: 30_000 });
    await rig.until('talk.py stopped', () => !isRunning(Number(rig.read('sims/talk.pid'))));
    assert.ok(await stillSameDocument(page));
    assert.equal(problems, []);
    await page.close();
  }),
);

test(
  'the tracking page: tick an untracked script, Track selected; then Untrack it again',
  withTimeout(T, async () => {
    const { page, problems } = await open();
    await page.goto(`${served.base}/tracking.html`);
    await page.getByRole('checkbox', { name: 'Track extra/later.py', exact: true }).check();
    await page.getByRole('button', { name: 'Track selected', exact: true }).click();
    await page.getByRole('checkbox', { name: 'Untrack extra/later.py' }).waitFor({ timeout: 30_000 });
    assert.ok(JSON.parse(rig.read('.mreorg/ledger.json')).tracked.includes('extra/later.py'), 'kept in the ledger');
    await page.getByRole('checkbox', { name: 'Untrack extra/later.py' }).check();
    await page.getByRole('button', { name: 'Untrack selected' }).click();
    await page.getByRole('checkbox', { name: 'Track extra/later.py', exact: true }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Rescan' }).click();
    await page.getByRole('checkbox', { name: 'Track extra/later.py', exact: true }).waitFor({ timeout: 30_000 });
    assert.equal(problems, []);
    await page.close();
  }),
);

test(
  'the tracking page: Monitor folder adds one the config does not name, its script listed to track; Stop monitoring',
  withTimeout(T, async () => {
    rig.write({ 'notes/deep/idea.py': 'print("an idea")\n' });
    const { page, problems } = await open();
    await page.goto(`${served.base}/tracking.html`);
    await page.getByRole('textbox', { name: 'Folder to monitor' }).fill('notes');
    await page.getByRole('button', { name: 'Monitor folder' }).click();
    await page.getByRole('checkbox', { name: 'Track notes/deep/idea.py', exact: true }).waitFor({ timeout: 30_000 });
    assert.equal(JSON.parse(rig.read('.mreorg/ledger.json')).monitors, ['notes']);
    await page.getByRole('button', { name: 'Stop monitoring' }).click();
    await page.getByRole('checkbox', { name: 'Track notes/deep/idea.py', exact: true }).waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(JSON.parse(rig.read('.mreorg/ledger.json')).monitors, []);
    assert.equal(problems, []);
    await page.close();
  }),
);

test.run();
