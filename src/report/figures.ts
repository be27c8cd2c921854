/**
 * Copies the figures runs saved into the report, content-addressed: `figures/<hash>.<ext>`, so a figure shared
 * by many runs is stored once and an identical rebuild writes nothing. PNGs wider than the thumbnail width get a
 * `thumbs/<hash>.png`, made once per hash.
 *
 * Scripts overwrite their figure files on every run, so a run's figure is bound to the content hash the file had
 * when the report first saw that run (kept in the state). An older run seen for the first time after a newer run
 * rewrote the file gets no figure ("replaced by a later run") rather than the newer run's picture.
 */
import { createHash } from 'node:crypto';
import { statSync, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Run, RunFigure } from '../model/run.js';
import type { ReportData } from './model.js';
import type { SiteWriter } from './site.js';
import type { ImageInfo, ReportState } from './state.js';
import { makeThumbnail, THUMBNAIL_WIDTH } from './thumbnail.js';

/** A run that ended more than this before its figure file's mtime did not write that file's current content. */
const MTIME_SLACK_MS = 5000;

export type StoredFigure =
  | { kind: 'stored'; hash: string; file: string; ext: string; image: ImageInfo; thumb: string | null }
  | { kind: 'missing'; reason: string };

export interface FigureStats {
  copied: number;
  thumbnails: number;
  warnings: string[];
}

export interface FigureIndex {
  get(runId: string, figurePath: string): StoredFigure;
  stats: FigureStats;
}

export interface FigureOptions {
  thumbnailWidth?: number;
}

