/**
 * A figure is one picture a script saved, however many formats it was saved in: `fig000_raster.png` and
 * `fig000_raster.svg` are one figure. Every count and list of figures (terminal, JSON, report) goes through here,
 * so they all agree.
 */
import type { RunFigure } from './run.js';

/** One figure of a run: its files, one per format, in the order the run saved them. */
export interface FigureGroup {
  name: string;
  number: number | null;
  formats: string[];
  files: string[];
}

/**
 * What the files of one figure share: the file name without its extension. The shim names every file of one
 * save `fig{NNN}_{name}.{format}` (NNN counts saves), each format in its own folder; a figure saved twice under
 * one name is two saves, two pictures.
 * @example figureKey({ path: 'a/_output/figures/a/svg/fig000_x.svg', ... }) => 'fig000_x'
 */
export function figureKey(figure: Pick<RunFigure, 'path'>): string {
  const base = figure.path.slice(figure.path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** A run's figure files grouped into figures, in the order of each figure's first file. */
export function groupFigures<F extends RunFigure>(figures: readonly F[]): F[][] {
  const groups = new Map<string, F[]>();
  for (const figure of figures) {
    const key = figureKey(figure);
    const group = groups.get(key);
    if (group) group.push(figure);
    else groups.set(key, [figure]);
  }
  return [...groups.values()];
}

/** How many figures the files are (a figure saved as png and svg counts once). */
export function figureCount(figures: readonly RunFigure[]): number {
  return new Set(figures.map(figureKey)).size;
}

/** Each figure once, with its formats and files: what `--json` prints. */
export function figureList(figures: readonly RunFigure[]): FigureGroup[] {
  return groupFigures(figures).map((group) => ({
    name: group[0]!.name,
    number: group[0]!.number,
    formats: group.map((f) => f.format),
    files: group.map((f) => f.path),
  }));
}
