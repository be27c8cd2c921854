/** Combining per-script coverage parts: which scripts ran each line and reached each function, versions, filters. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { combine } from '../../src/coverage/combine.js';
import { parsePart, type CoveragePart, type PartFile } from '../../src/coverage/parts.js';

const ROOT = '/p';
const FUNCTIONS = [
  { name: 'simulate', line: 1, body: 2, end: 3 },
  { name: 'unused', line: 5, body: 6, end: 6 },
];
const lib = (sha: string, executed: number[]): PartFile => ({ sha256: sha, statements: [1, 2, 3, 5, 6], executed, functions: FUNCTIONS });
const part = (script: string, runId: string, file: PartFile): CoveragePart => ({ runId, script: `${ROOT}/${script}`, files: { [`${ROOT}/lib/n.py`]: file } });
const opts = (now: string | null, extra = {}) => ({ root: ROOT, areas: [ROOT], digest: () => now, ...extra });

test('per line and per function, the scripts that ran them; totals', () => {
  const v = combine('std', [part('b.py', 'r2', lib('v1', [1, 2, 3, 5])), part('a.py', 'r1', lib('v1', [1, 2, 5]))], opts('v1'));
  const f = v.files[0]!;
  assert.equal([...f.lines], [[1, ['a.py', 'b.py']], [2, ['a.py', 'b.py']], [3, ['b.py']], [5, ['a.py', 'b.py']]]);
  assert.equal(f.functions.map((fn) => [fn.name, fn.scripts, fn.covered, fn.statements]), [['simulate', ['a.py', 'b.py'], 2, 2], ['unused', [], 0, 1]]);
  assert.equal(v.totals, { files: 1, statements: 5, covered: 4, percent: 80 });
  assert.equal(v.scripts.map((s) => [s.script, s.files[0]!.functions]), [['a.py', ['simulate']], ['b.py', ['simulate']]]);
});

test('a part of another version of the file is stale; with none of the current one, the newest version is shown', () => {
  const parts = [part('a.py', 'r1', lib('old', [1, 2])), part('b.py', 'r2', lib('new', [1, 5, 6]))];
  const now = combine('std', parts, opts('new')).files[0]!;
  assert.equal([now.scripts, now.stale, now.changedSince], [['b.py'], ['a.py'], false]);
  const later = combine('std', parts, opts('newer')).files[0]!;
  assert.equal([later.scripts, later.stale, later.changedSince], [['b.py'], ['a.py'], true], 'r2 is the newest run');
});

test('keep drops scripts; a part of another run than the last is outdated', () => {
  const parts = [part('a.py', 'r1', lib('v1', [1, 2])), part('gone.py', 'r2', lib('v1', [1, 5, 6]))];
  const v = combine('std', parts, opts('v1', { keep: (s: string) => s !== 'gone.py', lastRunId: () => 'r9' }));
  assert.equal(v.scripts.map((s) => [s.script, s.outdated]), [['a.py', true]]);
  assert.equal(v.files[0]!.functions[1]!.scripts, [], 'gone.py reached unused; it no longer counts');
});

test('a part file is checked: not JSON, another version, bad lines are refused or dropped', () => {
  assert.is(parsePart('{'), null);
  assert.is(parsePart('{"version": 2, "script": "/p/a.py", "files": {}}'), null);
  const p = parsePart(JSON.stringify({ version: 1, runId: 'r', script: '/p/a.py', files: { '/p/x.py': { sha256: 's', statements: ['1'], executed: [], functions: [] }, '/p/y.py': lib('s', [1]) } }));
  assert.equal(Object.keys(p!.files), ['/p/y.py']);
});

test.run();
