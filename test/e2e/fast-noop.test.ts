/**
 * The fast no-op (src/commands/fast-noop.ts): a build that finds nothing to do is replayed by the next identical
 * build from one stat per input; any change a full build would notice takes the full path. Real CLI, real python.
 * MREORG_EXPLAIN_NOOP=1 makes mreorg say on stderr which path it took and why.
 */
import fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { Rig, ranPaths, type CliResult } from '../helpers/rig.js';

const T = 120_000;
const test = suite('fast-noop');
let rig: Rig;
test.before.each(() => {
  rig = new Rig();
});
test.after.each(() => rig.cleanup());

const EXPLAIN = { MREORG_EXPLAIN_NOOP: '1' };
const REPLAYED = /fast no-op: nothing changed since the last no-op/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Without the summary's time, which is the one thing a replay says differently. */
const untimed = (s: string) => s.replace(/ in [\d.]+ (ms|s)\./, ' in T.');

const PROJECT = {
  'mreorg.config.mjs': "export default { monitor: [{ dir: '.', recurse: true, autoTrack: true }], runconfigs: { default: { env: { GREETING: process.env.GREETING ?? 'hello' } } } };\n",
  'make_data.py': 'open("data.csv", "w").write("1,2,3\\n")\nprint("wrote data")\n',
  'sims/analyse.py': 'import os\nprint(os.environ["GREETING"], open("../data.csv").read().strip())\n',
};

/** Lets the last build's writes age past the racy window, then makes a no-op write its index. */
async function settle(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  await sleep(1100);
  const full = await rig.run(args, { env: { ...env, ...EXPLAIN } });
  assert.is(full.code, 0, full.stderr);
  assert.not.match(full.stderr, REPLAYED, 'the first no-op after a change takes the full path');
  if (args.includes('--json')) assert.equal(ranPaths(JSON.parse(full.stdout)), []);
  else assert.match(full.stdout, /0 ran/);
  return full;
}

async function build(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return rig.run(args, { env: { ...env, ...EXPLAIN } });
}

test(
  'a no-op replays the last no-op: the same output and exit code, without the full survey',
  withTimeout(T, async () => {
    rig.write(PROJECT);
    const first = await rig.run(['build', '--no-report']);
    assert.is(first.code, 0, first.stderr);
    const full = await settle(['build', '--no-report']);
    const fast = await build(['build', '--no-report']);
    assert.is(fast.code, 0);
    assert.match(fast.stderr, REPLAYED);
    assert.is(untimed(fast.stdout), untimed(full.stdout));
    assert.match(fast.stdout, /0 ran, 0 succeeded, 2 up to date in [\d.]+ (ms|s)\./);
    // Without being asked, mreorg says nothing of the path it took.
    const quiet = await rig.run(['build', '--no-report']);
    assert.is(quiet.stderr, '');
    assert.is(untimed(quiet.stdout), untimed(full.stdout));
    // Asking is not a different build: the index serves both.
    assert.match((await build(['build', '--no-report'])).stderr, REPLAYED);
  }),
);

test(
  'every change a full build notices takes the full path: script, recorded input, new script, config value, tracking, options',
  withTimeout(T, async () => {
    rig.write(PROJECT);
    assert.is((await rig.run(['build', '--no-report'])).code, 0);
    const cases: Array<[string, () => void | Promise<void>, (r: CliResult) => void, Record<string, string>?]> = [
      ['a script edited', () => rig.write({ 'sims/analyse.py': PROJECT['sims/analyse.py'] + 'print("more")\n' }), (r) => assert.equal(ranPaths(JSON.parse(r.stdout)), ['sims/analyse.py'])],
      ['a recorded input edited', () => rig.write({ 'data.csv': '4,5,6\n' }), (r) => assert.equal(ranPaths(JSON.parse(r.stdout)), ['sims/analyse.py'])],
      ['a new script in a listed folder', () => rig.write({ 'sims/new.py': 'print(1)\n' }), (r) => assert.equal(ranPaths(JSON.parse(r.stdout)), ['sims/new.py'])],
      ['a new folder with a script', () => rig.write({ 'sims/deep/er.py': 'print(2)\n' }), (r) => assert.equal(ranPaths(JSON.parse(r.stdout)), ['sims/deep/er.py'])],
      ['a script deleted', () => fs.rmSync(rig.path('sims/new.py')), (r) => assert.not.ok(JSON.parse(r.stdout).scripts.some((s: { path: string }) => s.path === 'sims/new.py'))],
      // The config reads GREETING: the same file gives another runconfig environment, so every script reruns.
      ['a config value from the environment', () => {}, (r) => assert.equal(ranPaths(JSON.parse(r.stdout)), ['make_data.py', 'sims/analyse.py', 'sims/deep/er.py']), { GREETING: 'bonjour' }],
    ];
    for (const [what, change, check, env = {}] of cases) {
      await settle(['build', '--no-report', '--json']);
      assert.match((await build(['build', '--no-report', '--json'])).stderr, REPLAYED, `${what}: replayed before the change`);
      await change();
      const after = await build(['build', '--no-report', '--json'], env);
      assert.not.match(after.stderr, REPLAYED, what);
      assert.is(after.code, 0, `${what}: ${after.stderr}`);
      check(after);
    }
    // Untracking (kept in the ledger) and another option.
    await rig.run(['build', '--no-report']);
    await settle(['build', '--no-report']);
    assert.is((await rig.run(['untrack', 'sims/analyse.py'])).code, 0);
    const untracked = await build(['build', '--no-report', '--json']);
    assert.not.match(untracked.stderr, REPLAYED);
    assert.is(JSON.parse(untracked.stdout).scripts.find((s: { path: string }) => s.path === 'sims/analyse.py').state, 'untracked');
    await settle(['build', '--no-report']);
    assert.not.match((await build(['build', '--no-report', '--force', '--dry-run'])).stderr, REPLAYED, 'other options');
  }),
);

test(
  'a deleted report is written again; a still-failing script is never replayed (its "last run ... ago" moves on)',
  withTimeout(T, async () => {
    rig.write({ ...PROJECT, 'bad.py': 'raise ValueError("no")\n' });
    await rig.run(['build']);
    await sleep(1100);
    const red = await build(['build']);
    assert.is(red.code, 1);
    const again = await build(['build']);
    assert.is(again.code, 1);
    assert.not.match(again.stderr, REPLAYED);
    fs.rmSync(rig.path('bad.py'));
    await rig.run(['build']);
    await settle(['build']);
    assert.match((await build(['build'])).stderr, REPLAYED);
    fs.rmSync(rig.path('report'), { recursive: true });
    const rewritten = await build(['build']);
    assert.not.match(rewritten.stderr, REPLAYED);
    assert.ok(rig.exists('report/index.html'), 'the report is back');
  }),
);

test.run();
