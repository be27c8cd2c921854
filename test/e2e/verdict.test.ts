/**
 * The build's verdict covers every selected script, not only this build's runs: scripts still failing, expected
 * failures, per-script settings (config and `# mreorg:` header), the interpreter said out loud, and the first-build
 * retry told as one story. Real CLI, real python3, temp projects.
 */
import fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { PYTHON, Rig, entry, ranPaths } from '../helpers/rig.js';

const T = 90_000;
const test = suite('verdict');
let rig: Rig;
test.before.each(() => {
  rig = new Rig();
});
test.after.each(() => rig.cleanup());

test(
  'a script still failing keeps the build red: exit 1, ok false, listed with its error, a JUnit failure',
  withTimeout(T, async () => {
    rig.write({ 'ok.py': 'print("fine")\n', 'sims/x.py': 'raise ValueError("tau must be positive")\n' });
    const first = await rig.run(['build', '--no-report']);
    assert.is(first.code, 1, first.stderr);
    const second = await rig.run(['build', '--no-report', '--junit', 'junit.xml']);
    assert.is(second.code, 1, 'a no-op build with a failing script is not green');
    assert.match(second.stdout, /Nothing to run under runconfig default: nothing changed, but 1 script is still failing/);
    assert.match(second.stdout, /still failing: sims\/x\.py \(ValueError: tau must be positive, last run \d+ s ago\)/);
    assert.match(second.stdout, /0 ran, 0 succeeded, 1 still failing, 1 up to date/);
    const junit = rig.read('junit.xml');
    assert.match(junit, /<testcase [^>]*name="sims\/x\.py"[^>]*>\s*<failure type="ValueError" message="still failing[^"]*ValueError: tau must be positive"/);
    assert.match(junit, /failures="1"/);
    const { doc, res } = await rig.json(['build', '--no-report']);
    assert.is(res.code, 1);
    assert.is(doc.ok, false);
    assert.is(doc.counts.stillFailing, 1);
    assert.is(entry(doc, 'sims/x.py').outcome, 'still-failing');
    assert.equal(entry(doc, 'sims/x.py').error, { type: 'ValueError', message: 'tau must be positive' });
  }),
);

test(
  'expected failures (config): shown as such, do not fail the build, not rerun; succeeding fails the build',
  withTimeout(T, async () => {
    rig.write({
      'mreorg.config.ts': "export default { scripts: { 'analysis/broken_*.py': { expect: 'fail' } } };\n",
      'analysis/broken_fit.py': 'import math\nmath.log(-1)\n',
      'ok.py': '',
    });
    const first = await rig.run(['build', '--no-report']);
    assert.is(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /expected failure analysis\/broken_fit\.py .*ValueError: math domain error/);
    assert.not.match(first.stdout, /FAILED/);
    const { doc, res } = await rig.json(['build', '--no-report']);
    assert.is(res.code, 0);
    assert.equal(ranPaths(doc), [], 'an expected failure is not rerun when nothing changed');
    assert.is(entry(doc, 'analysis/broken_fit.py').state, 'expected-failure');
    assert.is(doc.counts.expectedFailures, 1);
    const status = await rig.run(['status']);
    assert.match(status.stdout, /expected failure analysis\/broken_fit\.py/);

    rig.write({ 'analysis/broken_fit.py': 'import math\nmath.log(1)\n' });
    const fixed = await rig.run(['build', '--no-report']);
    assert.is(fixed.code, 1, 'an expected failure that succeeds fails the build');
    assert.match(fixed.stdout, /analysis\/broken_fit\.py was expected to fail but succeeded/);
    const again = await rig.run(['build', '--no-report']);
    assert.is(again.code, 1, 'and keeps failing it until the expectation is removed');
    assert.match(again.stdout, /analysis\/broken_fit\.py was expected to fail but succeeded/);
  }),
);

