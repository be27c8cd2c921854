/**
 * Coverage of the project's library across its scripts (build --coverage), with Debian's python3-coverage: which
 * scripts run each line and reach each function, a rerun replacing only that script's part, results identical
 * with and without coverage, and a clear error when the interpreter has no coverage.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { PYTHON, Rig } from '../helpers/rig.js';

const T = 120_000;
const test = suite('coverage');
let rig: Rig;
test.before.each(() => {
  rig = new Rig();
});
test.after.each(() => rig.cleanup());

/** A library of three functions (one a method); line numbers matter to the assertions below. */
const NEURON = [
  'def simulate(n):', //         1
  '    total = 0', //             2
  '    for i in range(n):', //    3
  '        total += i', //        4
  '    return total', //          5
  '', //                          6
  '', //                          7
  'class Model:', //              8
  '    def fit(self, x):', //     9
  '        return x * 2', //     10
  '', //                         11
  '', //                         12
  'def unused():', //            13
  '    return 42', //            14
  '',
].join('\n');

const PRELUDE = 'import os, sys\nsys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))\n';

function project(config = '{ monitor: [{ dir: "sims", autoTrack: true }] }'): void {
  rig.write({
    'mreorg.config.mjs': `export default ${config};\n`,
    'lib/__init__.py': '',
    'lib/neuron.py': NEURON,
    'sims/a.py': `${PRELUDE}from lib.neuron import simulate\nprint(simulate(3))\n`,
    'sims/b.py': `${PRELUDE}from lib.neuron import Model, simulate\nprint(Model().fit(2), simulate(2))\n`,
  });
}

interface FileDoc {
  path: string;
  percent: number;
  functions: { name: string; scripts: string[]; covered: number; statements: number }[];
  lines: Record<string, string[]>;
  stale: string[];
}

async function fileCoverage(file: string): Promise<FileDoc> {
  const { doc, res } = await rig.json<FileDoc>(['coverage', file]);
  assert.is(res.code, 0, res.stderr);
  return doc;
}

const reach = (doc: FileDoc) => Object.fromEntries(doc.functions.map((f) => [f.name, f.scripts]));

const sha = (abs: string) => createHash('sha256').update(fs.readFileSync(abs)).digest('hex');

test('per line and per function: which scripts ran them', withTimeout(T, async () => {
  project();
  const res = await rig.run(['build', '--coverage', '--no-report']);
  assert.is(res.code, 0, res.stderr);
  const doc = await fileCoverage('lib/neuron.py');
  assert.equal(reach(doc), { simulate: ['sims/a.py', 'sims/b.py'], 'Model.fit': ['sims/b.py'], unused: [] });
  assert.equal(doc.lines['2'], ['sims/a.py', 'sims/b.py'], 'simulate\'s body: both');
  assert.equal(doc.lines['10'], ['sims/b.py'], 'fit\'s body: b only');
  assert.equal(doc.lines['13'], ['sims/a.py', 'sims/b.py'], 'a def line runs at import');
  assert.is(doc.lines['14'], undefined, 'unused\'s body: no script');
  assert.is(doc.percent, 90);
  const totals = await rig.json(['coverage']);
  assert.equal(totals.doc.uncoveredFunctions, [{ file: 'lib/neuron.py', name: 'unused', line: 13 }]);
  assert.equal(totals.doc.files.map((f: { path: string }) => f.path), ['lib/__init__.py', 'lib/neuron.py'], 'the library only: no script, no site-packages');
  const text = await rig.run(['coverage', 'lib/neuron.py']);
  assert.match(text.stdout, /Model\.fit \(line 9\): sims\/b\.py\n/);
  assert.match(text.stdout, /unused \(line 13\): no script\n/);
  const one = await rig.run(['coverage', 'lib/neuron.py:fit']);
  assert.is(one.code, 0, one.stderr);
  assert.match(one.stdout, /Functions and the scripts that reach them:\n  Model\.fit \(line 9\): sims\/b\.py\n$/);
  const wrong = await rig.run(['coverage', 'lib/neuron.py:nope']);
  assert.is(wrong.code, 2);
  assert.match(wrong.stderr, /lib\/neuron\.py has no function "nope" \(it has: simulate, Model\.fit, unused\)/);
}));

test('under the warm executor: the same lines and functions per script as cold', withTimeout(T, async () => {
  project();
  assert.is((await rig.run(['build', '--coverage', '--no-report'])).code, 0);
  const cold = await fileCoverage('lib/neuron.py');
  const warm = await rig.run(['build', '-B', '--warm', '--coverage', '--no-report', '--json']);
  assert.is(warm.code, 0, warm.stderr);
  assert.equal(JSON.parse(warm.stdout).scripts.filter((x: { ran: boolean }) => x.ran).length, 2, 'both scripts ran again, warm');
  const again = await fileCoverage('lib/neuron.py');
  assert.equal(reach(again), reach(cold));
  assert.equal(again.lines, cold.lines);
}));

