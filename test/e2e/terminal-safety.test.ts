/**
 * What a script controls never acts on the terminal (escape sequences, newlines in names), and mreorg's own
 * files are never inputs, whatever the declared globs say. Real CLI, real python3.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, ranPaths } from '../helpers/rig.js';

const T = 90_000;
const test = suite('terminal-safety');
let rig: Rig;
test.before.each(() => {
  rig = new Rig();
});
test.after.each(() => rig.cleanup());

/** Any control character but newline and tab: what could move the cursor, retitle the window or clear it. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

test(
  'an exception message with ANSI/OSC escapes is shown escaped by build, status and show, never raw',
  withTimeout(T, async () => {
    rig.write({ 'evil.py': 'import sys\nprint("out \\x1b[31mred\\x1b[0m")\nraise RuntimeError("\\x1b]0;PWNED\\x07\\x1b[2J cleared")\n' });
    const build = await rig.run(['build', '--no-report']);
    assert.is(build.code, 1);
    const all = build.stdout + build.stderr;
    assert.not.match(all, RAW_CONTROL, JSON.stringify(all));
    assert.match(build.stdout, /RuntimeError: \\x1b\]0;PWNED\\x07\\x1b\[2J cleared/);
    const show = await rig.run(['show', 'evil.py']);
    assert.not.match(show.stdout, RAW_CONTROL);
    assert.match(show.stdout, /out \\x1b\[31mred\\x1b\[0m/);
    const again = await rig.run(['build', '--no-report']);
    assert.not.match(again.stdout + again.stderr, RAW_CONTROL);
    assert.match(again.stdout, /still failing: evil\.py \(RuntimeError: \\x1b\]0;PWNED/);
  }),
);

test(
  'a file name with a newline stays on one line in build, status and show',
  withTimeout(T, async () => {
    rig.write({ 'two\nlines.py': 'print("hi")\n' });
    const build = await rig.run(['build', '--no-report']);
    assert.is(build.code, 0, build.stderr);
    assert.match(build.stdout, /^ok two\\x0alines\.py /m);
    assert.not.match(build.stdout, /^lines\.py/m);
    const status = await rig.run(['status']);
    assert.match(status.stdout, /^up to date\s+two\\x0alines\.py/m);
    assert.not.match(status.stdout, /^lines\.py/m);
  }),
);

test(
  "declared inputs never include mreorg's own files (ledger, report, _output): a second build runs nothing",
  withTimeout(T, async () => {
    rig.write({
      'mreorg.config.ts': "export default { inputs: { 'plot.py': ['**/*.json', '**/*.png', '**/*.html'], 'make.py': ['*.txt', 'params.json'] }, figures: { formats: ['png'] } };\n",
      'params.json': '{"n": 1}\n',
      // Its figure is saved under _output/ (png), the report has .html pages, the ledger .json files.
      'plot.py': 'import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()\n',
      // A declared glob that matches what the script writes itself: its output, not its input.
      'make.py': 'open("made.txt", "w").write("made")\n',
    });
    const first = await rig.json(['build']);
    assert.is(first.res.code, 0, first.res.stderr);
    const second = await rig.json(['build']);
    assert.equal(ranPaths(second.doc), [], JSON.stringify(second.doc.scripts.map((s: { reasons: string[] }) => s.reasons)));
    rig.write({ 'params.json': '{"n": 2}\n' });
    const third = await rig.json(['build']);
    assert.equal(third.doc.scripts.map((x: { reasons: string[] }) => x.reasons), [['params.json changed'], ['params.json changed']], 'a declared input of the user still counts');
  }),
);

test.run();
