/**
 * Synthesises what `mreorg build` would have left after R builds of a generated project (bench/generate.mjs), so
 * `mreorg report`, `status` and the ledger size can be measured at 10,000 scripts without 10,000 x R real runs:
 *
 *   scripts/.mreorg/ledger.json        latest entry per script (src/ledger/ledger.ts LedgerData), up to date
 *   scripts/.mreorg/runs/<slug>.json   R runs per script, oldest first (HistoryFile), slugs from slugFor()
 *   scripts/pNN/qNN/_output/figures/sNNNNN/png/fig00K_Autosave_figure_K.png   F real matplotlib PNGs per script,
 *                                      each made unique (a tEXt chunk) so the report stores and thumbnails each
 *
 * Every run's shape is the one src/run/script.ts produces (the fields of src/model/run.ts Run), the latest
 * entry's fingerprint matches the script's current sha256 and the interpreter, so `mreorg status` says every
 * script is up to date: that is checked by bench/run.sh. Files are written without fsync (it is a fixture).
 *
 * Usage: node --import tsx bench/synth-ledger.ts --project bench/work/report10000 --runs 20 --figures 2
 *        [--python /usr/bin/python3] [--check-history]
 * --check-history also records history + 5 runs of one script through the real Ledger class (record + flush)
 * and prints the history file size after `history` and after `history + 5` runs: growth is bounded.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Ledger, LEDGER_VERSION, slugFor, type LedgerData } from '../src/ledger/ledger.js';
import type { Run, RunFigure } from '../src/model/run.js';
import { latestOf, makeRun } from './fixtures.js';

interface Options {
  project: string;
  runs: number;
  figures: number;
  python: string;
  checkHistory: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { project: '', runs: 20, figures: 2, python: '/usr/bin/python3', checkHistory: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`synth-ledger: ${a} needs a value`);
      return v;
    };
    if (a === '--project') o.project = next();
    else if (a === '--runs') o.runs = Number(next());
    else if (a === '--figures') o.figures = Number(next());
    else if (a === '--python') o.python = next();
    else if (a === '--check-history') o.checkHistory = true;
    else throw new Error(`synth-ledger: unknown argument ${a}`);
  }
  if (!o.project) throw new Error('synth-ledger: --project DIR is required (a folder made by bench/generate.mjs)');
  if (!(o.runs >= 1) || !(o.figures >= 0)) throw new Error('synth-ledger: --runs must be >= 1 and --figures >= 0');
  return o;
}

/** Template PNGs: real matplotlib figures (640x480, the default size) when matplotlib is there, else null. */
function templatePngs(python: string, count: number, dir: string): Buffer[] {
  const code = `
import sys, matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt, numpy as np
out = sys.argv[1]
for k in range(int(sys.argv[2])):
    fig, ax = plt.subplots()
    x = np.linspace(0, 10, 200)
    ax.plot(x, np.sin(x * (k + 1)), label='sin')
    ax.scatter(x[::10], np.cos(x[::10]), color='C1', label='cos')
    ax.set_title(f'Figure {k + 1}'); ax.legend(); ax.set_xlabel('time (s)'); ax.set_ylabel('V (mV)')
    fig.savefig(f'{out}/t{k}.png')
`;
  fs.mkdirSync(dir, { recursive: true });
  try {
    execFileSync(python, ['-c', code, dir, String(Math.max(1, count))], { stdio: ['ignore', 'ignore', 'pipe'] });
    return Array.from({ length: Math.max(1, count) }, (_, k) => fs.readFileSync(path.join(dir, `t${k}.png`)));
  } catch (e) {
    throw new Error(`synth-ledger: could not draw template figures with ${python} (matplotlib needed): ${String(e)}`);
  }
}

