/**
 * The ledger's own robustness, through the real CLI: files that are not a ledger, a ledger replaced by garbage
 * while a build runs, what killed builds leave behind, and exceptions too big to keep whole.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, PYTHON, cliPath, entry, isRunning, ranPaths } from '../helpers/rig.js';

const T = 120_000;
const test = suite('ledger');
let rig: Rig;
test.before.each(() => {
  rig = new Rig();
});
test.after.each(() => rig.cleanup());

const LEDGER = '.mreorg/ledger.json';
const asideFiles = (): string[] => fs.readdirSync(rig.path('.mreorg')).filter((f) => f.startsWith('ledger.json.corrupt-'));

/** Each shape: what is written over a good ledger of s1..s3, and what the next build must say and do. */
const SHAPES: Array<{ name: string; content: (good: any) => string; code: number; message: RegExp; aside: 'moved' | 'copied' | 'none'; ran: string[] }> = [
  {
    name: 'an entry that is not a latest entry',
    content: (good) => JSON.stringify({ ...good, latest: { ...good.latest, 's1.py': { default: {} } } }),
    code: 0,
    message: /had entries mreorg cannot use, dropped \(those scripts will run again\): s1\.py under default \(latest\.s1\.py\.default\.runId: .*\)\. The file as it was is kept as .*ledger\.json\.corrupt-/,
    aside: 'copied',
    ran: ['s1.py'],
  },
  { name: '"tracked": {}', content: (good) => JSON.stringify({ ...good, tracked: {} }), code: 0, message: /is not a mreorg ledger \(tracked: .*expected array.*\); it was kept aside as .*ledger\.json\.corrupt-.* and a new one was started/, aside: 'moved', ran: ['s1.py', 's2.py', 's3.py'] },
  { name: '"latest": "x"', content: (good) => JSON.stringify({ ...good, latest: 'x' }), code: 0, message: /is not a mreorg ledger \(latest: .*expected record, received string\)/, aside: 'moved', ran: ['s1.py', 's2.py', 's3.py'] },
  { name: '{}', content: () => '{}', code: 0, message: /is not a mreorg ledger \(version: .*expected number, received undefined\)/, aside: 'moved', ran: ['s1.py', 's2.py', 's3.py'] },
  { name: '[]', content: () => '[]', code: 0, message: /is not a mreorg ledger \(the file: .*expected object, received array\)/, aside: 'moved', ran: ['s1.py', 's2.py', 's3.py'] },
  { name: '"version": "1"', content: () => '{"version":"1"}', code: 0, message: /is not a mreorg ledger \(version: .*expected number, received string\)/, aside: 'moved', ran: ['s1.py', 's2.py', 's3.py'] },
  { name: 'null', content: () => 'null', code: 0, message: /is not a mreorg ledger \(the file: .*received null\)/, aside: 'moved', ran: ['s1.py', 's2.py', 's3.py'] },
  { name: 'an empty file', content: () => '', code: 0, message: /does not parse \(.*\); it was kept aside as .*ledger\.json\.corrupt-/, aside: 'moved', ran: ['s1.py', 's2.py', 's3.py'] },
  { name: 'a newer version', content: (good) => JSON.stringify({ ...good, version: 2 }), code: 2, message: /written by a newer mreorg \(ledger version 2, this mreorg reads up to 1\)/, aside: 'none', ran: [] },
];

test(
  'a ledger.json that is not a ledger: set aside and reported, or refused when newer; the next build records its runs',
  withTimeout(T * 2, async () => {
    for (const shape of SHAPES) {
      const r = new Rig();
      rig.cleanup();
      rig = r;
      rig.write({ 's1.py': 'print(1)\n', 's2.py': 'print(2)\n', 's3.py': 'print(3)\n' });
      assert.is((await rig.run(['build', '--no-report'])).code, 0);
      const bad = shape.content(JSON.parse(rig.read(LEDGER)));
      rig.write({ [LEDGER]: bad });
      const res = await rig.run(['build', '--no-report', '--json']);
      const at = `${shape.name}: exit ${res.code}\n${res.stderr}`;
      assert.is(res.code, shape.code, at);
      assert.match(res.stderr, shape.message, at);
      assert.not.match(res.stderr, /internal error|Please report this as a bug/, at);
      const aside = asideFiles();
      if (shape.aside === 'none') {
        assert.is(aside.length, 0, at);
        assert.is(rig.read(LEDGER), bad, `${shape.name}: the newer ledger is left as it was`);
        continue;
      }
      assert.is(aside.length, 1, at);
      assert.is(rig.read(`.mreorg/${aside[0]}`), bad, `${shape.name}: the bad file is kept as it was`);
      assert.equal(ranPaths(JSON.parse(res.stdout)), shape.ran, at);
      const next = await rig.json(['build', '--no-report']);
      assert.equal(ranPaths(next.doc), [], `${shape.name}: the runs of the build after it were recorded\n${next.res.stderr}`);
      assert.equal(next.doc.counts.upToDate, 3, shape.name);
    }
  }),
);

