/** The report writes only into a folder it made (a marker file) or an empty one, through the real CLI. */
import fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig } from '../helpers/rig.js';

const T = 60_000;
const test = suite('report-folder');
let rig: Rig;
test.before.each(() => {
  rig = new Rig();
});
test.after.each(() => rig.cleanup());

const USER_PAGE = '<!doctype html><title>My project</title><p>hand-written docs</p>\n';

test('report.dir over a docs/ folder holding the user\'s index.html: exit 2, a message naming the folder and report.dir, the file unchanged', withTimeout(T, async () => {
  rig.write({
    'mreorg.config.ts': "export default { report: { dir: 'docs' } };\n",
    'a.py': 'print("hi")\n',
    'docs/index.html': USER_PAGE,
    'docs/timing.html': 'mine too\n',
  });
  const before = fs.statSync(rig.path('docs/index.html')).mtimeMs;
  for (const args of [['build'], ['report']]) {
    const r = await rig.run(args);
    assert.is(r.code, 2, `${args[0]}: ${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, new RegExp(`Not writing the report into ${rig.path('docs').replace(/[/.]/g, '\\$&')}`));
    assert.match(r.stderr, /report\.dir/);
    assert.match(r.stderr, /\.mreorg-report/);
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.is(rig.read('docs/index.html'), USER_PAGE);
  assert.is(fs.statSync(rig.path('docs/index.html')).mtimeMs, before);
  assert.equal(fs.readdirSync(rig.path('docs')).sort(), ['index.html', 'timing.html'], 'nothing written into docs/');
}));

test('a new or empty folder becomes the report\'s (marker inside), and later builds write there again', withTimeout(T, async () => {
  rig.write({ 'mreorg.config.ts': "export default { report: { dir: 'site' } };\n", 'a.py': 'print("hi")\n' });
  fs.mkdirSync(rig.path('site'));
  const first = await rig.run(['build']);
  assert.is(first.code, 0, first.stderr);
  assert.ok(rig.exists('site/.mreorg-report'));
  assert.ok(rig.exists('site/index.html'));
  rig.write({ 'b.py': 'print("more")\n' });
  const second = await rig.run(['build']);
  assert.is(second.code, 0, second.stderr);
  assert.match(rig.read('site/index.html'), /b\.py/);
}));

test('a report folder written by the previous version (.mreorg-signature, no marker) is still the report\'s', withTimeout(T, async () => {
  rig.write({
    'a.py': 'print("hi")\n',
    'report/index.html': '<!doctype html><p>an old report</p>\n',
    'report/.mreorg-signature': 'f00d\n',
  });
  const r = await rig.run(['build']);
  assert.is(r.code, 0, r.stderr);
  assert.match(rig.read('report/index.html'), /a\.py/);
  assert.ok(rig.exists('report/.mreorg-report'));
}));

test.run();
