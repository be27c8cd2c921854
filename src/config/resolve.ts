/**
 * Turns a validated user config into a ResolvedConfig: defaults, absolute paths, and the cross-key checks the
 * schema cannot express (defaultRunconfig names a runconfig, monitor groups, declared inputs).
 */
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../util/errors.js';
import { stripUndefined } from '../util/objects.js';
import { isInside } from '../util/paths.js';
import type { UserConfig } from './schema.js';
import type { ResolvedConfig, Runconfig } from './types.js';

export const DEFAULT_TIMEOUT_S = 1800;
export const DEFAULT_EXCLUDES = ['__*.py'];
export const DEFAULT_HISTORY = 20;
export const DEFAULT_OUTPUT_MAX_BYTES = 256 * 1024;

export interface Overrides {
  python?: string | undefined;
  jobs?: number | undefined;
}

export function resolveConfig(root: string, file: string | null, user: UserConfig, over: Overrides = {}): ResolvedConfig {
  const where = file ?? path.join(root, '(defaults)');
  const { runconfigs, defaultRunconfig } = runconfigsOf(user, where);
  const monitor = (user.monitor ?? [{ dir: '.', recurse: true, autoTrack: true }]).map((m) => ({
    dir: m.dir,
    abs: path.resolve(root, m.dir),
    recurse: m.recurse ?? false,
    autoTrack: m.autoTrack ?? false,
    shouldExist: m.shouldExist ?? false,
    group: m.group ?? null,
    followSymlinks: m.followSymlinks ?? false,
  }));
  const ledger = path.resolve(root, user.ledger ?? '.mreorg/ledger.json');
  return {
    root,
    file,
    ...pythonOf(user, file, over),
    jobs: over.jobs ?? user.jobs ?? Math.max(1, os.availableParallelism()),
    monitor,
    exclude: user.exclude ?? DEFAULT_EXCLUDES,
    groups: user.groups ?? {},
    runconfigs,
    defaultRunconfig,
    // PNG only: saving every figure as SVG too cost some scripts three times their run time and 20 MB files.
    figureFormats: user.figures?.formats ?? ['png'],
    reportDir: path.resolve(root, user.report?.dir ?? 'report'),
    reportFigureFormats: user.report?.figureFormats ?? ['png', 'svg', 'pdf', 'eps'],
    reportTitle: user.report?.title ?? `${path.basename(root)}: mreorg report`,
    editorUrl: user.report?.editorUrl === undefined ? 'vscode://file/{path}:{line}' : user.report.editorUrl,
    ledger,
    history: user.history ?? DEFAULT_HISTORY,
    outputMaxBytes: user.output?.maxBytes ?? DEFAULT_OUTPUT_MAX_BYTES,
    figureTolerance: user.figures?.tolerance ?? 0,
    numberTolerance: user.output?.numberTolerance ?? 0,
    baselinesDir: user.baselines === undefined ? path.join(path.dirname(ledger), 'baselines') : path.resolve(root, user.baselines),
    failOnChange: user.failOnChange ?? false,
    inputs: user.inputs ?? {},
    scripts: user.scripts ?? {},
    coverage: {
      enabled: user.coverage?.enabled ?? false,
      include: user.coverage?.include ?? null,
      rcfile: user.coverage?.rcfile === undefined ? null : path.resolve(root, user.coverage.rcfile),
    },
    areas: areasOf(root, monitor.map((m) => m.abs)),
    rerunOn: {
      script: true,
      modules: true,
      data: true,
      upstream: true,
      env: true,
      argv: true,
      python: true,
      packages: false,
      ...stripUndefined(user.rerunOn ?? {}),
    },
  };
}

/** The runconfigs with their defaults, and the default one (which must be one of them). */
function runconfigsOf(user: UserConfig, where: string): { runconfigs: Record<string, Runconfig>; defaultRunconfig: string } {
  const runconfigs: Record<string, Runconfig> = {};
  const userRcs = user.runconfigs ?? {};
  for (const [name, rc] of Object.entries(userRcs)) {
    runconfigs[name] = {
      name,
      timeout: rc.timeout === undefined ? DEFAULT_TIMEOUT_S : rc.timeout,
      env: rc.env ?? {},
      argv: rc.argv ?? [],
      ...(rc.executor ? { executor: stripUndefined(rc.executor) as Runconfig['executor'] } : {}),
      ...(rc.warm !== undefined ? { warm: rc.warm } : {}),
    };
  }
  if (Object.keys(runconfigs).length === 0) {
    runconfigs.default = { name: 'default', timeout: DEFAULT_TIMEOUT_S, env: {}, argv: [] };
  }
  const defaultRunconfig = user.defaultRunconfig ?? Object.keys(runconfigs)[0]!;
  if (!runconfigs[defaultRunconfig]) {
    throw new UserError(
      `Config file ${where}: key "defaultRunconfig" names runconfig "${defaultRunconfig}", which is not defined in "runconfigs" (defined: ${Object.keys(runconfigs).join(', ')}).`,
    );
  }
  return { runconfigs, defaultRunconfig };
}

/**
 * Where a run's modules and files are recorded: the project, and for each monitored folder outside it the folder
 * above it too, where its library usually lies (`../morphforge/examples` uses `../morphforge/lib`).
 */
function areasOf(root: string, monitored: string[]): string[] {
  const outside = monitored.filter((d) => !isInside(root, d)).map((d) => path.dirname(d));
  return [root, ...new Set(outside)].filter((a, i, all) => !all.some((b, j) => j !== i && b !== a && isInside(b, a)));
}

/** The interpreter and where it came from: --python, then MREORG_PYTHON, then the config, then `python3`. */
function pythonOf(user: UserConfig, file: string | null, over: Overrides): { python: string; pythonOrigin: string } {
  if (over.python) return { python: over.python, pythonOrigin: '--python' };
  const env = process.env.MREORG_PYTHON;
  if (env) return { python: env, pythonOrigin: 'MREORG_PYTHON' };
  if (user.python) return { python: user.python, pythonOrigin: file ? path.basename(file) : 'the config' };
  return { python: 'python3', pythonOrigin: 'the default (python3 on PATH)' };
}

/** Checks a runconfig / group name given on the command line; the message lists the valid names. */
export function checkName(kind: 'runconfig' | 'group', name: string, known: string[], where: string): void {
  if (kind === 'group' && !known.includes(name)) {
    throw new UserError(
      `Unknown group "${name}": ${where} defines ${known.length ? known.map((n) => `"${n}"`).join(', ') : 'no groups'} (groups come from "groups" and from "monitor[].group").`,
    );
  }
  if (kind === 'runconfig' && !known.includes(name)) {
    throw new UserError(`Unknown runconfig "${name}": ${where} defines ${known.map((n) => `"${n}"`).join(', ')}.`);
  }
}
