/**
 * `mreorg serve` under load (node --import tsx bench/serve.ts): (1) the server's resident memory while 200
 * queued scripts are run by its two workers, six times over (ROUNDS) (flat = the same after each round); (2) the
 * served overview of 1,000 scripts in Chromium: first contentful paint, and when the live controls are applied.
 * Prints a Markdown table for BENCHMARKS.md.
 */
import fs from 'node:fs';
import { launchChromium } from '../test/browser.js';
import { Rig } from '../test/helpers/rig.js';
import { post, request, startServe, tokenOf } from '../test/helpers/serve.js';

/**
 * The server's live heap: a heap snapshot (asked for with SIGUSR2, --heapsnapshot-signal) is taken after a full
 * garbage collection, so the sum of its nodes' sizes is what the server still holds, unlike its RSS, which V8
 * lets grow until it needs to collect.
 */
async function liveHeapMiB(pid: number, dir: string): Promise<number> {
  const before = new Set(fs.readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  let file = '';
  let size = -1;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    file ||= fs.readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f)) ?? '';
    if (!file) continue;
    const now = fs.statSync(`${dir}/${file}`).size;
    if (now === size && now > 0) break;
    size = now;
  }
  const snap = JSON.parse(fs.readFileSync(`${dir}/${file}`, 'utf8'));
  fs.rmSync(`${dir}/${file}`);
  const fields: string[] = snap.snapshot.meta.node_fields;
  const at = fields.indexOf('self_size');
  const nodes: number[] = snap.nodes;
  let total = 0;
  for (let i = at; i < nodes.length; i += fields.length) total += nodes[i]!;
  return total / 1024 / 1024;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function until(cond: () => Promise<boolean>, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function memory(): Promise<string[]> {
  const rig = new Rig('mreorg-bench-serve-');
  const N = 200;
  const ROUNDS = Number(process.env.ROUNDS ?? 6);
  const write = (round: number) => {
    for (let i = 0; i < N; i++) rig.write({ [`sims/s${String(i).padStart(3, '0')}.py`]: `# round ${round}\nprint(${i} * ${round})\n` });
  };
  // Two runs kept per script: from round 3 on, everything the project holds has its final size, so any growth
  // is the server's.
  rig.write({ 'mreorg.config.mjs': 'export default { history: 2 };\n' });
  write(0);
  const snaps = fs.mkdtempSync('/tmp/mreorg-bench-snaps-');
  const s = await startServe(rig, ['--workers', '2'], { NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${snaps}` }, 3_600_000);
  const pid = s.child.pid!;
  const rows = [`| start (${N} scripts, nothing run) | ${rssMiB(pid).toFixed(1)} MiB | ${(await liveHeapMiB(pid, snaps)).toFixed(1)} MiB |`];
  try {
    const token = await tokenOf(s.port);
    for (let round = 1; round <= ROUNDS; round++) {
      if (round > 1) write(round);
      let peak = 0;
      const t0 = Date.now();
      const res = await post(s.port, token, { action: 'add', runconfig: 'default', which: 'stale' });
      if (JSON.parse(res.body).added.length !== N) throw new Error(`round ${round}: ${res.body}`);
      await until(async () => {
        peak = Math.max(peak, rssMiB(pid));
        const st = JSON.parse((await request(s.port, 'GET', '/_mreorg/state')).body);
        return st.queue.length === 0 && st.scripts.every((x: { state: string }) => x.state === 'up-to-date');
      }, 600_000);
      process.stderr.write(`round ${round} done\n`);
      const took = ((Date.now() - t0) / 1000).toFixed(0);
      rows.push(`| after round ${round}: ${N} queued and run in ${took} s | ${rssMiB(pid).toFixed(1)} MiB (peak ${peak.toFixed(1)}) | ${(await liveHeapMiB(pid, snaps)).toFixed(1)} MiB |`);
    }
  } finally {
    s.child.kill('SIGINT');
    await s.done.catch(() => {});
    rig.cleanup();
    fs.rmSync(snaps, { recursive: true, force: true });
  }
  return rows;
}

async function firstPaint(): Promise<string[]> {
  const rig = new Rig('mreorg-bench-paint-');
  const N = 1000;
  for (let i = 0; i < N; i++) rig.write({ [`sims/g${i % 20}/s${i}.py`]: `"""Script ${i}."""\nprint(${i})\n` });
  const s = await startServe(rig, ['--workers', '0'], {}, 3_600_000);
  const browser = await launchChromium();
  const rows: string[] = [];
  try {
    for (let k = 0; k < 3; k++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const t0 = Date.now();
      await page.goto(`${s.base}/`);
      await page.waitForSelector('body[data-live-version]');
      const live = Date.now() - t0;
      const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
      rows.push(`| overview of ${N} scripts, load ${k + 1} | first contentful paint ${fcp.toFixed(0)} ms | controls and live states applied ${live} ms |`);
      await page.close();
    }
  } finally {
    await browser.close();
    s.child.kill('SIGINT');
    await s.done.catch(() => {});
    rig.cleanup();
  }
  return rows;
}

const mem = await memory();
const paint = await firstPaint();
process.stdout.write(['| server | resident memory | live heap (after a full GC) |', '|---|---|---|', ...mem, '', '| page | | |', '|---|---|---|', ...paint, ''].join('\n'));
