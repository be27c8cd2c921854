/**
 * Reads the run manifest the shim writes at exit (format: docs/manifest.md). Anything unexpected (missing file,
 * bad JSON, a newer version) yields null and the runner falls back to exit status and stderr. The exception's
 * message and traceback are the script's to make as long as it likes: they are kept to `maxBytes` each (head and
 * tail, as output is), and a large manifest is streamed rather than parsed whole.
 */
import { DEFAULT_OUTPUT_MAX_BYTES } from '../config/resolve.js';
import type { RunError, RunFigure, TraceFrame } from '../model/run.js';
import { readJsonBounded } from '../util/bounded-json.js';
import { boundText } from '../util/headtail.js';

/** Manifests smaller than this are parsed whole; a usual one is a few kilobytes. */
const PARSE_WHOLE_BELOW = 4 * 1024 * 1024;

export const MANIFEST_VERSION = 1;

/** Figures as the shim reports them: the ledger's shape, with absolute paths. */
export type ManifestFigure = RunFigure;

export interface Manifest {
  version: number;
  script: string;
  python: { executable: string; version: string; implementation?: string };
  startedAt: string;
  wallTimeS: number;
  exitCode: number;
  exception: RunError | null;
  figures: ManifestFigure[];
  modules: string[];
  reads: string[];
  writes: string[];
  missing: string[];
  /** Read file -> `size:mtimeNs:inode` when the script first opened it (absent from older shims). */
  opened: Record<string, string>;
  packages: Record<string, string>;
}

export function readManifest(file: string, maxBytes = DEFAULT_OUTPUT_MAX_BYTES): Manifest | null {
  let raw: unknown;
  try {
    raw = readJsonBounded(file, maxBytes, PARSE_WHOLE_BELOW)?.value;
  } catch {
    return null;
  }
  if (!raw || typeof raw !== 'object') return null;
  const m = raw as Partial<Manifest>;
  if (m.version !== MANIFEST_VERSION) return null;
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    version: m.version,
    script: String(m.script ?? ''),
    python: { executable: String(m.python?.executable ?? ''), version: String(m.python?.version ?? '') },
    startedAt: String(m.startedAt ?? ''),
    wallTimeS: Number(m.wallTimeS ?? 0),
    exitCode: typeof m.exitCode === 'number' ? m.exitCode : 0,
    exception: normaliseException(m.exception, maxBytes),
    figures: Array.isArray(m.figures) ? m.figures.filter((f) => f && typeof f.path === 'string') : [],
    modules: strings(m.modules),
    reads: strings(m.reads),
    writes: strings(m.writes),
    missing: strings(m.missing),
    opened: stringRecord(m.opened),
    packages: m.packages && typeof m.packages === 'object' ? m.packages : {},
  };
}

function normaliseException(e: unknown, maxBytes: number): RunError | null {
  if (!e || typeof e !== 'object') return null;
  const x = e as Partial<RunError>;
  const frames: TraceFrame[] = Array.isArray(x.frames)
    ? x.frames.map((f) => ({ file: String(f.file), line: Number(f.line), function: String(f.function), ...(f.code ? { code: String(f.code) } : {}) }))
    : [];
  return {
    type: boundText(String(x.type ?? 'Exception'), maxBytes),
    message: boundText(String(x.message ?? ''), maxBytes),
    traceback: boundText(String(x.traceback ?? ''), maxBytes),
    frames,
  };
}

function stringRecord(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