/** The PNG with a tEXt chunk inserted after IHDR: other bytes (so another content hash), same pixels. */
function uniquePng(png: Buffer, text: string): Buffer {
  const ihdrEnd = 8 + 4 + 4 + 13 + 4;
  const data = Buffer.from(`Comment\0${text}`, 'latin1');
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write('tEXt', 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(zlib.crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const project = path.resolve(o.project);
  const root = path.join(project, 'scripts');
  const stems = fs.readFileSync(path.join(project, 'scripts.txt'), 'utf8').split('\n').filter(Boolean);
  const [executable, version] = execFileSync(o.python, ['-S', '-c', 'import sys, platform; print(sys.executable); print(platform.python_version())'], { encoding: 'utf8' })
    .trim()
    .split('\n') as [string, string];
  const templates = o.figures > 0 ? templatePngs(o.python, o.figures, path.join(os.tmpdir(), `mreorg-bench-figs-${process.pid}`)) : [];
  const ledgerDir = path.join(root, '.mreorg');
  fs.rmSync(ledgerDir, { recursive: true, force: true });
  fs.mkdirSync(path.join(ledgerDir, 'runs'), { recursive: true });

  const data: LedgerData = { version: LEDGER_VERSION, tracked: [], untracked: [], latest: {} };
  // Runs an hour apart, the newest an hour ago; every figure file is written after (it is the newest run's).
  const newest = Date.now() - 3600_000;
  let figureFiles = 0;
  for (let i = 0; i < stems.length; i++) {
    const rel = stems[i]!.replace(/^scripts\//, '') + '.py';
    const abs = path.join(root, rel);
    const hash = createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
    const base = path.basename(rel, '.py');
    const figures: RunFigure[] = [];
    for (let k = 1; k <= o.figures; k++) {
      const figRel = `${path.posix.dirname(rel)}/_output/figures/${base}/png/fig${String(k - 1).padStart(3, '0')}_Autosave_figure_${k}.png`;
      const figAbs = path.join(root, figRel);
      fs.mkdirSync(path.dirname(figAbs), { recursive: true });
      fs.writeFileSync(figAbs, uniquePng(templates[(k - 1) % templates.length]!, `${rel} figure ${k}`));
      figureFiles++;
      figures.push({ path: figRel, format: 'png', number: k, name: `Autosave_figure_${k}`, width: 640, height: 480 });
    }
    const runs: Run[] = [];
    for (let r = o.runs - 1; r >= 0; r--) {
      runs.push(makeRun(rel, hash, i * o.runs + r, new Date(newest - r * 3600_000 + (i % 1000)), version, executable, figures));
    }
    data.latest[rel] = { default: latestOf(runs[runs.length - 1]!) };
    fs.writeFileSync(path.join(ledgerDir, 'runs', `${slugFor(rel)}.json`), JSON.stringify({ version: LEDGER_VERSION, path: rel, runs }));
  }
  fs.writeFileSync(path.join(ledgerDir, 'ledger.json'), JSON.stringify(data));
  process.stdout.write(`synthesised ${stems.length} scripts x ${o.runs} runs, ${figureFiles} figure files, in ${ledgerDir}\n`);

  if (o.checkHistory) await checkHistory(o.runs);
}

/** Records history + 5 runs of one script through the Ledger class: the history file stops growing at `history`. */
async function checkHistory(history: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mreorg-bench-hist-'));
  const file = path.join(dir, 'ledger.json');
  const ledger = await Ledger.open(file, history);
  const sizes: number[] = [];
  for (let k = 0; k < history + 5; k++) {
    const run = makeRun('a/b.py', 'f'.repeat(64), k, new Date(Date.UTC(2026, 0, 1) + k * 60_000), '3.11.2', '/usr/bin/python3', []);
    ledger.record(run, latestOf(run));
    await ledger.flush();
    sizes.push(fs.statSync(ledger.historyFile('a/b.py')).size);
  }
  const kept = (await ledger.runs('a/b.py')).length;
  process.stdout.write(
    `history check: history=${history}; runs kept after ${history + 5} runs: ${kept}; history file ${sizes[history - 1]} B after ${history} runs, ${sizes[sizes.length - 1]} B after ${history + 5}\n`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
  if (kept !== history) process.exitCode = 1;
}

await main();
