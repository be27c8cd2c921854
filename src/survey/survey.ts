/**
 * The project as it is now, for the scripts a command selected: which scripts, their digests and those of every
 * recorded or declared input, and the interpreter. Everything the planner compares with the ledger.
 */
import { checkName } from '../config/index.js';
import { expandDeclared } from '../discover/declared.js';
import { discover, groupNames, type Discovery, type Script } from '../discover/discover.js';
import { select, type Selection } from '../discover/select.js';
import type { Interpreter } from '../model/run.js';
import type { ScriptSettings } from '../model/settings.js';
import type { Project } from '../project/project.js';
import { fromRel } from '../util/paths.js';
import { packageVersions, probeInterpreter } from './interpreter.js';
import { settingsOf } from './settings.js';

export interface SurveyOptions extends Selection {
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
  /** Per-script settings (header, then config `scripts:`) of the selected scripts that have any. */
  settings: Map<string, ScriptSettings>;
  /** Current versions of packages recorded by past runs (only when Selection.packages). */
  packages: Record<string, string> | undefined;
}

export async function survey(project: Project, cwd: string, sel: SurveyOptions): Promise<Survey> {
  const { config, ledger, hasher } = project;
  for (const g of sel.groups ?? []) checkName('group', g, groupNames(config), config.file ?? 'the default config');
  const discovery = await discover(config, ledger.trackState());
  const scripts = select(config, cwd, discovery.scripts, sel);
  const interpreterP = probeInterpreter(config.python, config.pythonOrigin);
  // Awaited below; until then a rejection must not count as unhandled.
  interpreterP.catch(() => {});

  const declared = await expandDeclared(config, scripts);
  const files = new Set<string>();
  const packageNames = new Set<string>();
  const runconfigs = Object.keys(config.runconfigs);
  for (const s of scripts) {
    files.add(s.path);
    for (const rc of runconfigs) {
      const fp = ledger.latest(s.path, rc)?.fingerprint;
      if (!fp) continue;
      for (const f in fp.modules) files.add(f);
      for (const f in fp.data) files.add(f);
      if (sel.packages) for (const p in fp.packages) packageNames.add(p);
    }
    for (const f of declared.get(s.path) ?? []) files.add(f);
  }
  const rel = [...files];
  const abs = rel.map((f) => fromRel(config.root, f));
  const absDigests = await hasher.hashAll(abs);
  const digests = new Map<string, string | null>();
  rel.forEach((f, i) => digests.set(f, absDigests.get(abs[i]!) ?? null));
  const settings = await settingsOf(config, scripts, digests, ledger.dir);
  const interpreter = await interpreterP;
  const packages = sel.packages ? await packageVersions(config.python, [...packageNames].sort()) : undefined;
  return { discovery, scripts, interpreter, digests, declared, settings, packages };
}
