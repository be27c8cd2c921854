/**
 * Copies the figures runs saved into the report, content-addressed: `figures/<hash>.<ext>`, so a figure shared
 * by many runs is stored once and an identical rebuild writes nothing. PNGs wider than the thumbnail width get a
 * `thumbs/<hash>.png`, made once per hash.
 *
 * Scripts overwrite their figure files on every run, so a run's figure is bound to the content hash the file had
 * when the report first saw that run (kept in the state). An older run seen for the first time after a newer run
 * rewrote the file gets no figure ("replaced by a later run") rather than the newer run's picture.
 *
 * The report's folder is one origin: a file in it that a browser runs as a page could read every other page.
 * So only the image formats mreorg saves are published (any other format a run records, `html` say, is neither
 * copied nor linked), a file is stored only if its bytes are what its format says (PNG, PDF and EPS by their
 * signature), and an SVG is stored only as the copy `cleanSvg` writes out, never as the script wrote it.
 *
 * A large PNG, PDF or EPS (a raster plot can be tens of MB) is not copied: `figures/<hash>.<ext>` is a hard link
 * to the script's own file when they are on one file system, so the figure is on disk once. A hard link shares
 * later writes: a script that rewrites its figure file in place changes the report's file too, so each render
 * checks the links it made (inode, size, mtime) and removes one that changed; that run's figure is then stored
 * again if its file still has it, and otherwise shows as replaced by a later run.
 */
import { createHash } from 'node:crypto';
import { statSync, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isInside } from '../util/paths.js';
import type { Run, RunFigure } from '../model/run.js';
import type { ReportData } from './model.js';
import type { SiteWriter } from './site.js';
import type { ImageInfo, LinkRecord, ReportState } from './state.js';
import { cleanSvg } from './svg-clean.js';
import { makeThumbnail, THUMBNAIL_WIDTH } from './thumbnail.js';

/** A run that ended more than this before its figure file's mtime did not write that file's current content. */
const MTIME_SLACK_MS = 5000;

/** Figures at least this large are hard-linked rather than copied, where the file system allows. */
export const LINK_MIN_BYTES = 256 * 1024;

/** Formats stored as the script wrote them (bytes checked by signature), so a link is the same as a copy. */
const LINKABLE = new Set(['png', 'pdf', 'eps']);

/** The formats the report publishes: the ones mreorg saves figures in. */
export const REPORT_FORMATS: readonly string[] = ['png', 'svg', 'pdf', 'eps'];

export type StoredFigure =
  | { kind: 'stored'; hash: string; file: string; ext: string; image: ImageInfo; thumb: string | null }
  | { kind: 'missing'; reason: string }
  /** A format the report does not publish: the file is left alone. */
  | { kind: 'ignored'; ext: string; reason: string };

export interface FigureStats {
  copied: number;
  /** Figure files hard-linked instead of copied. */
  linked: number;
  thumbnails: number;
  warnings: string[];
}

export interface FigureIndex {
  get(runId: string, figurePath: string): StoredFigure;
  stats: FigureStats;
}

export interface FigureOptions {
  thumbnailWidth?: number;
  /** Publish only these formats (of REPORT_FORMATS; default all of them). */
  formats?: readonly string[];
  /** Hard-link figure files of at least this many bytes (default LINK_MIN_BYTES; Infinity = always copy). */
  linkMinBytes?: number;
}

/** Where the bytes being stored came from: the script's file as it was when read. */
interface Source {
  abs: string;
  size: number;
  mtimeMs: number;
}

/** Copies every figure of every run in history into the report and returns how to find each. */
export async function storeFigures(
  data: ReportData,
  state: ReportState,
  writer: SiteWriter,
  options: FigureOptions = {},
): Promise<FigureIndex> {
  return new FigureStore(data, state, writer, options, await checkLinks(state, writer)).storeAll();
}

/** One render's storing of figures: what it learns (hashes, images, links) becomes the next render's state. */
class FigureStore {
  private readonly stats: FigureStats = { copied: 0, linked: 0, thumbnails: 0, warnings: [] };
  private readonly byRun = new Map<string, Map<string, StoredFigure>>();
  private readonly newestRun: Map<string, string>;
  private readonly runFigures: ReportState['runFigures'] = {};
  private readonly statCache: ReportState['stat'] = {};
  private readonly images: ReportState['images'] = {};
  private readonly formats: Set<string>;
  private readonly ignored = new Set<string>();
  private readonly maxWidth: number;
  private readonly linkMinBytes: number;

