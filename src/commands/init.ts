/** `mreorg init`: a commented starter config, never overwriting an existing one. */
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_NAMES } from '../config/load.js';
import { UserError } from '../util/errors.js';

export const STARTER = `import { defineConfig } from 'mreorg';

// mreorg's configuration. Every key is optional; delete what you do not need.
// Reference: the "Config reference" section of mreorg's README.
export default defineConfig({
  // The interpreter that runs the scripts (MREORG_PYTHON and --python override it).
  python: 'python3',

  // Where the scripts are. autoTrack: false means found scripts stay "untracked" until \`mreorg track\`.
  monitor: [
    { dir: '.', recurse: true, autoTrack: true },
  ],

  // fnmatch patterns, matched against the file name and the project-relative path.
  exclude: ['__*.py', '*old*.py'],

  // Named sets of scripts, for \`mreorg build --group NAME\`.
  groups: {
    // paper1: ['sims/**/gen*.py'],
  },

  // How scripts run. env value null = unset that variable for the run.
  runconfigs: {
    std: { timeout: 1800, env: {}, argv: [] },
    // short: { timeout: 10, env: { MF_QUICK: '' }, argv: ['--quick'] },
  },
  defaultRunconfig: 'std',

  figures: { formats: ['png', 'svg'] },
  report: { dir: 'report', title: 'My lab book' },
});
`;

export function init(cwd: string): string {
  for (const name of CONFIG_NAMES) {
    const existing = path.join(cwd, name);
    if (fs.existsSync(existing)) throw new UserError(`${existing} already exists; mreorg init leaves it as it is.`);
  }
  const file = path.join(cwd, 'mreorg.config.ts');
  fs.writeFileSync(file, STARTER);
  return file;
}
