/**
 * The overview of a real collection (hundreds of scripts in a dozen folders): rows grouped by folder, each
 * folder collapsible with its counts per state, and in each row a small picture of the script's first figure.
 * Built on top of the flat overview view, which stays as it is.
 */
import { groupFigures } from '../model/figures.js';
import type { Run } from '../model/run.js';
import type { FigureIndex } from './figures.js';
import { STATE_ORDER, stateLabel } from './format.js';
import type { ScriptState } from './model.js';
import { paths } from './slug.js';
import type { ReportIndex } from './view-common.js';
import { overviewView, statusOf, type OverviewRow, type StateCount } from './view-runconfig.js';

/** An overview of more scripts than this starts with its folders collapsed: the page is then a list of folders. */
export const OPEN_FOLDERS_UP_TO = 60;

/** Size of a row's figure picture, in CSS pixels: this high, at most this wide. */
const ROW_THUMB_HEIGHT = 40;
const ROW_THUMB_MAX_WIDTH = 96;

export interface RowThumb {
  src: string;
  href: string;
  width: number;
  height: number;
  alt: string;
}

export interface FolderView {
  id: number;
  /** `sims/models/`, or `./` for scripts at the top of the project. */
  name: string;
  total: number;
  counts: StateCount[];
  open: boolean;
  rows: (OverviewRow & { thumb: RowThumb | null })[];
}

export function overviewPage(index: ReportIndex, runconfig: string, figures: FigureIndex) {
  const view = overviewView(index, runconfig);
  const byFolder = new Map<string, FolderView['rows']>();
  for (const row of view.rows) {
    const folder = row.path.includes('/') ? row.path.slice(0, row.path.lastIndexOf('/') + 1) : './';
    const rows = byFolder.get(folder) ?? byFolder.set(folder, []).get(folder)!;
    rows.push({ ...row, thumb: rowThumb(index, row.path, runconfig, figures) });
  }
  const open = byFolder.size <= 1 || view.total <= OPEN_FOLDERS_UP_TO;
  const folders: FolderView[] = [...byFolder.keys()]
    .sort((a, b) => (a === './' ? -1 : b === './' ? 1 : a < b ? -1 : a > b ? 1 : 0))
    .map((name, id) => {
      const rows = byFolder.get(name)!;
      return { id, name, total: rows.length, counts: countsOf(rows), open, rows };
    });
  // One folder needs no grouping: its rows are shown as they are.
  return { ...view, folders, grouped: folders.length > 1 };
}

function countsOf(rows: { state: ScriptState }[]): StateCount[] {
  const counts = new Map<ScriptState, number>();
  for (const row of rows) counts.set(row.state, (counts.get(row.state) ?? 0) + 1);
  return STATE_ORDER.filter((s) => counts.has(s)).map((state) => ({ state, label: stateLabel(state, null), count: counts.get(state)! }));
}

/** The first figure of the script's last run under this runconfig that the report has as a PNG. */
function rowThumb(index: ReportIndex, path: string, runconfig: string, figures: FigureIndex): RowThumb | null {
  const script = index.scripts.get(path);
  const runId = script ? statusOf(script, runconfig).lastRunId : null;
  const run = runId ? index.runs.get(runId)?.run : undefined;
  if (!run || run.figures.length === 0) return null;
  for (const group of groupFigures(run.figures)) {
    const thumb = pngOf(run, group, figures);
    if (thumb) return { ...thumb, href: `${paths.script(path)}#figures`, alt: group[0]!.name };
  }
  return null;
}

function pngOf(run: Run, group: Run['figures'], figures: FigureIndex): Pick<RowThumb, 'src' | 'width' | 'height'> | null {
  for (const figure of group) {
    const stored = figures.get(run.id, figure.path);
    if (stored.kind !== 'stored') continue;
    const { image } = stored;
    if (image.kind !== 'png-thumbnail' && image.kind !== 'png-original') continue;
    const aspect = image.width / Math.max(1, image.height);
    const width = Math.max(1, Math.min(ROW_THUMB_MAX_WIDTH, Math.round(ROW_THUMB_HEIGHT * aspect)));
    return { src: stored.thumb ?? stored.file, width, height: Math.max(1, Math.round(width / aspect)) };
  }
  return null;
}
