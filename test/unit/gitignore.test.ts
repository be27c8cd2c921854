/** What `mreorg init` adds to .gitignore: the folders as the config names them, never a line twice. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addToGitignore, ignoreLines } from '../../src/commands/init.js';
import { resolveConfig } from '../../src/config/resolve.js';

test('the report and ledger folders as configured, anchored; _output/ at any depth', () => {
  const root = '/p';
  assert.equal(ignoreLines(resolveConfig(root, null, {})), ['/report/', '/.mreorg/', '_output/']);
  assert.equal(ignoreLines(resolveConfig(root, null, { report: { dir: 'site/out' }, ledger: 'db/runs.json' })), ['/site/out/', '/db/', '_output/']);
  // Folders outside the project or the project itself are not the project's .gitignore's business.
  assert.equal(ignoreLines(resolveConfig(root, null, { report: { dir: '../site' }, ledger: 'ledger.json' })), ['_output/']);
});

test('lines already covered are not added again; an anchored /_output/ does not cover _output/', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mreorg-gitignore-'));
  try {
    const file = path.join(dir, '.gitignore');
    fs.writeFileSync(file, 'report\n**/.mreorg\n/_output/');
    assert.equal(addToGitignore(file, ['/report/', '/.mreorg/', '_output/']), ['_output/']);
    assert.is(fs.readFileSync(file, 'utf8'), 'report\n**/.mreorg\n/_output/\n# written by mreorg: its report, run records and figures\n_output/\n');
    assert.equal(addToGitignore(file, ['/report/', '/.mreorg/', '_output/']), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
