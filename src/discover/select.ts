/** Which of the discovered scripts a command acts on: filegroups and paths given on the command line. */
import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { UserError } from '../util/errors.js';
import { isInside, toRel } from '../util/paths.js';
import type { Script } from './discover.js';

export interface Selection {
  paths?: string[] | undefined;
  groups?: string[] | undefined;
}

export function select(config: ResolvedConfig, cwd: string, scripts: Script[], sel: Selection): Script[] {
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
