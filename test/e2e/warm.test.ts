/**
 * The warm executor's equivalence suite: the project in test/fixtures/warm/ (numpy, matplotlib, seeded random,
 * files, argv/env, sys.path, multiprocessing, subprocesses, threads, crashes, a timeout...) built cold, then
 * again warm; every script's result, exit, output, figure files, and recorded modules and packages must agree.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, entry, isRunning, repoRoot } from '../helpers/rig.js';

const T = 150_000;
const test = suite('warm');
let rig: Rig;
test.before.each(() => {
  rig = new Rig('mreorg-warm-');
  fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'warm'), rig.dir, { recursive: true });
});
test.after.each(() => {
  rig.killLeftovers();
  rig.cleanup();
});

/** What a user compares between two runs of a script, from the ledger's run records, figures hashed. */
const digest = (rel: string): string => (fs.existsSync(rig.path(rel)) ? crypto.createHash('sha256').update(fs.readFileSync(rig.path(rel))).digest('hex') : 'absent');

function snapshot(): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const dir = rig.path('.mreorg/runs');
  for (const f of fs.readdirSync(dir)) {
    const doc = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { path: string; runs: any[] };
    const r = doc.runs[doc.runs.length - 1];
    out.set(doc.path, {
      result: r.result,
      exitCode: r.exitCode,
      signal: r.signal,
      error: r.error?.type ?? null,
      stdout: r.stdout.text,
      // Without mreorg's own notes (a warm crash is rerun cold, and says so).
      stderr: r.stderr.text.replace(/\n?\[mreorg: [^\]]*\]\n/g, ''),
      figures: r.figures.map((g: { path: string }) => `${g.path} ${digest(g.path)}`),
      written: (r.deps?.writes ?? []).map((w: string) => `${w} ${digest(w)}`),
      modules: r.deps?.modules ?? null,
      packages: r.deps?.packages ?? null,
      reads: r.deps?.reads ?? null,
      writes: r.deps?.writes ?? null,
      missing: r.deps?.missing ?? null,
    });
  }
  return out;
}

test(
  'every script of the equivalence project ends the same warm as cold: result, exit, stdout, stderr, figures, modules, packages',
  withTimeout(T, async () => {
    const cold = await rig.json(['build', '--no-warm', '--no-report', '-j', '2']);
    assert.ok(cold.doc.counts.ran >= 40, `${cold.doc.counts.ran} ran`);
    assert.is(entry(cold.doc, 'probe/warm_probe.py').result, 'success');
    const a = snapshot();
    const warm = await rig.json(['build', '-B', '--warm', '--no-report', '-j', '2']);
    assert.is(warm.res.code, cold.res.code, warm.res.stderr);
    const b = snapshot();
    // It really ran warm (else the rest proves nothing), except where a script says warm=false.
    assert.is(a.get('probe/warm_probe.py')!.stdout, 'cold\n');
    assert.is(b.get('probe/warm_probe.py')!.stdout, 'warm\n');
    assert.is(b.get('probe/forced_cold.py')!.stdout, 'cold\n');
    a.delete('probe/warm_probe.py');
    b.delete('probe/warm_probe.py');
    assert.equal([...b.keys()].sort(), [...a.keys()].sort());
    for (const [p, before] of a) assert.equal(b.get(p), before, p);
    // The suite covers what it claims: figures, packages, a crash, a signal, a timeout, a local module.
    assert.ok(a.get('plots/subplots.py')!.figures instanceof Array && (a.get('plots/subplots.py')!.figures as string[]).length === 1);
    assert.ok('matplotlib' in (a.get('plots/line.py')!.packages as object));
    assert.ok('numpy' in (a.get('num/in_function.py')!.packages as object));
    assert.equal(a.get('env/local_module.py')!.modules, ['env/local_helpers.py']);
    assert.is(a.get('fail/abort.py')!.signal, 'SIGABRT');
    assert.is(a.get('fail/timeout.py')!.result, 'timeout');
    assert.is(a.get('fail/crash.py')!.error, 'ValueError');
    assert.is(a.get('data/unclosed.py')!.stdout, 'end of script\nfinalized\n');
    assert.equal(a.get('data/unclosed.py')!.written, [`data/unclosed.txt ${crypto.createHash('sha256').update('flushed at exit').digest('hex')}`]);
  }),
);

test(
  'a runconfig with warm: false runs every script cold even with --warm',
  withTimeout(T, async () => {
    rig.write({ 'mreorg.config.mjs': "export default { runconfigs: { default: { warm: false } } };\n" });
    for (const f of fs.readdirSync(rig.dir)) if (!['probe', 'mreorg.config.mjs'].includes(f)) fs.rmSync(rig.path(f), { recursive: true });
    rig.write({ 'probe/np.py': 'import numpy\n' });
    assert.is((await rig.json(['build', '--no-report'])).res.code, 0);
    const b = await rig.json(['build', '-B', '--warm', '--no-report']);
    assert.is(b.res.code, 0, b.res.stderr);
    assert.is(snapshot().get('probe/warm_probe.py')!.stdout, 'cold\n');
  }),
);

