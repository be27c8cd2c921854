/**
 * How a run's figures show on a page: the files a figure was saved as (png, svg, pdf, eps) grouped into one
 * card, with the best displayable format as the thumbnail and every format linked beside it.
 */
import type { Run, RunFigure } from '../model/run.js';
import type { FigureIndex, StoredFigure } from './figures.js';
import { thumbnailSize } from './thumbnail.js';

export interface FigureView {
  title: string;
  /** The thumbnail and the full image the lightbox opens; null when no format can be shown (pdf only...). */
  image: { src: string; full: string; width: number; height: number } | null;
  formats: { label: string; href: string | null; note: string | null }[];
}

const FORMAT_RANK: Record<string, number> = { png: 0, svg: 1, pdf: 2, eps: 3 };

export function figureViews(run: Run, figures: FigureIndex, rel: string): FigureView[] {
  const groups = new Map<string, RunFigure[]>();
  for (const figure of run.figures) {
    const key = `${figure.number ?? ''}\u0000${figure.name}`;
    const group = groups.get(key);
    if (group) group.push(figure);
    else groups.set(key, [figure]);
  }
  return [...groups.values()].map((group) => figureView(run, group, figures, rel));
}

function figureView(run: Run, group: RunFigure[], figures: FigureIndex, rel: string): FigureView {
  const stored = group
    .map((figure) => ({ figure, stored: figures.get(run.id, figure.path) }))
    .sort((a, b) => rank(a.stored, a.figure) - rank(b.stored, b.figure));
  let image: FigureView['image'] = null;
  for (const { figure, stored: s } of stored) {
    if (s.kind !== 'stored') continue;
    const full = rel + s.file;
    if (s.image.kind === 'png-thumbnail' || s.image.kind === 'png-original') {
      image = { src: s.thumb ? rel + s.thumb : full, full, width: s.image.width, height: s.image.height };
      break;
    }
    if (s.image.kind === 'svg' && !s.image.active) {
      const size = figure.width && figure.height ? thumbnailSize(figure.width, figure.height) : { width: 400, height: 300 };
      image = { src: full, full, ...size };
      break;
    }
  }
  const formats = stored.map(({ figure, stored: s }) => {
    const label = (s.kind === 'stored' ? s.ext : figure.format || 'file').toUpperCase();
    if (s.kind === 'missing') return { label, href: null, note: s.reason };
    if (s.image.kind === 'svg' && s.image.active) return { label, href: null, note: 'withheld: it contains scripts' };
    return { label, href: rel + s.file, note: s.image.kind === 'png-undecodable' ? 'cannot be previewed' : null };
  });
  const first = group[0];
  return { title: first ? first.name || `figure ${first.number ?? ''}` : 'figure', image, formats };
}

function rank(stored: StoredFigure, figure: RunFigure): number {
  const ext = stored.kind === 'stored' ? stored.ext : figure.format.toLowerCase();
  return FORMAT_RANK[ext] ?? 9;
}
