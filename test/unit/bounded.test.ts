/** Bounded texts (head + tail with a marker) and the JSON reader that keeps every string bounded. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readManifest } from '../../src/run/manifest.js';
import { parseTraceback } from '../../src/run/traceback.js';
import { readJsonBounded } from '../../src/util/bounded-json.js';
import { boundText } from '../../src/util/headtail.js';

const MARKER = /\n\[\.\.\. (\d+) bytes dropped by mreorg \.\.\.\]\n/;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mreorg-bounded-'));
const file = (name: string, text: string): string => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

test('boundText: a short text is left as it is; a long one keeps head and tail and says how much was dropped', () => {
  assert.is(boundText('short', 100), 'short');
  const long = `HEAD${'x'.repeat(10_000)}TAIL`;
  const cut = boundText(long, 1000);
  assert.ok(cut.startsWith('HEADxxx') && cut.endsWith('xxxTAIL'));
  const dropped = Number(MARKER.exec(cut)?.[1]);
  assert.is(dropped, long.length - 1000);
  assert.is(boundText(cut, 1000), cut, 'bounding twice changes nothing');
});

test('boundText cuts at character boundaries (no U+FFFD around the marker)', () => {
  const cut = boundText('é'.repeat(5000), 1001);
  assert.not.ok(cut.includes('\ufffd'));
  assert.match(cut, MARKER);
});

test('readJsonBounded streams large files to the same value JSON.parse gives, escapes and all', () => {
  const value = {
    a: [1, -2.5e3, true, false, null, 0],
    'k\u00e9y': 'h\u00e9llo \ud83d\ude00 "q" \\ / \n\t\u0001',
    nested: [[[]], {}],
    __proto__x: { '': '' },
  };
  for (const text of [JSON.stringify(value, null, 2), JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)]) {
    const got = readJsonBounded(file('v.json', text), 1000, 0)!;
    assert.equal(got.value, JSON.parse(text));
    assert.is(got.cut, 0);
  }
  const proto = readJsonBounded(file('p.json', '{"__proto__": {"polluted": 1}}'), 1000, 0)!.value as Record<string, unknown>;
  assert.is(Object.getPrototypeOf(proto), Object.prototype, 'a "__proto__" key is a plain property, as JSON.parse makes it');
  assert.is(({} as Record<string, unknown>).polluted, undefined);
});

test('readJsonBounded cuts long strings to head and tail, as boundText does, and rejects what is not JSON', () => {
  const long = `START${'z'.repeat(3_000_000)}\u00e9END`;
  const got = readJsonBounded(file('big.json', JSON.stringify({ m: long, n: 'short' })), 1000, 0)!;
  const v = got.value as { m: string; n: string };
  assert.is(got.cut, 1);
  assert.is(v.n, 'short');
  assert.is(v.m, boundText(long, 1000));
  for (const bad of ['', '{', '{"a":1,}', '[1 2]', '"abc', '{"a" 1}', 'tru', '1 2', '{"a":"\\x"}']) {
    assert.throws(() => readJsonBounded(file('bad.json', bad), 1000, 0), SyntaxError, JSON.stringify(bad));
  }
  assert.is(readJsonBounded(path.join(dir, 'missing.json'), 1000, 0), null);
});

test('readManifest and parseTraceback keep the exception message and traceback to maxBytes', () => {
  const huge = 'm'.repeat(200_000);
  const manifest = { version: 1, script: '/p/x.py', exception: { type: 'ValueError', message: huge, traceback: `Traceback\n${huge}`, frames: [] } };
  const m = readManifest(file('m.json', JSON.stringify(manifest)), 10_000)!;
  assert.match(m.exception!.message, MARKER);
  assert.ok(m.exception!.message.length < 11_000 && m.exception!.traceback.length < 11_000);
  const e = parseTraceback(`Traceback (most recent call last):\n  File "x.py", line 1, in <module>\n    f()\nValueError: ${huge}\n`, 10_000)!;
  assert.is(e.type, 'ValueError');
  assert.match(e.message, MARKER);
  assert.ok(e.message.length < 11_000 && e.traceback.length < 11_000);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
