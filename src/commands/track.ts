/** `mreorg track|untrack PATHS...`: explicit decisions, kept in the ledger, that override autoTrack. */
import { openProject, type GlobalOptions } from '../project/project.js';
import { survey } from '../survey/survey.js';
import { requireConfig } from '../config/index.js';
import { UserError } from '../util/errors.js';

export async function setTracking(cwd: string, paths: string[], tracked: boolean, opts: GlobalOptions): Promise<string[]> {
  if (paths.length === 0) throw new UserError(`mreorg ${tracked ? 'track' : 'untrack'} needs at least one script or folder.`);
  const project = await openProject(cwd, opts);
  requireConfig(project.config, cwd, tracked ? 'track' : 'untrack');
  const sv = await survey(project, cwd, { paths });
  const changed = sv.scripts.map((s) => s.path);
  project.ledger.setTracked(changed, tracked);
  await project.ledger.flush();
  return changed;
}
