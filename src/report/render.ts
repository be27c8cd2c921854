/**
 * `writeReport`: renders the static site for one ReportData into a folder. Incremental by construction:
 * a page whose inputs (view data + templates) are unchanged is neither rendered nor written; a page whose
 * rendered bytes are unchanged is not written; figures are content-addressed; files no longer produced
 * (runs dropped from history, removed scripts) are deleted.
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { storeChangeImages } from './changes.js';
import { storeFigures } from './figures.js';
import { claimReportFolder } from './folder.js';
import type { ReportData } from './model.js';
import { pageSpecs } from './pages.js';
import { SiteWriter, writeAtomic } from './site.js';
import { loadState, STATE_FILE } from './state.js';
import { loadTemplates } from './templates.js';
import { indexReport } from './view-common.js';

export interface WriteReportOptions {
  /** Folder with the .njk templates and assets/ (default: the package's templates/). */
  templatesDir?: string;
  /** Maximum thumbnail width in pixels (default 400). */
  thumbnailWidth?: number;
  /** While data.building, how often the per-runconfig pages reload themselves (default 3 s). */
  refreshSeconds?: number;
  /** Re-render every page, ignoring what the last render recorded (bytes are still compared before writing). */
  force?: boolean;
  /** Figure formats to publish, of png, svg, pdf, eps (default: all four); files of other formats are ignored. */
  figureFormats?: readonly string[];
  /** Figure files (png, pdf, eps) of at least this many bytes are hard-linked, not copied (default 256 KiB). */
  linkMinBytes?: number;
}

export interface WriteReportResult {
  /** Pages the report has (HTML files). */
  pages: number;
  pagesWritten: number;
  /** Pages skipped because their inputs or their bytes were unchanged. */
  pagesUnchanged: number;
  /** Figure files newly copied into figures/. */
  figuresCopied: number;
  /** Figure files newly hard-linked into figures/ (large ones, where the file system allows). */
  figuresLinked: number;
  thumbnailsMade: number;
  /** Files of earlier renders deleted because nothing produces them any more. */
  filesRemoved: number;
  /** Problems that did not stop the render (undecodable PNGs...). */
  warnings: string[];
  durationMs: number;
}

/** Renders per output folder are queued: two renders must never interleave their writes and state. */
const queues = new Map<string, Promise<unknown>>();

/**
 * Renders every page of the report into `outDir` (created if missing). `report/index.html` is the overview of
 * the default runconfig. Throws `ReportFolderRefused` (writing nothing) when `outDir` is a folder that holds
 * files and was not made by mreorg.
 * @example const { pages } = await writeReport(data, 'report');
 */
export async function writeReport(data: ReportData, outDir: string, opts: WriteReportOptions = {}): Promise<WriteReportResult> {
  if (!data || !Array.isArray(data.scripts)) throw new TypeError('writeReport: data must be a ReportData with scripts');
  if (typeof outDir !== 'string' || outDir === '') throw new TypeError('writeReport: outDir must be a folder path');
  const key = resolve(outDir);
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => render(data, key, opts));
  queues.set(key, next);
  try {
    return await next;
  } finally {
    if (queues.get(key) === next) queues.delete(key);
  }
}

async function render(data: ReportData, outDir: string, opts: WriteReportOptions): Promise<WriteReportResult> {
  const started = performance.now();
  claimReportFolder(outDir);
  const templates = loadTemplates(opts.templatesDir);
  const statePath = join(outDir, STATE_FILE);
  const { state, raw } = await loadState(statePath);
  if (opts.force) for (const record of Object.values(state.files)) record.key = '';
  const writer = await SiteWriter.open(outDir, state.files);

  for (const asset of templates.assets) await writer.write(asset.file, templates.fingerprint, asset.content);
  const figures = await storeFigures(data, state, writer, {
    thumbnailWidth: opts.thumbnailWidth,
    formats: opts.figureFormats,
    linkMinBytes: opts.linkMinBytes,
  });
  const changeImages = await storeChangeImages(data, writer);

  const index = indexReport(data);
  let pages = 0;
  for (const spec of pageSpecs(index, figures, { refreshSeconds: opts.refreshSeconds }, changeImages)) {
    pages++;
    const pageKey = createHash('sha1')
      .update(templates.fingerprint)
      .update('\0')
      .update(spec.template)
      .update('\0')
      .update(JSON.stringify(spec.context))
      .update('\0')
      .update(spec.lazy?.key ?? '')
      .digest('hex')
      .slice(0, 32);
    if (writer.keepIfCurrent(spec.file, pageKey)) continue;
    const context = spec.lazy ? { ...spec.context, ...spec.lazy.build() } : spec.context;
    const html = templates.env.render(spec.template, context);
    // Top-level pages are what a browser reloads during a build: those are replaced atomically.
    await writer.write(spec.file, pageKey, html, !spec.file.includes('/'));
  }
  await writer.removeStale();
  const pagesWritten = [...writer.written].filter((file) => file.endsWith('.html')).length;

  state.files = Object.fromEntries(writer.produced);
  const text = JSON.stringify(state);
  if (text !== raw) {
    await writeAtomic(statePath, text);
  }

  return {
    pages,
    pagesWritten,
    pagesUnchanged: pages - pagesWritten,
    figuresCopied: figures.stats.copied,
    figuresLinked: figures.stats.linked,
    thumbnailsMade: figures.stats.thumbnails,
    filesRemoved: writer.counts.removed,
    warnings: figures.stats.warnings,
    durationMs: Math.round(performance.now() - started),
  };
}
