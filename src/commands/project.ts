/**
 * The composition point: config -> ledger -> discovery -> digests -> plan. Every command starts here; this is
 * the one module that knows all the stages.
 */
import fs from 'node:fs';
import path from 'node:path';
import { checkName, loadConfig, type ResolvedConfig } from '../config/index.js';
import { discover, groupNames, type Discovery, type Script } from '../discover/discover.js';
import { FileHasher } from '../hash/filehash.js';
import { Claims } from '../ledger/claims.js';
import { Ledger } from '../ledger/ledger.js';
import type { Interpreter } from '../ledger/types.js';
import { plan, type Plan } from '../plan/plan.js';
import { packageVersions, probeInterpreter } from '../run/interpreter.js';
import { UserError } from '../util/errors.js';
import { isInside, toRel } from '../util/paths.js';

export interface GlobalOptions {
  config?: string | undefined;
  python?: string | undefined;
  jobs?: number | undefined;
}

export interface Project {
  config: ResolvedConfig;
  ledger: Ledger;
  hasher: FileHasher;
  claims: Claims;
  warnings: string[];
}

export async function openProject(cwd: string, opts: GlobalOptions): Promise<Project> {
  const config = await loadConfig(cwd, opts.config, { python: opts.python, jobs: opts.jobs });
  const ledger = await Ledger.open(config.ledger, config.history, config.root);
  const warnings: string[] = [];
  if (ledger.corruptMovedTo) {
    warnings.push(`the ledger ${config.ledger} did not parse; it was kept aside as ${ledger.corruptMovedTo} and a new one started (every script will run again)`);
  }
  const hasher = new FileHasher(await ledger.readHashCache());
  return { config, ledger, hasher, claims: new Claims(ledger.dir), warnings };
}

export interface Selection {
  paths?: string[] | undefined;
  groups?: string[] | undefined;
  /** Also ask the interpreter for the versions of the packages past runs imported. */
  packages?: boolean;
}

export interface Survey {
  discovery: Discovery;
  /** The scripts the filters select, in path order. */
  scripts: Script[];
  interpreter: Interpreter;
  /** Current digests of every script and every recorded or declared input (project-relative keys). */
  digests: Map<string, string | null>;
  declared: Map<string, string[]>;
  /** Current versions of packages recorded by past runs (only when Selection.packages). */
  packages: Record<string, string> | undefined;
}

export async function survey(project: Project, cwd: string, sel: Selection): Promise<Survey> {
  const { config, ledger, hasher } = project;
  for (const g of sel.groups ?? []) checkName('group', g, groupNames(config), config.file ?? 'the default config');
  const discovery = await discover(config, ledger.trackState());
  const scripts = select(config, cwd, discovery.scripts, sel);
  const origin = config.file ? `"python" in ${config.file} (or MREORG_PYTHON / --python)` : 'the default ("python3"), MREORG_PYTHON or --python';
  const interpreterP = probeInterpreter(config.python, origin);
  // Awaited below; until then a rejection must not count as unhandled.
  interpreterP.catch(() => {});

  const declared = await expandDeclared(config, scripts);
  const files = new Set<string>();
  const packageNames = new Set<string>();
  for (const s of scripts) {
    files.add(s.path);
    for (const rc of Object.keys(config.runconfigs)) {
      const fp = ledger.latest(s.path, rc)?.fingerprint;
      if (fp) for (const f of [...Object.keys(fp.modules), ...Object.keys(fp.data)]) files.add(f);
      if (fp && sel.packages) for (const p of Object.keys(fp.packages)) packageNames.add(p);
    }
    for (const f of declared.get(s.path) ?? []) files.add(f);
  }
  const absDigests = await hasher.hashAll([...files].map((f) => path.join(config.root, f)));
  const digests = new Map<string, string | null>();
  for (const f of files) digests.set(f, absDigests.get(path.join(config.root, f)) ?? null);
  const interpreter = await interpreterP;
  const packages = sel.packages ? await packageVersions(config.python, [...packageNames].sort()) : undefined;
  return { discovery, scripts, interpreter, digests, declared, packages };
}

