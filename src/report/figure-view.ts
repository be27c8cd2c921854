/**
 * How a run's figures show on a page: the files a figure was saved as (png, svg, pdf, eps) grouped into one
 * card, with the best displayable format as the thumbnail and every format linked beside it. Figures are shown
 * only through `<img>`; links to SVG, PDF and EPS files carry `download`, so a browser serving the report over
 * HTTP saves them rather than opening them as documents of the report's origin (from disk, Chromium ignores
 * `download`: there the SVG being a cleaned copy is what makes opening it safe).
 */
import { groupFigures } from '../model/figures.js';
import type { Run, RunFigure } from '../model/run.js';
import type { FigureIndex, StoredFigure } from './figures.js';
import { thumbnailSize } from './thumbnail.js';

export interface FigureView {
  title: string;
  /** The thumbnail and the full image the lightbox opens; null when no format can be shown (pdf only...). */
  image: { src: string; full: string; width: number; height: number } | null;
  formats: { label: string; href: string | null; note: string | null; download: string | null }[];
}

const FORMAT_RANK: Record<string, number> = { png: 0, svg: 1, pdf: 2, eps: 3 };

export function figureViews(run: Run, figures: FigureIndex, rel: string): FigureView[] {
  return groupFigures(run.figures).map((group) => figureView(run, group, figures, rel));
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
    if (s.image.kind === 'svg') {
      const size = figure.width && figure.height ? thumbnailSize(figure.width, figure.height) : { width: 400, height: 300 };
      image = { src: full, full, ...size };
      break;
    }
  }
  const formats = stored.map(({ figure, stored: s }) => {
    const label = (s.kind === 'missing' ? figure.format || 'file' : s.ext).toUpperCase();
    const none = { label, href: null, download: null };
    if (s.kind !== 'stored') return { ...none, note: s.reason };
    if (s.image.kind === 'withheld') return { ...none, note: s.image.reason };
    const note = s.image.kind === 'png-undecodable' ? 'cannot be previewed' : s.image.kind === 'svg' && s.image.removed.length > 0 ? `cleaned: removed ${s.image.removed.join(' ')}` : null;
    return { label, href: rel + s.file, note, download: s.ext === 'png' ? null : downloadName(figure, s.ext) };
  });
  const first = group[0];
  return { title: first ? first.name || `figure ${first.number ?? ''}` : 'figure', image, formats };
}

/** The name a downloaded file gets: the figure file's own name, in safe characters. */
function downloadName(figure: RunFigure, ext: string): string {
  const base = (figure.path.split('/').pop() ?? '').replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_.=-]+/g, '_').slice(0, 100);
  return `${base.replace(/^[._]+/, '') || 'figure'}.${ext}`;
}

function rank(stored: StoredFigure, figure: RunFigure): number {
  const ext = stored.kind === 'stored' ? stored.ext : figure.format.toLowerCase();
  return FORMAT_RANK[ext] ?? 9;
}
