/**
 * What a run produced, kept by content hash so the next run can be compared with it, and what changed between
 * two runs' results (figures, stdout, the files written). Plain JSON: it is stored in the run history and in the
 * baselines file, and printed by `--json`.
 */

/** A figure image kept for comparison: a copy stored by content hash (`file` is project-relative). */
export interface StoredImage {
  hash: string;
  /** The stored copy, project-relative (in the ledger folder or the baselines folder); null when not copied. */
  file: string | null;
  width: number | null;
  height: number | null;
}

/** One figure of a run (all its formats are one figure): the PNG when there is one, else the first format. */
export interface ResultFigure {
  /** Identity across runs: the figure's name and its occurrence among figures of that name (`raster#2`). */
  key: string;
  /** As people say it: `figure 2` for pyplot's autosaved figure 2, else the name the script gave. */
  label: string;
  format: string;
  /** null when the file was gone when the run ended. */
  image: StoredImage | null;
}

/** What a successful run produced: its figures in save order, and the other files it wrote (path -> hash). */
export interface ResultSnapshot {
  figures: ResultFigure[];
  files: Record<string, string | null>;
}

export type FigureStatus = 'changed' | 'added' | 'removed' | 'resized';
export type FileStatus = 'changed' | 'added' | 'removed';

export type Change =
  | {
      kind: 'figure';
      name: string;
      status: FigureStatus;
      /** Share of pixels that differ (0..1), when both are PNGs of one size. */
      ratio?: number;
      before?: StoredImage;
      after?: StoredImage;
      /** The differing pixels in red over a faded copy of the figure. */
      diff?: StoredImage;
    }
  /** `diff`: a unified diff, before -> after. */
  | { kind: 'stdout'; name: 'stdout'; diff: string; lines: number }
  | { kind: 'files'; name: string; status: FileStatus };

/** What a run's results were compared with, and what differed. */
export interface Comparison {
  /** An accepted baseline (`mreorg accept`) or the previous successful run under the same runconfig. */
  against: 'baseline' | 'previous';
  /** The run compared with (the run the baseline was accepted from). */
  runId: string;
  /** When that run started (ISO). */
  startedAt: string;
  changes: Change[];
}

/** How a change reads in one line: `figure 2: 4.1% of pixels`, `figure 3 added`, `stdout: 2 lines`. */
export function describeChange(c: Change): string {
  switch (c.kind) {
    case 'figure':
      if (c.status === 'resized') return `${c.name}: ${size(c.before)} -> ${size(c.after)}`;
      if (c.status === 'changed') return c.ratio === undefined ? `${c.name} changed` : `${c.name}: ${percent(c.ratio)} of pixels`;
      return `${c.name} ${c.status}`;
    case 'stdout':
      return `stdout: ${c.lines} line${c.lines === 1 ? '' : 's'}`;
    case 'files':
      return `${c.name} ${c.status}`;
  }
}

/** A share as a percentage people can read: 4.1%, 0.02%, never a bare 0% for a change. */
export function percent(ratio: number): string {
  const p = ratio * 100;
  if (p >= 10) return `${p.toFixed(0)}%`;
  if (p >= 0.1) return `${p.toFixed(1)}%`;
  return p === 0 ? '0%' : `${Math.max(p, 0.01).toFixed(2)}%`;
}

function size(img: StoredImage | undefined): string {
  return img && img.width !== null && img.height !== null ? `${img.width}x${img.height}` : '?';
}
