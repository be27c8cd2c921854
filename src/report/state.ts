/**
 * What the report remembers between renders, kept in the report folder itself so that `mreorg report` after a
 * restart is as incremental as the renders during a build. Losing it only costs time (and the figures of old
 * runs whose files were since overwritten), never correctness of the pages that are written.
 * Paths in it are report- or project-relative: the file can be published with the report.
 */
import { readFile } from 'node:fs/promises';

export const STATE_FILE = '.mreorg-report.json';
/** 3: SVGs are stored cleaned (svg-clean.ts); copies stored by earlier versions are checked again. */
const STATE_VERSION = 3;

/** A file the report wrote: `key` identifies its inputs; the same key means the file need not be rendered. */
export interface FileRecord {
  key: string;
}

export interface StatRecord {
  size: number;
  mtimeMs: number;
  hash: string;
}

/**
 * A figure file the report hard-linked to the file a script saved, as it was when linked. A script that writes
 * that file again in place changes the report's file too: a later render that finds it changed removes it.
 */
export interface LinkRecord {
  ino: number;
  size: number;
  mtimeMs: number;
}

/** What a figure's content hash renders as; computed once per hash. */
export type ImageInfo =
  | { kind: 'png-original'; width: number; height: number }
  | { kind: 'png-thumbnail'; width: number; height: number }
  | { kind: 'png-undecodable' }
  /** Stored cleaned; `removed` names what cleaning dropped (empty for matplotlib's SVGs). */
  | { kind: 'svg'; removed: string[] }
  /** Not stored: the content is not what its format says, or an SVG that does not parse. */
  | { kind: 'withheld'; reason: string }
  | { kind: 'other' };

export interface ReportState {
  version: typeof STATE_VERSION;
  /** Every file the report wrote, by report-relative path. Only these are ever deleted. */
  files: Record<string, FileRecord>;
  /** Figure files by project-relative path: rehash only when size or mtime changed. */
  stat: Record<string, StatRecord>;
  /**
   * The content hash each run's figure had when the report first saw it, by run id then figure path. Scripts
   * overwrite their figure files on every run, so this is how an old run page keeps showing its own figures.
   */
  runFigures: Record<string, Record<string, string>>;
  images: Record<string, ImageInfo>;
  /** Figure files in figures/ that are hard links to a script's own files, by report-relative path. */
  linked: Record<string, LinkRecord>;
}

export function emptyState(): ReportState {
  return { version: STATE_VERSION, files: {}, stat: {}, runFigures: {}, images: {}, linked: {} };
}

/**
 * Reads the state; a missing, unreadable or other-version file gives an empty state (a full render). An
 * other-version state keeps the list of files it wrote (with no key, so none is trusted as current): files
 * an earlier version wrote and this one does not produce are still deleted.
 * `raw` is the file's text, so the caller can skip rewriting an unchanged state.
 */
export async function loadState(path: string): Promise<{ state: ReportState; raw: string }> {
  let raw = '';
  try {
    raw = await readFile(path, 'utf8');
    const parsed = JSON.parse(raw) as Partial<ReportState> | null;
    if (!parsed) return { state: emptyState(), raw };
    if (parsed.version !== STATE_VERSION) return { state: { ...emptyState(), files: untrusted(parsed.files) }, raw };
    const state: ReportState = {
      version: STATE_VERSION,
      files: parsed.files ?? {},
      stat: parsed.stat ?? {},
      runFigures: parsed.runFigures ?? {},
      images: parsed.images ?? {},
      linked: parsed.linked ?? {},
    };
    return { state, raw };
  } catch {
    return { state: emptyState(), raw };
  }
}

function untrusted(files: unknown): Record<string, FileRecord> {
  if (!files || typeof files !== 'object') return {};
  return Object.fromEntries(Object.keys(files).map((file) => [file, { key: '' }]));
}