test('a rerun replaces only that script\'s part; a no-op build keeps the whole picture', withTimeout(T, async () => {
  project('{ monitor: [{ dir: "sims", autoTrack: true }], coverage: { enabled: true } }');
  assert.is((await rig.run(['build', '--no-report'])).code, 0);
  const partsDir = path.join(rig.dir, '.mreorg', 'coverage');
  const parts = () =>
    Object.fromEntries(fs.readdirSync(partsDir).flatMap((rc) => fs.readdirSync(path.join(partsDir, rc)).map((n) => [n, sha(path.join(partsDir, rc, n))])));
  const before = parts();
  assert.is(Object.keys(before).length, 2, 'one part per script');

  const noop = await rig.json(['build', '--no-report']);
  assert.is(noop.doc.counts.ran, 0);
  assert.equal(parts(), before, 'a no-op build leaves every part as it was');
  assert.equal(reach(await fileCoverage('lib/neuron.py')), { simulate: ['sims/a.py', 'sims/b.py'], 'Model.fit': ['sims/b.py'], unused: [] });

  rig.write({ 'sims/a.py': `${PRELUDE}from lib.neuron import unused\nprint(unused())\n` });
  const rerun = await rig.json(['build', '--no-report']);
  assert.equal(rerun.doc.scripts.filter((s: { ran: boolean }) => s.ran).map((s: { path: string }) => s.path), ['sims/a.py']);
  const after = parts();
  const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
  assert.is(changed.length, 1, 'only a.py\'s part was rewritten');
  assert.match(changed[0]!, /^sims-a-py-/);
  assert.equal(reach(await fileCoverage('lib/neuron.py')), { simulate: ['sims/b.py'], 'Model.fit': ['sims/b.py'], unused: ['sims/a.py'] });
}));