test(
  'Ctrl-C during a warm build stops the forked script and the process it started, and records it as interrupted',
  withTimeout(T, async () => {
    for (const f of fs.readdirSync(rig.dir)) if (f !== 'mreorg.config.mjs') fs.rmSync(rig.path(f), { recursive: true });
    rig.write({
      'slow.py': [
        'import os, subprocess, sys, time',
        'child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])',
        'open("slow_child.pid", "w").write(str(child.pid))',
        'open("slow.pid", "w").write(str(os.getpid()))',
        'time.sleep(300)',
      ].join('\n'),
    });
    const { child, done } = rig.start(['build', '--warm', '--no-report']);
    await rig.until('slow.py and its child running', () => rig.exists('slow_child.pid') && rig.exists('slow.pid'));
    child.kill('SIGINT');
    const res = await done;
    assert.is(res.code, 130, res.stderr);
    assert.is(JSON.parse(rig.read('.mreorg/ledger.json')).latest['slow.py'].default.result, 'interrupted');
    assert.not.ok(isRunning(Number(rig.read('slow.pid'))), 'the script was stopped');
    assert.not.ok(isRunning(Number(rig.read('slow_child.pid'))), "the script's child was stopped");
  }),
);

test(
  'a script killed by a signal only under the warm interpreter is rerun cold, and what it imported is no longer preloaded',
  withTimeout(T, async () => {
    for (const f of fs.readdirSync(rig.dir)) if (!['probe', 'mreorg.config.mjs'].includes(f)) fs.rmSync(rig.path(f), { recursive: true });
    rig.write({
      // Stands for a package that breaks across a fork: crashes when forked from a zygote, runs fine cold.
      'fragile.py': "import os, signal, sys\nimport numpy\nif '_mreorg_warm' in sys.modules:\n    os.kill(os.getpid(), signal.SIGSEGV)\nprint('fine')\n",
    });
    assert.is((await rig.json(['build', '--no-report'])).res.code, 0);
    const b = await rig.json(['build', '-B', '--warm', '--no-report']);
    assert.is(b.res.code, 0, b.res.stderr);
    const s = snapshot();
    assert.is(s.get('fragile.py')!.stdout, 'fine\n');
    assert.is(s.get('fragile.py')!.result, 'success');
    const show = await rig.json(['show', 'fragile.py']);
    assert.match(show.doc.runs[0].stderr, /\[mreorg: it was killed by SIGSEGV under the warm interpreter; ran again cold\. No longer preloaded: numpy/);
    // Still warm, without numpy, in this build and the next.
    assert.is(s.get('probe/warm_probe.py')!.stdout, 'warm\n');
    const st = await rig.json(['status', '--warm']);
    assert.ok(st.doc.left.some((p: { module: string; why: string }) => p.module === 'numpy' && /dropped after a warm failure \(fragile\.py: /.test(p.why)), JSON.stringify(st.doc));
    assert.not.ok(st.doc.preload.some((p: { module: string }) => p.module === 'numpy'));
  }),
);

test(
  'status --warm lists the preload set learned from the last runs, with the config\'s additions and exclusions',
  withTimeout(T, async () => {
    for (const f of fs.readdirSync(rig.dir)) if (f !== 'mreorg.config.mjs') fs.rmSync(rig.path(f), { recursive: true });
    rig.write({
      'mreorg.config.mjs': "export default { runconfigs: { default: { warm: { preload: ['json'], exclude: ['matplotlib'] } } } };\n",
      'a.py': 'import numpy\nimport matplotlib.pyplot\n',
      'b.py': 'import numpy\n',
    });
    assert.is((await rig.json(['build', '--no-warm', '--no-report'])).res.code, 0);
    const s = await rig.json(['status', '--warm']);
    assert.is(s.doc.on, true);
    const preload = Object.fromEntries(s.doc.preload.map((p: { module: string; why: string }) => [p.module, p.why]));
    assert.is(preload.json, 'warm.preload in the runconfig');
    assert.is(preload.numpy, 'imported by the latest runs of 2 script(s)');
    assert.not.ok('matplotlib.pyplot' in preload);
    assert.ok(s.doc.left.some((p: { module: string; why: string }) => p.module === 'matplotlib' && p.why === 'warm.exclude in the runconfig'));
    const text = await rig.run(['status', '--warm']);
    assert.match(text.stdout, /Warm interpreters under runconfig default: on\nPreloaded, in this order:\n  json /);
  }),
);

test.run();