test(
  'a ledger replaced by garbage while a build runs: set aside and reported, the last good state kept with the new run',
  withTimeout(T, async () => {
    rig.write({ 'a.py': 'print("a")\n', 'b.py': 'print("b")\n', 'c.py': 'print("c")\n' });
    assert.is((await rig.run(['build', '--no-report'])).code, 0);
    rig.write({
      'slow.py': [
        'import os, time',
        'open("started", "w").close()',
        'for _ in range(600):',
        '    if os.path.exists("go"): break',
        '    time.sleep(0.1)',
      ].join('\n'),
    });
    const { done } = rig.start(['build', '--no-report']);
    await rig.until('slow.py started', () => rig.exists('started'));
    // Another writer (a tool, a half-synced copy) puts garbage in place between this build's read and its write.
    const garbage = '{"version": 1, "tracked": [], "lat';
    rig.write({ [LEDGER]: garbage, [`${LEDGER}.gen`]: 'another-writer' });
    rig.write({ go: '' });
    const res = await done;
    assert.is(res.code, 0, res.stderr);
    // Warnings are build events: the terminal shows them with the rest of the build's lines.
    assert.match(res.stdout + res.stderr, /ledger\.json does not parse .*kept aside as .*ledger\.json\.corrupt-.* and the ledger as this build last read it, with this build's runs, was written in its place/);
    const aside = asideFiles();
    assert.is(aside.length, 1);
    assert.is(rig.read(`.mreorg/${aside[0]}`), garbage);
    const st = await rig.json(['status']);
    for (const p of ['a.py', 'b.py', 'c.py', 'slow.py']) assert.is(entry(st.doc, p).state, 'up-to-date', `${p}: ${JSON.stringify(entry(st.doc, p))}`);
  }),
);

test(
  'what killed builds leave (orphan manifests, temp files of dead writers) is swept by the next build; live files are not',
  withTimeout(T, async () => {
    const sleepy = (n: string): string => `import os, time\nopen("${n}.pid", "w").write(str(os.getpid()))\ntime.sleep(1.5)\n`;
    rig.write({ 'a.py': sleepy('a'), 'b.py': sleepy('b'), 'c.py': sleepy('c') });
    const { child, done } = rig.start(['build', '-j', '3', '--no-report']);
    await rig.until('every script started', () => ['a', 'b', 'c'].every((n) => rig.exists(`${n}.pid`)));
    child.kill('SIGKILL');
    await done;
    const pids = ['a', 'b', 'c'].map((n) => Number(rig.read(`${n}.pid`)));
    await rig.until('the orphaned scripts ended', () => pids.every((p) => !isRunning(p)));
    const manifests = (): string[] => fs.readdirSync(rig.path('.mreorg/tmp')).filter((n) => n.endsWith('.manifest.json'));
    assert.is(manifests().length, 3, 'each orphaned script left its manifest');
    // Temp files named as mreorg's writers name them, by a process that is dead and by one that is alive (us).
    const dead = spawnSync('true').pid!;
    const live = process.pid;
    const deadFiles = [
      `.mreorg/.ledger.json.${dead}.k2j4x.tmp`,
      `.mreorg/runs/.a.py-1x2y3z.json.${dead}.q1w2.tmp`,
      `.mreorg/tmp/.20260101T000000000Z-abc123.manifest.json.${dead}.tmp`,
      `.mreorg/ledger.json.lock.stale-${dead}-zz9`,
      `report/index.html.${dead}.tmp`,
      `report/runs/a.py-0123.html.${dead}.tmp`,
    ];
    const keptFiles = [`.mreorg/.ledger.json.${live}.l1ve.tmp`, `report/index.html.${live}.tmp`, `report/notes.txt.${dead}.tmp`];
    // The report folder is mreorg's (a killed build had made it, marker first), so the build writes there.
    for (const f of [...deadFiles, ...keptFiles, 'report/.mreorg-report']) rig.write({ [f]: '' });
    const res = await rig.json(['build', '-j', '3']);
    assert.is(res.res.code, 0, res.res.stderr);
    assert.equal(ranPaths(res.doc), ['a.py', 'b.py', 'c.py']);
    assert.equal(manifests(), []);
    for (const f of deadFiles) assert.not.ok(rig.exists(f), `${f} should have been swept`);
    for (const f of keptFiles) assert.ok(rig.exists(f), `${f} must be left alone`);
  }),
);

/** Runs the CLI and reports mreorg's own peak memory (the scripts it runs are other processes, not counted). */
function runMeasured(args: string[]): { code: number | null; stdout: string; stderr: string; peakMb: number } {
  const hook = rig.path('peak-hook.mjs');
  fs.writeFileSync(hook, "import fs from 'node:fs';\nprocess.on('exit', () => fs.writeSync(2, `PEAK_RSS_KB ${process.resourceUsage().maxRSS}\\n`));\n");
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(hook).href, cliPath, ...args], {
    cwd: rig.dir,
    env: { ...process.env, MREORG_PYTHON: PYTHON, NO_COLOR: '1', CI: '' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 110_000,
  });
  const kb = Number(/PEAK_RSS_KB (\d+)/.exec(r.stderr)?.[1]);
  assert.ok(kb > 0, `no peak memory reported: ${r.stderr.slice(-2000)}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, peakMb: kb / 1024 };
}

/** Every file under a folder, with its size. */
function sizes(dir: string): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push([path.join(e.parentPath, e.name), fs.statSync(path.join(e.parentPath, e.name)).size]);
  }
  return out;
}

function assertSmall(dir: string, maxBytes: number): void {
  for (const [f, size] of sizes(dir)) assert.ok(size < maxBytes, `${f} is ${size} bytes`);
}

const MARKER = /\n\[\.\.\. \d+ bytes dropped by mreorg \.\.\.\]\n/;

test(
  'an exception with a 50 MB message: mreorg memory, ledger and report stay small; the message is kept head and tail',
  withTimeout(T, async () => {
    rig.write({ 'boom.py': 'raise ValueError("START " + "x" * 50_000_000 + " END")\n', 'ok.py': 'print("fine")\n' });
    const r = runMeasured(['build', '--json']);
    assert.is(r.code, 1, r.stderr.slice(-2000));
    assert.ok(r.peakMb < 250, `mreorg peaked at ${r.peakMb.toFixed(0)} MB for a 50 MB exception message`);
    assert.ok(r.stdout.length < 1_000_000, `--json printed ${r.stdout.length} bytes`);
    // (The whole stderr, traceback included, is in .mreorg/logs/, as any long output is.)
    assert.ok(fs.statSync(rig.path(LEDGER)).size < 1_000_000, `ledger.json is ${fs.statSync(rig.path(LEDGER)).size} bytes`);
    assertSmall(rig.path('.mreorg/runs'), 2_000_000);
    assertSmall(rig.path('report'), 2_000_000);
    const run = (await rig.json(['show', 'boom.py'])).doc.runs[0];
    assert.is(run.error.type, 'ValueError');
    assert.ok(run.error.message.startsWith('START xxx'), run.error.message.slice(0, 50));
    assert.ok(run.error.message.endsWith('xxx END'), run.error.message.slice(-50));
    assert.match(run.error.message, MARKER);
    assert.ok(run.error.message.length < 300_000, `message kept: ${run.error.message.length} chars`);
  }),
);

test(
  'a huge message an older mreorg recorded whole: read in bounded memory, cut in the report, the ledger rewritten small',
  withTimeout(T, async () => {
    rig.write({ 'boom.py': 'raise ValueError("small")\n' });
    assert.is((await rig.run(['build', '--no-report'])).code, 1);
    // As an older mreorg left it: the 80 MB message in ledger.json and in the run history, traceback too.
    const huge = `START ${'y'.repeat(80_000_000)} END`;
    const ledger = JSON.parse(rig.read(LEDGER));
    ledger.latest['boom.py'].default.error.message = huge;
    fs.writeFileSync(rig.path(LEDGER), JSON.stringify(ledger));
    const histFile = path.join('.mreorg/runs', fs.readdirSync(rig.path('.mreorg/runs'))[0]!);
    const hist = JSON.parse(rig.read(histFile));
    hist.runs[0].error.message = huge;
    hist.runs[0].error.traceback = `Traceback (most recent call last):\nValueError: ${huge}`;
    fs.writeFileSync(rig.path(histFile), JSON.stringify(hist));
    const r = runMeasured(['build']);
    // boom.py is still failing (nothing changed since its failed run): exit 1, with the cut message.
    assert.is(r.code, 1, r.stderr.slice(-2000));
    assert.ok(r.peakMb < 250, `mreorg peaked at ${r.peakMb.toFixed(0)} MB reading an 80 MB message`);
    assertSmall(rig.path('report'), 2_000_000);
    assert.ok(fs.statSync(rig.path(LEDGER)).size < 1_000_000, `ledger.json is ${fs.statSync(rig.path(LEDGER)).size} bytes`);
    const run = (await rig.json(['show', 'boom.py'])).doc.runs[0];
    assert.ok(run.error.message.startsWith('START yyy') && run.error.message.endsWith('yyy END'));
    assert.match(run.error.message, MARKER);
    assert.ok(run.error.message.length < 300_000, `message kept: ${run.error.message.length} chars`);
  }),
);

test.run();
