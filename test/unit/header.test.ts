/** The `# mreorg:` header: what it sets, what it refuses, and line endings. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseHeader, splitWords } from '../../src/discover/header.js';

test('keys: timeout, expect, argv (quoted), env.NAME (null unsets), over several lines', async () => {
  const r = await parseHeader('"""doc"""\n# mreorg: timeout=3600 expect=fail\n# mreorg: argv="--n 3 --quick" env.MF_QUICK=1 env.DISPLAY=null\nprint(1)\n');
  assert.equal(r, { settings: { timeout: 3600, expect: 'fail', argv: ['--n', '3', '--quick'], env: { MF_QUICK: '1', DISPLAY: null } } });
});

test('a script saved with Windows line endings has its header read too', async () => {
  const r = await parseHeader('# mreorg: expect=fail timeout=none\r\nimport math\r\n');
  assert.equal(r, { settings: { expect: 'fail', timeout: null } });
});

test('warm=false keeps a script off the warm executor; any other value is refused', async () => {
  assert.equal(await parseHeader('# mreorg: warm=false\n'), { settings: { warm: false } });
  assert.match((await parseHeader('# mreorg: warm=maybe\n') as { problem: { message: string } }).problem.message, /^warm: /);
});

test('only the first 20 lines count; no header is no settings', async () => {
  assert.equal(await parseHeader('\n'.repeat(20) + '# mreorg: expect=fail\n'), { settings: null });
  assert.equal(await parseHeader('print(1)\n'), { settings: null });
});

test('problems name the line: unknown key, not key=value, open quote, a bad value', async () => {
  assert.equal(await parseHeader('# mreorg: colour=red\n'), { problem: { line: 1, message: 'unknown key "colour" (keys: timeout, expect, argv, env.NAME, warm, cpus, mem, partition)' } });
  assert.match((await parseHeader('x = 1\n# mreorg: fail\n') as { problem: { line: number; message: string } }).problem.message, /"fail" is not key=value/);
  assert.equal((await parseHeader('# mreorg: argv="--n\n') as { problem: { line: number } }).problem.line, 1);
  assert.match((await parseHeader('# mreorg: expect=sometimes\n') as { problem: { message: string } }).problem.message, /^expect: /);
});

test('splitWords keeps quoted runs together', async () => {
  assert.equal(splitWords(`a "b c" 'd e' f=""`), ['a', 'b c', 'd e', 'f=']);
  assert.is(splitWords('"open'), null);
});

test.run();
