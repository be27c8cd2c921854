/**
 * `mreorg init`: a commented starter config, never overwriting an existing one, and the folders mreorg writes
 * (report, ledger, figures) in .gitignore.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_NAMES, loadConfigFile } from '../config/load.js';
import { resolveConfig } from '../config/resolve.js';
import type { ResolvedConfig } from '../config/types.js';
import { UserError } from '../util/errors.js';
import { isInside, toRel } from '../util/paths.js';

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
  exclude: ['__*.py'],

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

  figures: { formats: ['png'] },   // add 'svg', 'pdf' or 'eps' to save every figure in those formats too
  report: { dir: 'report', title: 'My lab book' },
});
`;

/** Writes the starter config and updates .gitignore; returns what to tell the user. */
export async function init(cwd: string): Promise<string> {
  for (const name of CONFIG_NAMES) {
    const existing = path.join(cwd, name);
    if (fs.existsSync(existing)) throw new UserError(`${existing} already exists; mreorg init leaves it as it is.`);
  }
  const file = path.join(cwd, 'mreorg.config.ts');
  fs.writeFileSync(file, STARTER);
  // The folder names as the config just written has them (loading it also proves the starter is valid).
  const config = resolveConfig(cwd, file, await loadConfigFile(file), {});
  const added = addToGitignore(path.join(cwd, '.gitignore'), ignoreLines(config));
  const said = added.length ? `Added ${added.join(' ')} to ${path.join(cwd, '.gitignore')}\n` : '';
  return `Wrote ${file}\n${said}`;
}

/** .gitignore lines for what mreorg writes: the report and ledger folders (anchored), every `_output/`. */
export function ignoreLines(config: ResolvedConfig): string[] {
  const own = [config.reportDir, path.dirname(config.ledger)].filter((d) => d !== config.root && isInside(config.root, d));
  return [...own.map((d) => `/${toRel(config.root, d)}/`), '_output/'];
}

/**
 * Appends the lines the file does not already cover (`report/` and `/report` cover `/report/`; `/_output/` does
 * not cover `_output/`, which matches at any depth), creating the file if need be. Returns the lines added.
 */
export function addToGitignore(file: string, lines: string[]): string[] {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const have = text.split(/\r?\n/).map(pattern);
  const missing = lines.filter((l) => {
    const want = pattern(l);
    return !have.some((h) => h.name === want.name && (!h.anchored || want.anchored));
  });
  if (missing.length === 0) return [];
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  fs.writeFileSync(file, `${text}${sep}# written by mreorg: its report, run records and figures\n${missing.join('\n')}\n`);
  return missing;
}

/** A .gitignore line as git reads it: a leading `/` or a `/` inside anchors it to the file's folder. */
function pattern(line: string): { name: string; anchored: boolean } {
  const name = line.trim().replace(/^\*\*\//, '').replace(/\/+$/, '');
  return { name: name.replace(/^\//, ''), anchored: name.includes('/') };
}