/** Copies every figure of every run in history into the report and returns how to find each. */
export async function storeFigures(
  data: ReportData,
  state: ReportState,
  writer: SiteWriter,
  options: FigureOptions = {},
): Promise<FigureIndex> {
  const maxWidth = options.thumbnailWidth ?? THUMBNAIL_WIDTH;
  const stats: FigureStats = { copied: 0, thumbnails: 0, warnings: [] };
  const byRun = new Map<string, Map<string, StoredFigure>>();
  const newestRun = newestRunPerFigure(data);
  const runFigures: ReportState['runFigures'] = {};
  const statCache: ReportState['stat'] = {};
  const images: ReportState['images'] = {};

  for (const script of data.scripts) {
    for (const run of script.runs) {
      const bound = state.runFigures[run.id] ?? {};
      const keep: Record<string, string> = {};
      const stored = new Map<string, StoredFigure>();
      for (const figure of run.figures) {
        const result = await storeOne(figure, run, bound[figure.path]);
        stored.set(figure.path, result);
        if (result.kind === 'stored') keep[figure.path] = result.hash;
      }
      byRun.set(run.id, stored);
      if (Object.keys(keep).length > 0) runFigures[run.id] = keep;
    }
  }
  // Only what this history still uses is remembered, so the state does not grow forever.
  state.runFigures = runFigures;
  state.stat = statCache;
  state.images = images;
  return {
    stats,
    get: (runId, path) => byRun.get(runId)?.get(path) ?? { kind: 'missing', reason: 'not recorded' },
  };

  async function storeOne(figure: RunFigure, run: Run, boundHash: string | undefined): Promise<StoredFigure> {
    const ext = extensionOf(figure);
    if (boundHash && (writer.exists(figureFile(boundHash, ext)) || images[boundHash] || state.images[boundHash])) {
      const known = state.stat[figure.path];
      if (known) statCache[figure.path] = known;
      const stored = await finish(boundHash, ext, null);
      if (stored) return stored;
    }
    const abs = resolve(data.root, figure.path);
    const rel = relative(data.root, abs);
    if (rel.startsWith('..') || isAbsolute(rel)) return { kind: 'missing', reason: 'outside the project' };
    // Synchronous: one stat per figure per render, and a promise per stat costs more than the stat itself.
    const info = statOrNull(abs);
    if (!info?.isFile()) return { kind: 'missing', reason: 'file not found' };
    const runEnd = Date.parse(run.startedAt) + run.durationMs;
    if (newestRun.get(figure.path) !== run.id && info.mtimeMs > runEnd + MTIME_SLACK_MS) {
      return { kind: 'missing', reason: 'replaced by a later run' };
    }
    const cached = statCache[figure.path] ?? state.stat[figure.path];
    let hash = cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs ? cached.hash : null;
    let bytes: Buffer | null = null;
    if (!hash || !(writer.exists(figureFile(hash, ext)) || isWithheld(hash))) {
      bytes = await readFile(abs);
      hash = createHash('sha256').update(bytes).digest('hex').slice(0, 20);
    }
    statCache[figure.path] = { size: info.size, mtimeMs: info.mtimeMs, hash };
    return (await finish(hash, ext, bytes)) ?? { kind: 'missing', reason: 'file not found' };
  }

  function isWithheld(hash: string): boolean {
    const image = images[hash] ?? state.images[hash];
    return image?.kind === 'svg' && image.active;
  }

  /**
   * Works out the image kind and thumbnail once per hash, then stores the file (copying it if new). An SVG
   * that could run code is never copied. Returns null when the bytes are needed but no longer available.
   */
  async function finish(hash: string, ext: string, bytes: Buffer | null): Promise<StoredFigure | null> {
    const file = figureFile(hash, ext);
    const thumbFile = `thumbs/${hash}.png`;
    let image = images[hash] ?? state.images[hash];
    if (!image || (image.kind === 'png-thumbnail' && !writer.exists(thumbFile))) {
      if (!bytes) {
        if (!writer.exists(file)) return null;
        bytes = await readFile(resolve(writer.outDir, file));
      }
      image = await describe(ext, bytes, thumbFile);
    } else if (image.kind === 'png-thumbnail') {
      writer.adopt(thumbFile, thumbFile);
    }
    images[hash] = image;
    if (!(image.kind === 'svg' && image.active)) {
      if (bytes && !writer.produced.has(file)) {
        if (!writer.exists(file)) stats.copied++;
        await writer.write(file, hash, bytes);
      } else {
        writer.adopt(file, hash);
      }
    }
    return { kind: 'stored', hash, file, ext, image, thumb: image.kind === 'png-thumbnail' ? thumbFile : null };
  }

  async function describe(ext: string, bytes: Buffer, thumbFile: string): Promise<ImageInfo> {
    if (ext === 'svg') return { kind: 'svg', active: svgIsActive(bytes.toString('utf8')) };
    if (ext !== 'png') return { kind: 'other' };
    const result = makeThumbnail(bytes, maxWidth);
    switch (result.kind) {
      case 'original':
        return { kind: 'png-original', width: result.width, height: result.height };
      case 'thumbnail':
        await writer.write(thumbFile, thumbFile, result.data);
        stats.thumbnails++;
        return { kind: 'png-thumbnail', width: result.width, height: result.height };
      case 'undecodable':
        stats.warnings.push(`a PNG figure could not be decoded (${result.reason}); it is linked, not shown`);
        return { kind: 'png-undecodable' };
    }
  }
}

/** The report-relative file of a stored figure. */
export function figureFile(hash: string, ext: string): string {
  return `figures/${hash}.${ext}`;
}

/** The file extension a figure is stored under: its format, sanitized, else its path's extension. */
export function extensionOf(figure: Pick<RunFigure, 'format' | 'path'>): string {
  const clean = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 8);
  return clean(figure.format) || clean(figure.path.split('.').pop() ?? '') || 'bin';
}

/**
 * True if an SVG could run code when opened on its own (scripts, event handlers, javascript: links, embedded
 * HTML). Such an SVG is neither shown nor linked: "nothing a script prints can run in the report" includes
 * the files it draws. Matplotlib's SVGs never match.
 */
export function svgIsActive(svg: string): boolean {
  return /<script|<foreignObject|<iframe|<embed|<object|\son[a-z]+\s*=|javascript:|<!ENTITY/i.test(svg);
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null; // not a directory on the way, no permission: the figure is missing, not the report broken
  }
}

function newestRunPerFigure(data: ReportData): Map<string, string> {
  const newest = new Map<string, { id: string; at: number }>();
  for (const script of data.scripts) {
    for (const run of script.runs) {
      const at = Date.parse(run.startedAt) || 0;
      for (const figure of run.figures) {
        const seen = newest.get(figure.path);
        if (!seen || at > seen.at) newest.set(figure.path, { id: run.id, at });
      }
    }
  }
  return new Map([...newest].map(([path, { id }]) => [path, id]));
}

