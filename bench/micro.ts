/**
 * Micro-benchmarks (tinybench) of the functions a no-op build and a report spend their time in, at 10,000
 * scripts unless said otherwise. Imports the TypeScript sources directly: run with
 *
 *   node --import tsx bench/micro.ts [--n 10000] [--time 1500] [--json bench/work/results/micro.json]
 *
 * Fixtures (a generated project, a ledger, ReportData) are built in bench/work/micro/ before timing starts.
 * "cold" hashing means an empty stat cache (every file is read and hashed), not a cold OS page cache.
 * A benchmark whose API is missing (the report is being rewritten as this is written) is skipped with a note.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Bench } from 'tinybench';
import type { Runconfig } from '../src/config/types.js';
import { FileHasher, type HashCacheData } from '../src/hash/filehash.js';
import { Ledger, LEDGER_VERSION, slugFor, type LedgerData } from '../src/ledger/ledger.js';
import type { LatestEntry } from '../src/model/entry.js';
import type { Run } from '../src/model/run.js';
import { plan, type PlanInput } from '../src/plan/plan.js';
import { latestOf, makeRun } from './fixtures.js';
// @ts-expect-error: plain ESM module without types
import { generate } from './generate.mjs';

interface Options {
  n: number;
  time: number;
  json: string | null;
  work: string;
}

function parseArgs(argv: string[]): Options {
  const here = path.dirname(new URL(import.meta.url).pathname);
  const o: Options = { n: 10_000, time: 1500, json: null, work: path.join(here, 'work', 'micro') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = (): string => argv[++i] ?? '';
    if (a === '--n') o.n = Number(v());
    else if (a === '--time') o.time = Number(v());
    else if (a === '--json') o.json = v();
    else if (a === '--work') o.work = path.resolve(v());
    else throw new Error(`micro: unknown argument ${a}`);
  }
  if (!(o.n >= 10)) throw new Error('micro: --n must be at least 10');
  return o;
}

const o = parseArgs(process.argv.slice(2));
const N = o.n;
const notes: string[] = [];

// ---------------------------------------------------------------- fixtures
process.stderr.write(`micro: building fixtures for ${N} scripts in ${o.work}\n`);
const { root: projectDir, stems } = generate({ n: N, out: o.work, python: '/usr/bin/python3' }) as { root: string; stems: string[] };
const root = path.join(projectDir, 'scripts');
const rels = stems.map((s) => s.replace(/^scripts\//, '') + '.py');
const abs = rels.map((r) => path.join(root, r));
const hashes = rels.map((_, i) => createHash('sha256').update(fs.readFileSync(abs[i]!)).digest('hex'));

const warmCache: HashCacheData = await (async () => {
  const h = new FileHasher(null);
  await h.hashAll(abs);
  return h.toJSON();
})();
const hashCacheFile = path.join(root, '.mreorg', 'hashes.json');
fs.mkdirSync(path.dirname(hashCacheFile), { recursive: true });
fs.writeFileSync(hashCacheFile, JSON.stringify(warmCache));

const when = Date.UTC(2026, 10, 1);
const runs: Run[] = rels.map((r, i) => makeRun(r, hashes[i]!, i, new Date(when + i * 1000), '3.11.2', '/usr/bin/python3', []));
const latest = new Map<string, LatestEntry>(runs.map((r) => [r.path, latestOf(r)]));

/** Same scripts, but each reads the stamps of the 3 scripts before it: 30,000 data edges for the planner. */
const chained = new Map<string, LatestEntry>(
  runs.map((r, i) => {
    const e = latestOf(r);
    const data: Record<string, string | null> = {};
    for (let k = 1; k <= 3 && i - k >= 0; k++) data[rels[i - k]!.replace(/\.py$/, '.stamp')] = 'd'.repeat(64);
    return [r.path, { ...e, fingerprint: { ...e.fingerprint, data } }];
  }),
);