test('coverage turned on after the scripts ran: a warning names them; a run without coverage since marks the data outdated', withTimeout(T, async () => {
  project();
  assert.is((await rig.run(['build', '--no-report'])).code, 0);
  const noop = await rig.run(['build', '--coverage', '--no-report']);
  assert.is(noop.code, 0);
  assert.match(noop.stdout + noop.stderr, /coverage: 2 up-to-date scripts have no coverage data yet \(not run since coverage was turned on\): sims\/a\.py, sims\/b\.py\. "mreorg build -B --coverage" measures them\./);
  assert.is((await rig.run(['build', '-B', '--coverage', '--no-report'])).code, 0);
  const measured = await rig.run(['build', '--coverage', '--no-report']);
  assert.not.match(measured.stdout + measured.stderr, /no coverage data/);
  assert.equal((await rig.json(['coverage'])).doc.outdated, []);
  assert.is((await rig.run(['build', '-B', '--no-report', 'sims/a.py'])).code, 0);
  const doc = (await rig.json(['coverage'])).doc;
  assert.equal(doc.outdated, ['sims/a.py'], 'a ran since without coverage');
  assert.match((await rig.run(['coverage'])).stdout, /1 script ran since without coverage; counted with an earlier run's data: sims\/a\.py\./);
}));

test('a library file changed since a script\'s run: that script is stale for it until it reruns', withTimeout(T, async () => {
  project();
  assert.is((await rig.run(['build', '--coverage', '--no-report'])).code, 0);
  rig.write({ 'lib/neuron.py': `# a comment moves every line\n${NEURON}` });
  const stale = await fileCoverage('lib/neuron.py');
  assert.ok(stale.functions.length === 3 && stale.functions.every((f) => f.scripts.length > 0 || f.name === 'unused'), 'the version they ran is shown');
  assert.equal((await rig.json(['coverage'])).doc.files.find((f: { path: string }) => f.path === 'lib/neuron.py').changedSince, true);
  assert.is((await rig.run(['build', '--coverage', '--no-report'])).code, 0, 'the changed module reruns both');
  const fresh = await fileCoverage('lib/neuron.py');
  assert.equal(fresh.lines['11'], ['sims/b.py'], 'fit\'s body is line 11 now');
  assert.equal(fresh.stale, []);
}));

test('results are the same with and without coverage: stdout, exit code, figures, what the script saw', withTimeout(T, async () => {
  rig.write({
    'mreorg.config.mjs': 'export default { monitor: [{ dir: "sims", autoTrack: true }] };\n',
    'lib/shapes.py': 'def ramp(n):\n    return [i * i for i in range(n)]\n',
    'sims/plot.py': [
      'import os, sys',
      'print(__name__, sys.argv, os.path.basename(__file__), sys.path[0] == os.path.dirname(os.path.abspath(__file__)))',
      PRELUDE.trimEnd(),
      'import matplotlib.pyplot as plt',
      'from lib.shapes import ramp',
      'print(type(sys.modules["__main__"]).__name__, "coverage" in sys.modules, sys.gettrace() is None)',
      'plt.plot(ramp(5))',
      'plt.title("ramp")',
      'plt.savefig("ramp.png")',
      'sys.exit(3)',
      '',
    ].join('\n'),
  });
  const runOf = async (args: string[]) => {
    const build = await rig.json(['build', '-B', '--no-report', ...args]);
    assert.is(build.res.code, 1, 'exit code 3 fails the build');
    const shown = (await rig.json(['show', 'sims/plot.py'])).doc.runs[0];
    const figures = shown.figures.flatMap((f: { files: string[] }) => f.files).map((f: string) => sha(rig.path(f)));
    return { exitCode: shown.exitCode, stdout: shown.stdout, figures, saved: sha(rig.path('sims/ramp.png')), deps: shown.deps };
  };
  const plain = await runOf([]);
  const measured = await runOf(['--coverage']);
  assert.is(plain.exitCode, 3);
  assert.match(plain.stdout, /^__main__ \['plot\.py'\] plot\.py True\n/, plain.stdout);
  assert.ok(plain.figures.length >= 1);
  // The script sees a tracer when measured: that is what coverage is. Everything else must match.
  assert.equal(measured.stdout.split('\n')[0], plain.stdout.split('\n')[0]);
  assert.equal(measured.stdout.split('\n')[1], 'module True False', 'under coverage the module of coverage.py is loaded and a tracer is set');
  assert.equal(plain.stdout.split('\n')[1], 'module False True');
  assert.equal(measured.stdout.split('\n').slice(2), plain.stdout.split('\n').slice(2));
  assert.is(measured.exitCode, plain.exitCode);
  assert.equal(measured.figures, plain.figures, 'the autosaved figures, byte for byte');
  assert.is(measured.saved, plain.saved, 'the figure the script saved itself');
  assert.equal(measured.deps, plain.deps, 'modules, reads, writes and packages recorded as without coverage');
  assert.equal(reach(await fileCoverage('lib/shapes.py')), { ramp: ['sims/plot.py'] });
}));

test('an interpreter without coverage.py: exit 2 naming python3-coverage, nothing runs', withTimeout(T, async () => {
  project();
  // Isolated and without site: Debian's dist-packages (where python3-coverage lives) is not on the path.
  rig.write({ 'bare-python': `#!/bin/sh\nexec ${PYTHON} -I -S "$@"\n` });
  fs.chmodSync(rig.path('bare-python'), 0o755);
  const res = await rig.run(['build', '--coverage', '--no-report', '--python', rig.path('bare-python')]);
  assert.is(res.code, 2, res.stdout + res.stderr);
  assert.match(res.stderr, /cannot import coverage\.py/);
  assert.match(res.stderr, /apt-get install python3-coverage/);
  assert.not.match(res.stderr, /\n\s+at /, 'no stack trace');
  assert.not.ok(rig.exists('.mreorg/coverage'), 'nothing ran');
  const without = await rig.run(['build', '--no-report', '--python', rig.path('bare-python')]);
  assert.is(without.code, 0, 'the same interpreter builds without coverage');
}));

test('coverage.include narrows what is measured; coverage.rcfile\'s exclusions apply; a missing rcfile is exit 2', withTimeout(T, async () => {
  project('{ monitor: [{ dir: "sims", autoTrack: true }], coverage: { include: ["lib/**"], rcfile: "cov.ini" } }');
  rig.write({
    'cov.ini': '[report]\nexclude_lines =\n    pragma: no cover\n',
    'lib/neuron.py': NEURON.replace('def unused():', 'def unused():  # pragma: no cover'),
    'helpers/h.py': 'def h():\n    return 1\n',
    'sims/c.py': `${PRELUDE}from helpers.h import h\nfrom lib.neuron import simulate\nprint(h(), simulate(1))\n`,
  });
  const built = await rig.run(['build', '--coverage', '--no-report']);
  assert.is(built.code, 0, built.stderr);
  const totals = (await rig.json(['coverage'])).doc;
  assert.equal(totals.files.map((f: { path: string }) => f.path), ['lib/__init__.py', 'lib/neuron.py'], 'helpers/ is not in coverage.include');
  const neuron = await fileCoverage('lib/neuron.py');
  assert.is(neuron.percent, 100, 'the excluded function does not count as missed');
  rig.write({ 'mreorg.config.mjs': 'export default { monitor: [{ dir: "sims", autoTrack: true }], coverage: { rcfile: "gone.ini" } };\n' });
  const res = await rig.run(['build', '--coverage', '--no-report', '-B']);
  assert.is(res.code, 2);
  assert.match(res.stderr, /"coverage\.rcfile" names .*gone\.ini, which does not exist/);
}));

test('coverage of a file no measured run imported: exit 2 naming it', withTimeout(T, async () => {
  project();
  const none = await rig.run(['coverage']);
  assert.is(none.code, 0);
  assert.match(none.stdout, /No coverage data under runconfig "default"/);
  assert.is((await rig.run(['build', '--coverage', '--no-report'])).code, 0);
  const res = await rig.run(['coverage', 'lib/other.py']);
  assert.is(res.code, 2);
  assert.match(res.stderr, /No coverage data for lib\/other\.py/);
}));

test.run();