  constructor(
    private readonly data: ReportData,
    private readonly state: ReportState,
    private readonly writer: SiteWriter,
    options: FigureOptions,
    private readonly linked: Record<string, LinkRecord>,
  ) {
    this.maxWidth = options.thumbnailWidth ?? THUMBNAIL_WIDTH;
    this.linkMinBytes = options.linkMinBytes ?? LINK_MIN_BYTES;
    this.newestRun = newestRunPerFigure(data);
    this.formats = new Set(REPORT_FORMATS.filter((f) => !options.formats || options.formats.includes(f)));
  }

  async storeAll(): Promise<FigureIndex> {
    for (const script of this.data.scripts) {
      for (const run of script.runs) {
        const bound = this.state.runFigures[run.id] ?? {};
        const keep: Record<string, string> = {};
        const stored = new Map<string, StoredFigure>();
        for (const figure of run.figures) {
          const result = await this.storeOne(figure, run, bound[figure.path]);
          stored.set(figure.path, result);
          if (result.kind === 'stored') keep[figure.path] = result.hash;
        }
        this.byRun.set(run.id, stored);
        if (Object.keys(keep).length > 0) this.runFigures[run.id] = keep;
      }
    }
    if (this.ignored.size > 0) {
      this.stats.warnings.push(`figure files in ${[...this.ignored].sort().join(', ')} format were ignored: the report publishes only ${[...this.formats].join(', ')}`);
    }
    // Only what this history still uses is remembered, so the state does not grow forever.
    this.state.runFigures = this.runFigures;
    this.state.stat = this.statCache;
    this.state.images = this.images;
    this.state.linked = Object.fromEntries(Object.entries(this.linked).filter(([file]) => this.writer.produced.has(file)));
    const byRun = this.byRun;
    return {
      stats: this.stats,
      get: (runId, path) => byRun.get(runId)?.get(path) ?? { kind: 'missing', reason: 'not recorded' },
    };
  }

  private async storeOne(figure: RunFigure, run: Run, boundHash: string | undefined): Promise<StoredFigure> {
    const ext = extensionOf(figure);
    if (!this.formats.has(ext)) {
      this.ignored.add(ext);
      return { kind: 'ignored', ext, reason: `ignored: the report publishes only ${[...this.formats].join(', ')} files` };
    }
    if (boundHash && (this.writer.exists(figureFile(boundHash, ext)) || this.images[boundHash] || this.state.images[boundHash])) {
      const known = this.state.stat[figure.path];
      if (known) this.statCache[figure.path] = known;
      const stored = await this.finish(boundHash, ext, null, null);
      if (stored) return stored;
    }
    const abs = resolve(this.data.root, figure.path);
    // Only from the project and its monitored folders: a run's record must not make the report copy any file.
    if (!(this.data.areas ?? [this.data.root]).some((area) => isInside(area, abs))) return { kind: 'missing', reason: 'outside the project' };
    // Synchronous: one stat per figure per render, and a promise per stat costs more than the stat itself.
    const info = statOrNull(abs);
    if (!info?.isFile()) return { kind: 'missing', reason: 'file not found' };
    const runEnd = Date.parse(run.startedAt) + run.durationMs;
    if (this.newestRun.get(figure.path) !== run.id && info.mtimeMs > runEnd + MTIME_SLACK_MS) {
      return { kind: 'missing', reason: 'replaced by a later run' };
    }
    const cached = this.statCache[figure.path] ?? this.state.stat[figure.path];
    let hash = cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs ? cached.hash : null;
    let bytes: Buffer | null = null;
    if (!hash || !(this.writer.exists(figureFile(hash, ext)) || this.isWithheld(hash))) {
      bytes = await readFile(abs);
      hash = createHash('sha256').update(bytes).digest('hex').slice(0, 20);
    }
    this.statCache[figure.path] = { size: info.size, mtimeMs: info.mtimeMs, hash };
    const source = bytes ? { abs, size: info.size, mtimeMs: info.mtimeMs } : null;
    return (await this.finish(hash, ext, bytes, source)) ?? { kind: 'missing', reason: 'file not found' };
  }

  private isWithheld(hash: string): boolean {
    return (this.images[hash] ?? this.state.images[hash])?.kind === 'withheld';
  }