test(
  'per-script settings from a # mreorg: header: timeout, argv, env, expect; the config wins over the header',
  withTimeout(T, async () => {
    rig.write({
      'mreorg.config.ts': "export default { runconfigs: { std: { timeout: 60, env: { A: 'rc' } } }, scripts: { 'both.py': { timeout: 30 } } };\n",
      'slow.py': '# mreorg: timeout=1 expect=timeout\nimport time\ntime.sleep(30)\n',
      'args.py': '#!/usr/bin/env python3\n# mreorg: argv="--n 3" env.B=script\nimport os, sys\nprint(sys.argv[1:], os.environ.get("A"), os.environ.get("B"))\n',
      'both.py': '# mreorg: timeout=1\nimport time\ntime.sleep(2)\nprint("done")\n',
    });
    const { doc, res } = await rig.json(['build', '--no-report']);
    assert.is(res.code, 0, res.stderr);
    assert.is(entry(doc, 'slow.py').result, 'timeout');
    assert.is(entry(doc, 'slow.py').state, 'expected-failure');
    assert.is(entry(doc, 'both.py').result, 'success', 'the config timeout (30 s) wins over the header (1 s)');
    const shown = await rig.json(['show', 'args.py']);
    assert.is(shown.doc.runs[0].stdout, "['--n', '3'] rc script\n");

    rig.write({ 'args.py': rig.read('args.py').replace('--n 3', '--n 4') });
    const status = await rig.json(['status']);
    assert.equal(entry(status.doc, 'args.py').reasons, ['args.py changed', 'runconfig argv changed: ["--n","3"] -> ["--n","4"]']);
  }),
);

test(
  'a bad # mreorg: header is a clear error naming the file and line, exit 2',
  withTimeout(T, async () => {
    rig.write({ 'a.py': '"""doc"""\n# mreorg: timeout=soon\n' });
    const res = await rig.run(['build']);
    assert.is(res.code, 2);
    assert.match(res.stderr, /a\.py:2: the "# mreorg:" header is invalid: timeout/);
    assert.not.match(res.stderr, /\n\s+at /);
  }),
);

test(
  'a timed-out script reruns once its timeout is raised in the config',
  withTimeout(T, async () => {
    rig.write({ 'mreorg.config.ts': "export default { scripts: { 'slow.py': { timeout: 1 } } };\n", 'slow.py': 'import time\ntime.sleep(2)\n' });
    assert.is((await rig.run(['build', '--no-report'])).code, 1);
    rig.write({ 'mreorg.config.ts': "export default { scripts: { 'slow.py': { timeout: 20 } } };\n" });
    const { doc, res } = await rig.json(['build', '--no-report']);
    assert.is(res.code, 0, res.stderr);
    assert.equal(entry(doc, 'slow.py').reasons, ['the last run timed out after 1 s; the timeout is now 20 s']);
  }),
);

test(
  'the interpreter is said at the start and in --json; ModuleNotFoundError names it and how to choose another',
  withTimeout(T, async () => {
    rig.write({ 'needs.py': 'import surely_not_installed_mod\n' });
    const res = await rig.run(['build', '--no-report']);
    assert.is(res.code, 1);
    assert.match(res.stdout.split('\n')[0]!, new RegExp(`^python: ${PYTHON.replace(/[/.]/g, '\\$&')} 3\\.\\d+\\.\\d+, from MREORG_PYTHON$`));
    assert.match(res.stdout, /These scripts ran with .*python3 \(Python 3\.\d+\.\d+, from MREORG_PYTHON\); to use another interpreter set "python" in the config, MREORG_PYTHON, or --python\./);
    const { doc } = await rig.json(['build', '--no-report', '--python', PYTHON]);
    assert.is(doc.python.origin, '--python');
    assert.match(doc.python.version, /^3\.\d+/);
    const missing = await rig.run(['build', '--python', '/nonexistent/python9']);
    assert.is(missing.code, 2);
    assert.match(missing.stderr, /Python interpreter "\/nonexistent\/python9" was not found\. It comes from --python/);
  }),
);

test(
  'a first-build retry after a missing file is one story: no FAILED line, the retry says why, the report labels the first attempt',
  withTimeout(T, async () => {
    rig.write({
      // The reader sorts first, so without a known order it starts first and finds the file missing.
      'a_use.py': 'import json\nprint(json.load(open("data.json"))["x"])\n',
      'b_make.py': 'import json, time\ntime.sleep(0.5)\njson.dump({"x": 1}, open("data.json", "w"))\n',
    });
    const res = await rig.run(['build', '-j', '1']);
    assert.is(res.code, 0, res.stdout + res.stderr);
    assert.not.match(res.stdout, /FAILED/);
    assert.match(res.stdout, /ok a_use\.py .*\(retried after b_make\.py wrote data\.json\)/);
    const page = fs.readdirSync(rig.path('report/scripts')).find((f) => f.startsWith('a_use-py'))!;
    const html = rig.read(`report/scripts/${page}`);
    assert.match(html, /failed, retried/);
  }),
);

test(
  'dry run: "Would run 1 script"',
  withTimeout(T, async () => {
    rig.write({ 'a.py': '' });
    const res = await rig.run(['build', '-n']);
    assert.is(res.code, 0);
    assert.match(res.stdout, /Would run 1 script under runconfig default:\nwould run a\.py\n {4}- never run under runconfig default/);
  }),
);

test.run();
