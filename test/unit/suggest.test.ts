/** "Did you mean": the nearest command or option name, or none when nothing is close. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { didYouMean, editDistance } from '../../src/util/suggest.js';

const COMMANDS = ['build', 'status', 'show', 'track', 'untrack', 'report', 'init', 'clean', 'shim-path'];
const OPTIONS = ['--group', '--runconfig', '--jobs', '--force', '--retry-failed', '--dry-run', '--fail-fast', '--no-report', '--json', '--junit'];

test('edit distance counts a swap of neighbours as one edit', () => {
  assert.is(editDistance('biuld', 'build'), 1);
  assert.is(editDistance('--dry-rn', '--dry-run'), 1);
  assert.is(editDistance('', 'abc'), 3);
  assert.is(editDistance('same', 'same'), 0);
});

test('typos get the nearest name', () => {
  assert.is(didYouMean('biuld', COMMANDS), 'build');
  assert.is(didYouMean('stauts', COMMANDS), 'status');
  assert.is(didYouMean('--dry-rn', OPTIONS), '--dry-run');
  assert.is(didYouMean('--jsno', OPTIONS), '--json');
  assert.is(didYouMean('--no-reprot', OPTIONS), '--no-report');
});

test('a unique prefix gets the one name it starts; an ambiguous or far word gets none', () => {
  assert.is(didYouMean('stat', COMMANDS), 'status');
  assert.is(didYouMean('--retry', OPTIONS), '--retry-failed');
  assert.is(didYouMean('--j', OPTIONS), undefined);
  assert.is(didYouMean('frobnicate', COMMANDS), undefined);
  assert.is(didYouMean('x', COMMANDS), undefined);
});

test.run();
