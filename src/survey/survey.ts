/**
 * The project as it is now, for the scripts a command selected: which scripts, their digests and those of every
 * recorded or declared input, and the interpreter. Everything the planner compares with the ledger.
 */
import path from 'node:path';
import { checkName } from '../config/index.js';
import { expandDeclared } from '../discover/declared.js';
import { discover, groupNames, type Discovery, type Script } from '../discover/discover.js';
import { select, type Selection } from '../discover/select.js';
import type { Interpreter } from '../model/run.js';
import type { ScriptSettings } from '../model/settings.js';
import type { Project } from '../project/project.js';
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
  const settings = await settingsOf(config, scripts, digests, ledger.dir);
  const interpreter = await interpreterP;
  const packages = sel.packages ? await packageVersions(config.python, [...packageNames].sort()) : undefined;
  return { discovery, scripts, interpreter, digests, declared, settings, packages };
}