const rc: Runconfig = { name: 'default', timeout: 1800, env: {}, argv: [] } as Runconfig;
const rerunOn = { script: true, modules: true, data: true, upstream: true, env: true, argv: true, python: true, packages: false };
const planInput = (lat: Map<string, LatestEntry>): PlanInput => ({
  scripts: rels.map((p, i) => ({ path: p, tracked: true, hash: hashes[i]! })),
  runconfig: rc,
  python: '3.11.2',
  rerunOn,
  latest: (p) => lat.get(p),
  digest: () => 'd'.repeat(64),
  declared: () => [],
  abandoned: () => false,
});

const ledgerFile = path.join(root, '.mreorg', 'ledger.json');
const ledgerData: LedgerData = {
  version: LEDGER_VERSION,
  tracked: [],
  untracked: [],
  latest: Object.fromEntries([...latest].map(([p, e]) => [p, { default: e }])),
};
fs.writeFileSync(ledgerFile, JSON.stringify(ledgerData));
const history = 20;
// 20 runs of history for the script the flush benchmark records into, as after 20 builds.
const flushScript = rels[0]!;
fs.mkdirSync(path.join(root, '.mreorg', 'runs'), { recursive: true });
fs.writeFileSync(
  path.join(root, '.mreorg', 'runs', `${slugFor(flushScript)}.json`),
  JSON.stringify({
    version: LEDGER_VERSION,
    path: flushScript,
    runs: Array.from({ length: history }, (_, k) => makeRun(flushScript, hashes[0]!, k, new Date(when - (history - k) * 3600_000), '3.11.2', '/usr/bin/python3', [])),
  }),
);
let flushCounter = 0;
const nextRun = (): Run => {
  flushCounter++;
  return makeRun(flushScript, hashes[0]!, N + flushCounter, new Date(when + N * 1000 + flushCounter * 1000), '3.11.2', '/usr/bin/python3', []);
};
const openLedger = await Ledger.open(ledgerFile, history);

// ---------------------------------------------------------------- report fixtures (optional API)
type Task = { name: string; fn: () => unknown | Promise<unknown> };
const reportTasks: Task[] = [];
try {
  const { writeReport } = await import('../src/report/render.js');
  const model = await import('../src/report/model.js');
  void model;
  const reportData = (count: number) => ({
    title: 'micro',
    root,
    generatedAt: new Date(when).toISOString(),
    mreorgVersion: '0.1.0',
    building: false,
    defaultRunconfig: 'default',
    runconfigs: [{ name: 'default', timeout: 1800, env: {}, argv: [] }],
    groups: [],
    monitor: [{ dir: '.', exists: true, recurse: true, autoTrack: true, shouldExist: false, group: null }],
    exclude: ['__*.py'],
    editorUrl: null,
    scripts: rels.slice(0, count).map((p, i) => {
      const run = runs[i]!;
      return {
        path: p,
        docstring: `Synthetic benchmark script ${i}: writes its stamp file and exits.`,
        hash: hashes[i]!,
        tracked: true,
        groups: [],
        source: fs.readFileSync(abs[i]!, 'utf8'),
        status: {
          default: {
            state: 'up-to-date' as const,
            reasons: [],
            lastRunId: run.id,
            lastResult: run.result,
            lastStartedAt: run.startedAt,
            lastDurationMs: run.durationMs,
            figureCount: 0,
          },
        },
        runs: [run],
        upstream: [],
        downstream: [],
      };
    }),
  });
  const full = reportData(N);
  const small = reportData(Math.min(1000, N));
  const outWarm = path.join(o.work, 'report-warm');
  const outCold = path.join(o.work, 'report-cold');
  await writeReport(full, outWarm);
  reportTasks.push({
    name: `writeReport warm, ${N} scripts x 1 run (unchanged: the 4 overview pages re-render)`,
    fn: async () => {
      // A new generatedAt, as every build has: the per-runconfig pages' footers change, the other pages do not.
      await writeReport({ ...full, generatedAt: new Date(Date.now()).toISOString() }, outWarm);
    },
  });
  reportTasks.push({
    name: `writeReport cold (force), ${small.scripts.length} scripts x 1 run, no figures`,
    fn: async () => {
      await writeReport(small, outCold, { force: true });
    },
  });
  try {
    const { pageSpecs } = await import('../src/report/pages.js');
    const { indexReport } = await import('../src/report/view-common.js');
    const { loadTemplates } = await import('../src/report/templates.js');
    const templates = loadTemplates();
    const figures = { get: () => ({ kind: 'missing', reason: 'not recorded' }), stats: { copied: 0, thumbnails: 0, warnings: [] } };
    reportTasks.push({
      name: `render the overview page (index.html), ${N} scripts: view + nunjucks`,
      fn: () => {
        const spec = pageSpecs(indexReport(full as never), figures as never).next().value;
        if (!spec) throw new Error('no overview page');
        return templates.env.render(spec.template, spec.context);
      },
    });
  } catch (e) {
    notes.push(`overview page render skipped: the report internals (pages.ts/view-common.ts/templates.ts) are not as expected: ${String(e)}`);
  }
} catch (e) {
  notes.push(`writeReport skipped: src/report/render.ts writeReport / model.ts are not there yet: ${String(e)}`);
}