function select(config: ResolvedConfig, cwd: string, scripts: Script[], sel: Selection): Script[] {
  let out = scripts;
  if (sel.groups && sel.groups.length) out = out.filter((s) => s.groups.some((g) => sel.groups!.includes(g)));
  if (sel.paths && sel.paths.length) {
    const targets = sel.paths.map((p) => {
      const abs = path.resolve(cwd, p);
      if (!isInside(config.root, abs)) throw new UserError(`Path ${p} is outside the project ${config.root}.`);
      if (!fs.existsSync(abs)) throw new UserError(`Path ${p} does not exist.`);
      return { given: p, abs, rel: toRel(config.root, abs), isDir: fs.statSync(abs).isDirectory() };
    });
    for (const t of targets) {
      if (!t.isDir && !scripts.some((s) => s.path === t.rel)) {
        throw new UserError(`${t.given} is not one of the project's scripts: it is not a .py file in a monitored directory, or it is excluded (see "monitor" and "exclude" in ${config.file ?? 'the config'}).`);
      }
    }
    out = out.filter((s) => targets.some((t) => (t.isDir ? t.rel === '' || s.path.startsWith(t.rel + '/') : s.path === t.rel)));
    // A script named on the command line is built even if it is not tracked: the user asked for it.
    const named = new Set(targets.filter((t) => !t.isDir).map((t) => t.rel));
    out = out.map((s) => (named.has(s.path) && !s.tracked ? { ...s, tracked: true } : s));
  }
  return out;
}

async function expandDeclared(config: ResolvedConfig, scripts: Script[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const entries = Object.entries(config.inputs);
  if (entries.length === 0) return out;
  const { globby } = await import('globby');
  const picomatch = (await import('picomatch')).default;
  for (const [pattern, globs] of entries) {
    const match = picomatch(pattern, { dot: true });
    const owners = scripts.filter((s) => s.path === pattern || match(s.path));
    if (owners.length === 0) continue;
    const files = (await globby(globs, { cwd: config.root, dot: true, onlyFiles: true })).sort();
    for (const o of owners) out.set(o.path, [...new Set([...(out.get(o.path) ?? []), ...files])]);
  }
  return out;
}

export interface PlanOptions {
  force?: boolean | undefined;
  retryFailed?: boolean | undefined;
}

/** Plans the survey's scripts under one runconfig. Pure apart from reading the claims folder. */
export function planFor(project: Project, sv: Survey, runconfig: string, opts: PlanOptions): Plan {
  const { config, ledger, claims } = project;
  const rc = config.runconfigs[runconfig]!;
  return plan({
    scripts: sv.scripts.map((s) => ({ path: s.path, tracked: s.tracked, hash: sv.digests.get(s.path) ?? null })),
    runconfig: rc,
    python: sv.interpreter.version,
    rerunOn: config.rerunOn,
    latest: (p) => ledger.latest(p, runconfig),
    digest: (p) => sv.digests.get(p) ?? null,
    declared: (p) => sv.declared.get(p) ?? [],
    abandoned: (p) => {
      const at = claims.abandonedAt(p, runconfig);
      const last = ledger.latest(p, runconfig);
      return at !== null && (!last || last.startedAt < at);
    },
    ...(sv.packages ? { packages: sv.packages } : {}),
    force: opts.force ?? false,
    retryFailed: opts.retryFailed ?? false,
  });
}

export function resolveRunconfig(config: ResolvedConfig, name: string | undefined): string {
  const rc = name ?? config.defaultRunconfig;
  checkName('runconfig', rc, Object.keys(config.runconfigs), config.file ?? 'the default config');
  return rc;
}

/** Saves what a command learnt that is worth keeping even when nothing ran (the stat cache). */
export async function saveCaches(project: Project): Promise<void> {
  if (project.hasher.changed) await project.ledger.writeHashCache(project.hasher.toJSON()).catch(() => {});
}
