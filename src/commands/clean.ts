/**
 * `mreorg clean`: removes what mreorg made (the original's `builddb --rebuild` is `--all`): the `_output/` folder
 * beside each script discovery finds, the report folder, and with `--all` the ledger folder.
 *
 * Safety: only folders inside the project root (by their real path) are removed, a symlink is never removed or
 * followed (Node's recursive rm unlinks links inside a folder without following them), a report folder without
 * the report's own marker files is refused, and in the report and ledger folders only the entries mreorg writes
 * are removed: anything else there is kept and named.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline/promises';
import { loadConfig, requireConfig, type ResolvedConfig } from '../config/index.js';
import { discover } from '../discover/discover.js';
import { REPORT_MARKERS } from '../report/folder.js';
import { SUBFOLDERS } from '../report/site.js';
import { UserError } from '../util/errors.js';
import { isInside, toRel } from '../util/paths.js';

export interface CleanOptions {
  config?: string | undefined;
  /** Also the ledger folder. */
  all: boolean;
  dryRun: boolean;
  /** Remove without asking. */
  yes: boolean;
}

/** What clean would do: paths to remove (absolute), and notes on what it leaves and why. */
export interface CleanPlan {
  remove: string[];
  kept: string[];
}

export async function clean(cwd: string, opts: CleanOptions): Promise<number> {
  const config = await loadConfig(cwd, opts.config, {});
  requireConfig(config, cwd, 'clean');
  const plan = await cleanPlan(config, opts.all);
  const out = process.stdout;
  for (const note of plan.kept) out.write(`${note}\n`);
  if (plan.remove.length === 0) {
    out.write('Nothing to clean.\n');
    return 0;
  }
  const list = plan.remove.map((abs) => `  ${shown(config.root, abs)}\n`).join('');
  out.write(`${opts.dryRun || !opts.yes ? 'Would remove' : 'Removing'}:\n${list}`);
  if (opts.dryRun) return 0;
  if (!opts.yes) {
    if (!process.stdin.isTTY) throw new UserError('Not on a terminal, so not asking: run "mreorg clean --yes" to remove these.');
    if (!(await confirm(`Remove ${plan.remove.length === 1 ? 'it' : `these ${plan.remove.length}`}? [y/N] `))) {
      out.write('Nothing removed.\n');
      return 0;
    }
  }
  for (const abs of plan.remove) fs.rmSync(abs, { recursive: true, force: true });
  out.write(`Removed ${plan.remove.length} ${plan.remove.length === 1 ? 'item' : 'items'}.\n`);
  return 0;
}

/** Reads the whole plan before anything is removed, so a refusal removes nothing. */
export async function cleanPlan(config: ResolvedConfig, all: boolean): Promise<CleanPlan> {
  const root = fs.realpathSync(config.root);
  const plan: CleanPlan = { remove: [], kept: [] };
  const discovery = await discover(config, { tracked: new Set(), untracked: new Set() });
  const outputs = new Set(discovery.scripts.map((s) => path.join(path.dirname(s.abs), '_output')));
  for (const dir of [...outputs].sort()) {
    if (removable(root, config.root, dir, plan)) plan.remove.push(dir);
  }
  // A folder with none of the report's files (empty, or only what an earlier clean kept) is nothing to do.
  if (removable(root, config.root, config.reportDir, plan) && fs.readdirSync(config.reportDir).some(isReportEntry)) {
    if (!REPORT_MARKERS.some((m) => fs.existsSync(path.join(config.reportDir, m)))) {
      throw new UserError(
        `The report folder ${config.reportDir} holds no ${REPORT_MARKERS.join(' or ')}: it is not a report mreorg wrote, so mreorg clean removes nothing. Check "report.dir" in ${config.file ?? 'the config'}.`,
      );
    }
    ownEntries(config.root, config.reportDir, isReportEntry, plan);
  }
  const ledgerDir = path.dirname(config.ledger);
  if (all && removable(root, config.root, ledgerDir, plan)) ownEntries(config.root, ledgerDir, ledgerEntry(path.basename(config.ledger)), plan);
  return plan;
}

/**
 * True when `abs` is a real folder (not a symlink) strictly inside the project by its real path. A folder that
 * is there but may not be removed gets a note saying why; one that is not there is silently nothing to do.
 */
function removable(realRoot: string, root: string, abs: string, plan: CleanPlan): boolean {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(abs);
  } catch {
    return false;
  }
  const real = st.isSymbolicLink() ? null : fs.realpathSync(abs);
  const why =
    real === null
      ? 'it is a symbolic link'
      : !st.isDirectory()
        ? 'it is not a folder'
        : real === realRoot
          ? 'it is the project folder itself'
          : !isInside(realRoot, real)
            ? 'it is outside the project folder'
            : null;
  if (why) plan.kept.push(`Kept ${shown(root, abs)}: ${why}.`);
  return why === null;
}

/** The whole folder when everything in it is mreorg's, else mreorg's entries one by one. */
function ownEntries(root: string, dir: string, isOwn: (name: string) => boolean, plan: CleanPlan): void {
  const names = fs.readdirSync(dir).sort();
  const others = names.filter((n) => !isOwn(n));
  if (others.length === 0) {
    plan.remove.push(dir);
    return;
  }
  for (const n of names.filter(isOwn)) {
    if (!fs.lstatSync(path.join(dir, n)).isSymbolicLink()) plan.remove.push(path.join(dir, n));
  }
  plan.kept.push(`Kept ${others.map((n) => shown(root, path.join(dir, n))).join(', ')}: not made by mreorg.`);
}

/** The report's pages, its subfolders, its marker and state files, and temp files of an interrupted write. */
function isReportEntry(name: string): boolean {
  return SUBFOLDERS.includes(name) || name.endsWith('.html') || name.startsWith('.mreorg-') || name.endsWith('.tmp');
}

/**
 * The ledger and its companions (`.gen`, `.lock`, `.corrupt-*`), run records, logs, claims, the run queue, the hash cache, the
 * figures kept for comparison and the baselines kept there by default.
 */
function ledgerEntry(ledgerName: string): (name: string) => boolean {
  // queue.json (+ its lock), workers/ and live/: the run queue, its workers' heartbeats, running scripts' output.
  const fixed = new Set([ledgerName, 'hashes.json', 'headers.json', 'runs', 'logs', 'claims', 'tmp', 'figures', 'baselines', 'coverage', 'queue.json', 'workers', 'live']);
  return (name) => fixed.has(name) || name.startsWith(`${ledgerName}.`) || name.startsWith('queue.json.') || (name.startsWith('.') && name.endsWith('.tmp'));
}

/** Project-relative, with a trailing `/` on folders, as the user would type it. */
function shown(root: string, abs: string): string {
  let isDir = false;
  try {
    isDir = fs.lstatSync(abs).isDirectory();
  } catch {
    // gone meanwhile: shown as a file
  }
  return (toRel(root, abs) || '.') + (isDir ? '/' : '');
}

async function confirm(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
