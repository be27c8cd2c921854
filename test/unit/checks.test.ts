/** The predicates generated from the schemas (src/util/checks.generated.ts): up to date, and never kinder than zod. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { configSchema, scriptSettingsSchema } from '../../src/config/schema.js';
import { generatedChecks } from '../../src/ledger/checks-source.js';
import { isConfigShape, isScriptSettingsShape } from '../../src/util/checks.generated.js';
import { fromRel } from '../../src/util/paths.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

test('checks.generated.ts is what the schemas generate now (else: npm run gen)', () => {
  const committed = fs.readFileSync(path.join(root, 'src/util/checks.generated.ts'), 'utf8');
  assert.ok(committed === generatedChecks(), 'src/util/checks.generated.ts is out of date: run `npm run gen`');
});

const full = () => ({
  python: '/usr/bin/python3',
  jobs: 4,
  monitor: [{ dir: 'sims', recurse: true, autoTrack: false, group: 'paper1' }, { dir: '../lib' }],
  exclude: ['**/scratch/**'],
  groups: { paper1: ['sims/**'] },
  runconfigs: { default: { timeout: 600, env: { MF_QUICK: '1', DISPLAY: null }, argv: ['--n', '3'] }, long: { timeout: null } },
  defaultRunconfig: 'default',
  figures: { formats: ['png', 'svg'], tolerance: 0.01 },
  report: { dir: 'report', figureFormats: ['png'], title: 'Lab', editorUrl: null },
  ledger: '.mreorg',
  history: 20,
  output: { maxBytes: 1000, numberTolerance: 0 },
  baselines: 'baselines',
  failOnChange: false,
  inputs: { 'sims/a.py': ['data/*.csv'] },
  rerunOn: { packages: true, env: false },
  scripts: { 'sims/slow_*.py': { timeout: 3600, expect: 'timeout' } },
});

/** One change at a time to a good config: each one zod refuses, the check must refuse too. */
const MUTATIONS: Array<[string, (c: any) => void]> = [
  ['unknown key', (c) => (c.runconfig = {})],
  ['python empty', (c) => (c.python = '')],
  ['jobs 0', (c) => (c.jobs = 0)],
  ['jobs 1.5', (c) => (c.jobs = 1.5)],
  ['jobs Infinity', (c) => (c.jobs = Infinity)],
  ['monitor not a list', (c) => (c.monitor = { dir: 'x' })],
  ['monitor without dir', (c) => delete c.monitor[0].dir],
  ['monitor unknown key', (c) => (c.monitor[1].recursive = true)],
  ['recurse a string', (c) => (c.monitor[0].recurse = 'yes')],
  ['group name empty', (c) => (c.groups = { '': ['x'] })],
  ['timeout negative', (c) => (c.runconfigs.default.timeout = -1)],
  ['timeout past 24 days', (c) => (c.runconfigs.default.timeout = 3_000_000)],
  ['env value a number', (c) => (c.runconfigs.default.env.X = 1)],
  ['argv a string', (c) => (c.runconfigs.default.argv = '--n 3')],
  ['format unknown', (c) => c.figures.formats.push('gif')],
  ['no formats', (c) => (c.figures.formats = [])],
  ['tolerance over 1', (c) => (c.figures.tolerance = 2)],
  ['editorUrl a number', (c) => (c.report.editorUrl = 1)],
  ['history 0', (c) => (c.history = 0)],
  ['expect unknown', (c) => (c.scripts['sims/slow_*.py'].expect = 'sometimes')],
  ['a function', (c) => (c.jobs = () => 2)],
  ['a Map for a record', (c) => (c.groups = new Map())],
];

test('the config check accepts good configs and refuses every one zod refuses', () => {
  for (const good of [{}, full(), { monitor: [] }, { runconfigs: {} }]) {
    assert.ok(configSchema.safeParse(good).success);
    assert.ok(isConfigShape(good), JSON.stringify(good));
  }
  for (const [name, mutate] of MUTATIONS) {
    const c = full();
    mutate(c);
    assert.is(configSchema.safeParse(c).success, false, `zod: ${name}`);
    assert.is(isConfigShape(c), false, name);
  }
  for (const x of [null, [], 'x', 1]) assert.is(isConfigShape(x), false);
});

test('the header settings check: good settings pass, bad ones go to zod', () => {
  const good = { timeout: 10, env: { A: 'x', B: null }, argv: ['-q'], expect: 'fail' };
  assert.ok(isScriptSettingsShape(good) && scriptSettingsSchema.safeParse(good).success);
  for (const bad of [{ timeout: 0 }, { colour: 'red' }, { expect: 'sometimes' }, { env: { '': 'x' } }]) {
    assert.is(scriptSettingsSchema.safeParse(bad).success, false);
    assert.is(isScriptSettingsShape(bad), false, JSON.stringify(bad));
  }
});

test('fromRel is path.join for every spelling a ledger may hold', () => {
  for (const rel of ['a/b.py', '../lib/x.py', 'a/../b', './a', 'a//b', 'a/./b', '.hidden/x', 'a..b/c', '..a/b', 'a/..', 'a/']) {
    assert.is(fromRel('/p/root', rel), path.join('/p/root', rel), rel);
  }
  assert.is(fromRel('/', 'a/b'), '/a/b');
});

test.run();
