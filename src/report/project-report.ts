/**
 * Writes the HTML report for the whole project (every script, every runconfig), from the ledger. Called after
 * every build, while a build runs (debounced, `building` = true) and by `mreorg report`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Plan } from '../plan/plan.js';
import { planFor } from '../plan/project-plan.js';
import type { Project } from '../project/project.js';
import { survey, type Survey } from '../survey/survey.js';
import { UserError, messageOf } from '../util/errors.js';
import { reportData } from './data.js';
import { reportCoverage } from './coverage-data.js';
import { writeReport } from './render.js';

import { VERSION } from '../version.js';

export async function writeProjectReport(project: Project, cwd: string, building: boolean, force = false, reuse: Survey | null = null): Promise<string> {
  const sv = reuse ?? (await survey(project, cwd, {}));
  const plans = Object.fromEntries(Object.keys(project.config.runconfigs).map((rc) => [rc, planFor(project, sv, rc, {})]));
  // A no-op build must not pay for rendering thousands of pages: when nothing the report shows has changed
  // (ledger, scripts, states, config), leave it as it is.
  const signature = reportSignature(project, sv, plans, building);
  const sigFile = path.join(project.config.reportDir, '.mreorg-signature');
  if (!force && !building && readText(sigFile) === signature && fs.existsSync(path.join(project.config.reportDir, 'index.html'))) {
    return project.config.reportDir;
  }
  const data = await reportData({
    config: project.config,
    ledger: project.ledger,
    discovery: sv.discovery,
    plans,
    digests: sv.digests,
    building,
    version: VERSION,
  });
  data.coverage = reportCoverage(project.config, project.ledger);
  const dir = project.config.reportDir;
  try {
    await writeReport(data, dir, { figureFormats: project.config.reportFigureFormats });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM' || code === 'ENOSPC') {
      throw new UserError(`Cannot write the report to ${dir}: ${messageOf(e)}. The ledger is saved; fix the folder and run "mreorg report".`, 1);
    }
    throw e;
  }
  if (!building) fs.writeFileSync(sigFile, signature);
  return dir;
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function mtime(file: string | null): number {
  if (!file) return 0;
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function reportSignature(project: Project, sv: Survey, plans: Record<string, Plan>, building: boolean): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([VERSION, building, mtime(project.config.ledger), mtime(project.config.file)]));
  for (const s of sv.discovery.scripts) h.update(`\n${s.path}\0${sv.digests.get(s.path) ?? ''}\0${s.tracked}\0${s.groups.join(',')}`);
  for (const [rc, p] of Object.entries(plans)) for (const e of p.entries) h.update(`\n${rc}\0${e.path}\0${e.state}\0${JSON.stringify(e.reasons)}`);
  return h.digest('hex');
}

export function reportIndexPath(project: Project): string {
  return path.join(project.config.reportDir, 'index.html');
}