  /**
   * Works out the image kind and thumbnail once per hash, then stores the file (copying it if new). Whatever
   * bytes are written pass `publishable` first, including a copy an earlier version of mreorg stored. Returns
   * null when the bytes are needed but no longer available.
   */
  private async finish(hash: string, ext: string, bytes: Buffer | null, source: Source | null): Promise<StoredFigure | null> {
    const file = figureFile(hash, ext);
    const thumbFile = `thumbs/${hash}.png`;
    let image = this.images[hash] ?? this.state.images[hash];
    const stale = !image || (image.kind === 'png-thumbnail' && !this.writer.exists(thumbFile));
    if (stale && !bytes) {
      if (!this.writer.exists(file)) return null;
      bytes = await readFile(resolve(this.writer.outDir, file));
    }
    // The thumbnail is claimed before the file, in the order a first render writes them: the state stays byte-identical.
    if (!stale && image?.kind === 'png-thumbnail') this.writer.adopt(thumbFile, thumbFile);
    if (bytes) {
      const checked = publishable(ext, bytes);
      if (checked.kind === 'withheld') image = checked;
      else {
        if (stale || !image) image = await this.describe(ext, checked, thumbFile);
        if (!this.writer.produced.has(file)) await this.place(file, hash, ext, checked.content, source);
      }
    } else if (image && image.kind !== 'withheld') {
      this.writer.adopt(file, hash);
    }
    if (!image) return null; // unreachable: a stale image always had bytes
    this.images[hash] = image;
    return { kind: 'stored', hash, file, ext, image, thumb: image.kind === 'png-thumbnail' ? thumbFile : null };
  }

  /** Stores the checked bytes: a hard link to their source when large and linkable, else a copy. */
  private async place(file: string, hash: string, ext: string, content: Buffer, source: Source | null): Promise<void> {
    const fresh = !this.writer.exists(file);
    if (fresh && source && LINKABLE.has(ext) && content.length >= this.linkMinBytes && content.length === source.size) {
      const made = await this.writer.link(file, hash, source);
      if (made) {
        this.stats.linked++;
        this.linked[file] = { ino: made.ino, size: made.size, mtimeMs: made.mtimeMs };
        return;
      }
    }
    if (fresh) this.stats.copied++;
    await this.writer.write(file, hash, content);
  }

  private async describe(ext: string, checked: Publishable, thumbFile: string): Promise<ImageInfo> {
    if (ext === 'svg') return { kind: 'svg', removed: checked.removed };
    if (ext !== 'png') return { kind: 'other' };
    const result = makeThumbnail(checked.content, this.maxWidth);
    switch (result.kind) {
      case 'original':
        return { kind: 'png-original', width: result.width, height: result.height };
      case 'thumbnail':
        await this.writer.write(thumbFile, thumbFile, result.data);
        this.stats.thumbnails++;
        return { kind: 'png-thumbnail', width: result.width, height: result.height };
      case 'undecodable':
        this.stats.warnings.push(`a PNG figure could not be decoded (${result.reason}); it is this.linked, not shown`);
        return { kind: 'png-undecodable' };
    }
  }
}

interface Publishable {
  kind: 'ok';
  content: Buffer;
  /** What cleaning an SVG dropped. */
  removed: string[];
}

/** Magic numbers: a browser (or a server that sniffs) must not be able to take the file for a page. */
const SIGNATURES: Record<string, Buffer[]> = {
  png: [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
  pdf: [Buffer.from('%PDF-')],
  eps: [Buffer.from('%!PS'), Buffer.from([0xc5, 0xd0, 0xd3, 0xc6])],
};

/** The bytes the report may store for a figure of this format, or why it stores none. */
export function publishable(ext: string, bytes: Buffer): Publishable | { kind: 'withheld'; reason: string } {
  if (ext === 'svg') {
    const clean = cleanSvg(bytes);
    if (clean.kind === 'refused') return { kind: 'withheld', reason: `withheld: ${clean.reason}` };
    return { kind: 'ok', content: Buffer.from(clean.svg), removed: clean.removed };
  }
  const signatures = SIGNATURES[ext];
  if (signatures && !signatures.some((magic) => bytes.subarray(0, magic.length).equals(magic))) {
    return { kind: 'withheld', reason: `withheld: not a ${ext.toUpperCase()} file` };
  }
  return { kind: 'ok', content: bytes, removed: [] };
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
 * The hard links earlier renders made that still hold what they held when linked. One that changed (its script
 * wrote the file again in place) is removed, with what was known about its hash, so it is stored afresh.
 */
async function checkLinks(state: ReportState, writer: SiteWriter): Promise<Record<string, LinkRecord>> {
  const kept: Record<string, LinkRecord> = {};
  for (const [file, was] of Object.entries(state.linked)) {
    if (!writer.exists(file)) continue;
    const now = statOrNull(join(writer.outDir, file));
    if (now && now.ino === was.ino && now.size === was.size && now.mtimeMs === was.mtimeMs) {
      kept[file] = was;
      continue;
    }
    await writer.discard(file);
    const hash = /^figures\/([^./]+)\./.exec(file)?.[1];
    if (hash) delete state.images[hash];
  }
  return kept;
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

