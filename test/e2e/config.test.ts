/** Config loading and errors: every bad config gets one clear paragraph naming the file and key, exit code 2. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, ranPaths } from '../helpers/rig.js';

const T = 60_000;
const test = suite('config');
let rig: Rig;
test.before.each(() => {
  rig = new Rig();
});
test.after.each(() => rig.cleanup());

async function expectConfigError(config: string, pattern: RegExp, args: string[] = ['build'], name = 'mreorg.config.ts'): Promise<void> {
  rig.write({ [name]: config, 'a.py': 'pass\n' });
  // MREORG_PYTHON would override the config's python.
  const r = await rig.run(args, { env: { MREORG_PYTHON: undefined } });
  assert.is(r.code, 2, `exit code; stderr: ${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  assert.not.ok(rig.exists('.mreorg/ledger.json'), 'nothing written');
}

test('syntax error names the file', withTimeout(T, () => expectConfigError('export default {{ jobs: 2 ;\n', /mreorg\.config\.ts could not be loaded/)));

test('unknown key is named', withTimeout(T, () => expectConfigError("export default { runconfig: {} };\n", /mreorg\.config\.ts is invalid: unknown key "runconfig"/)));

test('nested unknown key is named with its path', withTimeout(T, () => expectConfigError("export default { runconfigs: { std: { timout: 3 } } };\n", /unknown key "runconfigs\.std\.timout"/)));

test('wrong type names the key', withTimeout(T, () => expectConfigError("export default { jobs: 'two' };\n", /key "jobs": .*number/i)));

test('a timeout beyond what a timer can hold is refused, not turned into an instant timeout', withTimeout(T, () => expectConfigError("export default { runconfigs: { std: { timeout: 1e7 } } };\n", /key "runconfigs\.std\.timeout": at most 2147483 seconds/)));

test('defaultRunconfig must exist', withTimeout(T, () => expectConfigError("export default { runconfigs: { std: {} }, defaultRunconfig: 'fast' };\n", /defaultRunconfig.*"fast"/)));

test('unknown runconfig on the command line', withTimeout(T, () => expectConfigError('export default {};\n', /Unknown runconfig "nope"/, ['build', '-r', 'nope'])));

test('unknown group on the command line', withTimeout(T, () => expectConfigError("export default { groups: { paper1: ['*.py'] } };\n", /Unknown group "paper2".*"paper1"/, ['build', '-g', 'paper2'])));

test('a config that throws', withTimeout(T, () => expectConfigError("throw new Error('lab server unreachable');\nexport default {};\n", /could not be loaded: .*lab server unreachable/)));

test('a config that never settles: exit 2 naming the file once the bound is reached, for build and status', withTimeout(T, async () => {
  const never = {
    'default export': 'export default new Promise(() => {});\n',
    'top-level await': 'await new Promise(() => {});\nexport default {};\n',
    'function result': 'export default () => new Promise(() => {});\n',
    // A timer of the config's own would keep Node running after the error: mreorg must still end.
    'with a timer left running': 'setInterval(() => {}, 1000);\nexport default new Promise(() => {});\n',
  };
  for (const [what, config] of Object.entries(never)) {
    for (const command of ['build', 'status']) {
      rig.write({ 'mreorg.config.ts': config, 'a.py': 'pass\n' });
      const r = await rig.run([command], { env: { MREORG_CONFIG_TIMEOUT: '1' }, timeoutMs: 20_000 });
      assert.is(r.code, 2, `${what}, ${command}: exit ${r.code}; stderr: ${r.stderr}`);
      assert.match(r.stderr, /mreorg\.config\.ts did not finish loading within 1 s/, `${what}, ${command}`);
      assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
    }
  }
  assert.not.ok(rig.exists('.mreorg/ledger.json'), 'nothing ran');
  rig.write({ 'mreorg.config.ts': 'export default new Promise((resolve) => setTimeout(() => resolve({ jobs: 1 }), 200));\n' });
  const ok = await rig.json(['build'], { env: { MREORG_CONFIG_TIMEOUT: '5' } });
  assert.equal(ranPaths(ok.doc), ['a.py'], 'a config that settles in time loads');
}));

test('missing --config file', withTimeout(T, () => expectConfigError('export default {};\n', /nothere\.ts does not exist/, ['build', '--config', 'nothere.ts'])));

test('a python that does not exist', withTimeout(T, () => expectConfigError("export default { python: '/no/such/python3' };\n", /Python interpreter "\/no\/such\/python3" was not found/, ['build'])));

test('shouldExist on a missing directory is an error; otherwise a warning', withTimeout(T, async () => {
  await expectConfigError("export default { monitor: [{ dir: 'sims', shouldExist: true }] };\n", /monitored directory "sims" .* does not exist/);
  rig.write({ 'mreorg.config.ts': "export default { monitor: [{ dir: 'sims' }, { dir: '.', autoTrack: true }] };\n" });
  const r = await rig.run(['build']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /warning: monitored directory "sims" does not exist/);
}));

test('a monitored directory that is a file', withTimeout(T, () => expectConfigError("export default { monitor: [{ dir: 'a.py' }] };\n", /"a\.py" .* is a file, not a directory/)));

test('.mjs and .js configs load, and defineConfig imports from mreorg', withTimeout(T, async () => {
  rig.write({ 'mreorg.config.mjs': "import { defineConfig } from 'mreorg';\nexport default defineConfig({ exclude: ['skip*.py'] });\n", 'a.py': '', 'skip_me.py': '' });
  const b = await rig.json(['build']);
  assert.equal(ranPaths(b.doc), ['a.py']);
}));

test('a .ts config with types and defineConfig', withTimeout(T, async () => {
  rig.write({
    'mreorg.config.ts': "import { defineConfig } from 'mreorg';\nconst n: number = 1;\nexport default defineConfig({ jobs: n, runconfigs: { only: { timeout: 5 } } });\n",
    'a.py': '',
  });
  const b = await rig.json(['build']);
  assert.is(b.doc.runconfig, 'only');
  assert.equal(ranPaths(b.doc), ['a.py']);
}));

test('unknown command and bad -j are usage errors', withTimeout(T, async () => {
  const r = await rig.run(['frobnicate']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /Unknown command "frobnicate"/);
  const j = await rig.run(['build', '-j', 'zero']);
  assert.is(j.code, 2);
  assert.match(j.stderr, /--jobs/);
}));

test.run();
