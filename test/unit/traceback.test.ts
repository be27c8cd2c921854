import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTraceback } from '../../src/run/traceback.js';

const TB = `some output
Traceback (most recent call last):
  File "/p/sim.py", line 12, in <module>
    main()
  File "/p/sim.py", line 9, in main
    return 1 / 0
           ~~^~~
ZeroDivisionError: division by zero
`;

test('parses frames, type and message of the last traceback', () => {
  const e = parseTraceback(TB)!;
  assert.is(e.type, 'ZeroDivisionError');
  assert.is(e.message, 'division by zero');
  assert.equal(
    e.frames.map((f) => [f.file, f.line, f.function, f.code]),
    [
      ['/p/sim.py', 12, '<module>', 'main()'],
      ['/p/sim.py', 9, 'main', 'return 1 / 0'],
    ],
  );
  assert.ok(e.traceback.startsWith('Traceback'));
});

test('dotted exception types and no message', () => {
  const e = parseTraceback('Traceback (most recent call last):\n  File "x.py", line 1, in <module>\n    f()\nmypkg.errors.Boom\n')!;
  assert.is(e.type, 'mypkg.errors.Boom');
  assert.is(e.message, '');
});

test('no traceback: null', () => {
  assert.is(parseTraceback('Segmentation fault\n'), null);
});

test.run();
