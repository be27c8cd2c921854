import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fnmatchAny, fnmatchToRegExp } from '../../src/discover/fnmatch.js';

test('star matches across folders, as Python fnmatch does', () => {
  assert.ok(fnmatchToRegExp('*/analysis_dins.py').test('a/b/analysis_dins.py'));
  assert.ok(fnmatchToRegExp('__*.py').test('__init__.py'));
  assert.not.ok(fnmatchToRegExp('__*.py').test('x__init__.py'));
});

test('question mark, sets and negated sets', () => {
  assert.ok(fnmatchToRegExp('run?.py').test('run1.py'));
  assert.not.ok(fnmatchToRegExp('run?.py').test('run12.py'));
  assert.ok(fnmatchToRegExp('[ab]*.py').test('b.py'));
  assert.not.ok(fnmatchToRegExp('[!ab]*.py').test('a.py'));
});

test('regex metacharacters are literal', () => {
  assert.ok(fnmatchToRegExp('a+b(1).py').test('a+b(1).py'));
  assert.not.ok(fnmatchToRegExp('a.py').test('axpy'));
});

test('case-sensitive like the original on Linux', () => {
  const m = fnmatchAny(['*old*.py', '*OLD*.py']);
  assert.ok(m('sim_old_v1.py'));
  assert.ok(m('simOLD.py'));
  assert.not.ok(m('simOld.py'));
});

test.run();
