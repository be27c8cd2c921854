/**
 * The README's install lines, as a user runs them before mreorg is on the registry: `npm pack`, then the tarball
 * installed into a project (and globally), or the clone itself installed as a folder; then `mreorg build` there
 * with a config that imports `defineConfig` from 'mreorg'. Proves the package's "files" hold all it needs.
 * Offline-safe: the dependencies come from npm's cache, filled by the `npm ci` that set up this checkout.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from '../helpers/timeout.js';
import { repoRoot, runCommand, type CliResult } from '../helpers/rig.js';

const T = 10 * 60_000;
const test = suite('pack');
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
let tmp: string;
let tarball: string;

/** The environment a user's shell would have: no MREORG_PYTHON, so the config's python is the one used. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.MREORG_PYTHON;
  delete env.CI;
  return env;
}

async function sh(cmd: string, args: string[], cwd: string): Promise<CliResult> {
  const r = await runCommand(cmd, args, cwd, userEnv(), 5 * 60_000);
  assert.is(r.code, 0, `${cmd} ${args.join(' ')} in ${cwd} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** A user's project: one script that draws a figure, a config naming Debian's python. */
function project(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }, null, 2));
  fs.writeFileSync(
    path.join(dir, 'mreorg.config.ts'),
    "import { defineConfig } from 'mreorg';\n\nexport default defineConfig({ python: '/usr/bin/python3' });\n",
  );
  fs.writeFileSync(path.join(dir, 'plot.py'), 'import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()\n');
  return dir;
}

/** What a user checks after a build: exit 0, the report, the figure beside the script. */
async function buildsIn(dir: string, mreorg: string[]): Promise<void> {
  const r = await sh(mreorg[0]!, [...mreorg.slice(1), 'build'], dir);
  assert.match(r.stdout, /ok plot\.py/);
  assert.ok(fs.existsSync(path.join(dir, 'report', 'index.html')), 'report/index.html');
  assert.ok(fs.existsSync(path.join(dir, '_output', 'figures', 'plot', 'png', 'fig000_Autosave_figure_1.png')), 'the figure');
}

test.before(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mreorg-pack-')));
});
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('npm pack, npm install the tarball into a project, npx mreorg build there', withTimeout(T, async () => {
  // dist/ as `npm test` built it: prepack's rebuild would pull the bundle away from the test files running beside this one.
  const packed = await sh('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp, '--loglevel=error'], repoRoot);
  const json = packed.stdout.slice(packed.stdout.indexOf('['));
  const info = (JSON.parse(json) as Array<{ filename: string; files: Array<{ path: string }> }>)[0]!;
  tarball = path.join(tmp, info.filename);
  assert.ok(fs.existsSync(tarball), tarball);
  const files = info.files.map((f) => f.path);
  assert.ok(files.includes('shim/mreorg/_launch.py') && files.includes('templates/base.njk') && files.includes('dist/bundle/cli.js') && files.includes('dist/index.js'));
  assert.equal(files.filter((f) => /__pycache__|\.pyc$|^src\/|^test\//.test(f)), [], 'no bytecode, sources or tests');
  const dir = project('from-tarball');
  await sh('npm', ['install', '--save-dev', ...NPM_FLAGS, tarball], dir);
  await buildsIn(dir, ['npx', '--no', 'mreorg']);
}));

test('npm install -g the tarball: the mreorg command builds a project', withTimeout(T, async () => {
  assert.ok(tarball, 'the tarball of the test before');
  const prefix = path.join(tmp, 'global');
  await sh('npm', ['install', '-g', '--prefix', prefix, ...NPM_FLAGS, tarball], tmp);
  await buildsIn(project('global-user'), [path.join(prefix, 'bin', 'mreorg')]);
}));

test('npm install -D of the built clone folder: npx mreorg build', withTimeout(T, async () => {
  const dir = project('from-clone');
  await sh('npm', ['install', '--save-dev', ...NPM_FLAGS, repoRoot], dir);
  await buildsIn(dir, ['npx', '--no', 'mreorg']);
}));

test.run();
