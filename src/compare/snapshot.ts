/**
 * What a successful run produced, as the next comparison needs it: each figure once (its PNG when there is one)
 * with a stored copy, and the other files it wrote with their content hashes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ResultFigure, ResultSnapshot } from '../model/change.js';
import { groupFigures } from '../model/figures.js';
import type { Run, RunFigure } from '../model/run.js';
import { contentHash, type BlobStore } from './store.js';

/** A figure's files in all its formats: one figure. */
export interface FigureGroup {
  key: string;
  label: string;
  /** The file compared: the PNG when there is one, else the first format saved. */
  file: RunFigure;
}

/**
 * The run's figures grouped by file (`fig003_raster.png` and `.svg` are one figure), in save order, each with
 * its identity across runs: its name, and its occurrence among figures of that name. Pure.
 */
export function figureGroups(figures: RunFigure[]): FigureGroup[] {
  const seen = new Map<string, number>();
  return groupFigures(figures).map((files) => {
    const name = files[0]!.name;
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    const base = labelOf(name);
    return {
      key: `${name}#${n}`,
      label: n > 1 ? `${base} (${n})` : base,
      file: files.find((f) => f.format.toLowerCase() === 'png') ?? files[0]!,
    };
  });
}

/** `Autosave_figure_2` -> `figure 2`; a name the script chose stays as it is. */
export function labelOf(name: string): string {
  const m = /^Autosave_figure_(\d+)$/.exec(name);
  return m ? `figure ${m[1]}` : name;
}

export interface SnapshotPorts {
  root: string;
  store: BlobStore;
  /** Content hash of a file (absolute path), null when missing. */
  digest(abs: string): Promise<string | null>;
}

export async function snapshotOf(run: Run, ports: SnapshotPorts): Promise<ResultSnapshot> {
  const figures: ResultFigure[] = [];
  for (const g of figureGroups(run.figures)) {
    const bytes = await readInside(ports.root, g.file.path);
    let image: ResultFigure['image'] = null;
    if (bytes) {
      // Only PNGs are compared by pixel, so only they are kept; other formats are compared by their hash.
      const stored = g.file.format.toLowerCase() === 'png' ? await ports.store.put(bytes) : { hash: contentHash(bytes), file: null };
      image = { hash: stored.hash, file: stored.file, width: g.file.width, height: g.file.height };
    }
    figures.push({ key: g.key, label: g.label, format: g.file.format, image });
  }
  const figurePaths = new Set(run.figures.map((f) => f.path));
  const files: Record<string, string | null> = {};
  for (const w of run.deps?.writes ?? []) {
    if (figurePaths.has(w)) continue;
    files[w] = await ports.digest(path.resolve(ports.root, w));
  }
  return { figures, files };
}

async function readInside(root: string, rel: string): Promise<Buffer | null> {
  const abs = path.resolve(root, rel);
  const r = path.relative(root, abs);
  if (r.startsWith('..') || path.isAbsolute(r)) return null;
  return fs.promises.readFile(abs).catch(() => null);
}
