/**
 * Writes the HTML report for the whole project (every script, every runconfig), from the ledger. Called after
 * every build, while a build runs (debounced, `building` = true) and by `mreorg report`.
 */
import path from 'node:path';
import { reportData } from '../report/data.js';
import { writeReport } from '../report/render.js';
import { UserError, messageOf } from '../util/errors.js';
import { planFor, survey, type Project } from './project.js';

export const VERSION = '0.1.0';

export async function writeProjectReport(project: Project, cwd: string, building: boolean): Promise<string> {
  const sv = await survey(project, cwd, {});
  const plans = Object.fromEntries(Object.keys(project.config.runconfigs).map((rc) => [rc, planFor(project, sv, rc, {})]));
  const data = await reportData({
    config: project.config,
    ledger: project.ledger,
    discovery: sv.discovery,
    plans,
    digests: sv.digests,
    building,
    version: VERSION,
  });
  const dir = project.config.reportDir;
  try {
    await writeReport(data, dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM' || code === 'ENOSPC') {
      throw new UserError(`Cannot write the report to ${dir}: ${messageOf(e)}. The ledger is saved; fix the folder and run "mreorg report".`, 1);
    }
    throw e;
  }
  return dir;
}

export function reportIndexPath(project: Project): string {
  return path.join(project.config.reportDir, 'index.html');
}