// ---------------------------------------------------------------- benchmarks
const bench = new Bench({ time: o.time, iterations: 5, warmupIterations: 2, warmupTime: 200 });

bench.add(`FileHasher warm: load hashes.json + hashAll ${N} (stat only)`, async () => {
  const data = JSON.parse(fs.readFileSync(hashCacheFile, 'utf8')) as HashCacheData;
  await new FileHasher(data).hashAll(abs);
});
bench.add(`FileHasher warm: hashAll ${N} (cache in memory, stat only)`, async () => {
  await new FileHasher(warmCache).hashAll(abs);
});
bench.add(`FileHasher cold: hashAll ${N} (empty cache: read + sha256 each)`, async () => {
  await new FileHasher(null).hashAll(abs);
});
bench.add(`plan ${N} scripts, all up to date, no deps`, () => {
  plan(planInput(latest));
});
bench.add(`plan ${N} scripts, each reading the stamps of the 3 before it (${3 * N} upstream edges)`, () => {
  plan(planInput(chained));
});
bench.add(`Ledger.open, ${N} latest entries (${(fs.statSync(ledgerFile).size / 1e6).toFixed(1)} MB)`, async () => {
  await Ledger.open(ledgerFile, history);
});
bench.add(`Ledger record 1 run + flush (rereads + rewrites ledger.json of ${N}, history of ${history})`, async () => {
  const r = nextRun();
  openLedger.record(r, latestOf(r));
  await openLedger.flush();
});
bench.add(`Ledger.runs: read one script's history (${history} runs)`, async () => {
  await openLedger.runs(flushScript);
});
for (const t of reportTasks) bench.add(t.name, t.fn);

await bench.run();

const results = bench.tasks.map((t) => {
  const r = t.result as { state: string; latency?: { mean: number; p50: number; p99: number; rme: number; samplesCount: number }; error?: unknown };
  if (!r.latency) return { name: t.name, state: r.state, error: String(r.error ?? '') };
  return {
    name: t.name,
    state: r.state,
    meanMs: round(r.latency.mean),
    p50Ms: round(r.latency.p50),
    p99Ms: round(r.latency.p99),
    rmePct: round(r.latency.rme),
    samples: r.latency.samplesCount,
  };
});
function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
for (const r of results) {
  process.stdout.write(
    'meanMs' in r
      ? `${String(r.p50Ms).padStart(10)} ms median  ${String(r.meanMs).padStart(10)} ms mean  ±${r.rmePct}%  n=${r.samples}  ${r.name}\n`
      : `  ${r.state}: ${r.name} ${r.error}\n`,
  );
}
for (const n of notes) process.stdout.write(`note: ${n}\n`);
if (o.json) {
  fs.mkdirSync(path.dirname(o.json), { recursive: true });
  fs.writeFileSync(o.json, JSON.stringify({ n: N, date: new Date().toISOString(), results, notes }, null, 2));
}
