/**
 * The fast no-op: a build that finds nothing to do records, in one small file beside the ledger, everything its
 * answer rested on (the stat of every script and recorded input, the mtime of every folder discovery listed, the
 * ledger's own stat, the config and options, the interpreter's file) and what it printed. The next identical
 * build stats those and, when nothing moved, prints the same again without opening the ledger, walking the
 * folders or asking the interpreter: ninja's way, one stat per input. Anything unlike the recorded build (another
 * option, a changed config value, an environment variable mreorg reads, a new file in a listed folder, a build of
 * another process in between) takes the full path, which writes a new index when it too finds nothing to do.
 *
 * The index is only ever written from a build that planned nothing and ran nothing, with the stats the survey
 * saw before it hashed (a file changed after that no longer matches), so it is never newer than what it checked.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedConfig } from '../config/types.js';
import type { Discovery } from '../discover/discover.js';
import type { FileHasher } from '../hash/filehash.js';
import { formatDuration } from '../util/format.js';
import { fromRel, templatesDir } from '../util/paths.js';
import { statQuietly } from '../util/stat.js';
import { VERSION } from '../version.js';

export const NOOP_INDEX = 'noop-index.json';
const INDEX_VERSION = 1;
/** A file or folder changed this recently may change again within the same mtime tick: not recorded as settled. */
const RACY_MS = 1000;

interface NoopIndex {
  version: number;
  key: string;
  /** Path (project-relative, or absolute for the state files) -> [size, mtimeMs, ino], or null when it did not exist. */
  files: Record<string, Stat>;
  /** Absolute folder -> mtimeMs, or null when it did not exist. */
  dirs: Record<string, number | null>;
  /** What the build printed: [1 stdout | 2 stderr, text]. */
  output: Array<[1 | 2, string]>;
  /** The elapsed time as the summary line printed it (replaced by this build's). */
  elapsed: string;
  exit: number;
}

/** What the key of a build is made of, besides the config: its options, where it runs, what it reads of the world. */
export interface NoopKeyInput {
  cwd: string;
  paths: string[];
  options: object;
}

/** The config keys under which a build's answer rests on more than stats (globs, package versions). */
function eligible(config: ResolvedConfig): boolean {
  return config.file !== null && Object.keys(config.inputs).length === 0 && !config.rerunOn.packages;
}

/** [size, mtimeMs, ino]; [-1, -1, -1] matches no file (one that could not be read). */
type Stat = [number, number, number] | null;

function statOf(file: string): Stat {
  const st = statQuietly(file);
  return st ? [st.size, st.mtimeMs, st.ino] : null;
}

function sameStat(file: string, want: Stat): boolean {
  const st = statQuietly(file);
  return want === null ? st === undefined : st !== undefined && st.size === want[0] && st.mtimeMs === want[1] && st.ino === want[2];
}

/** The interpreter's file as a PATH search finds it (the probe's answer stays valid while it is the same file). */
function pythonFile(python: string): string {
  const candidates = python.includes('/') ? [python] : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, python));
  for (const c of candidates) {
    try {
      const real = fs.realpathSync(c);
      fs.accessSync(real, fs.constants.X_OK);
      return JSON.stringify([real, statOf(real)]);
    } catch {
      // not this one
    }
  }
  return '-';
}

/** The project's own files whose change means "ask again": the ledger, other builds' claims and leftovers, the queue, baselines, the report. */
function stateFiles(config: ResolvedConfig): string[] {
  const dir = path.dirname(config.ledger);
  return [config.ledger, `${config.ledger}.gen`, path.join(dir, 'claims'), path.join(dir, 'tmp'), path.join(dir, 'queue.json'), path.join(config.baselinesDir, 'baselines.json'), path.join(config.reportDir, 'index.html'), config.file!];
}

function keyOf(config: ResolvedConfig, input: NoopKeyInput): string {
  const env = Object.entries(process.env)
    .filter(([k]) => (k.startsWith('MREORG_') && !k.includes('NOOP')) || ['PATH', 'NO_COLOR', 'FORCE_COLOR', 'CI', 'TERM', 'COLUMNS'].includes(k))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const parts = {
    version: VERSION,
    // This very code, and the templates a report is made from (an upgrade or a rebuild of mreorg changes them).
    code: [fileURLToPath(import.meta.url), ...templateFiles()].map(statOf),
    cwd: input.cwd,
    paths: input.paths,
    options: input.options,
    config,
    env,
    tty: [Boolean(process.stdout.isTTY), Boolean(process.stderr.isTTY), process.stdout.columns ?? 0],
    python: pythonFile(config.python),
  };
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

function templateFiles(): string[] {
  try {
    return fs.readdirSync(templatesDir).sort().map((f) => path.join(templatesDir, f));
  } catch {
    return [];
  }
}

function explain(message: string): void {
  // Straight to the file descriptor: not part of what a build prints (and so of what is replayed).
  if (process.env.MREORG_EXPLAIN_NOOP) fs.writeSync(2, `mreorg: fast no-op: ${message}\n`);
}

function indexFile(config: ResolvedConfig): string {
  return path.join(path.dirname(config.ledger), NOOP_INDEX);
}

/** Replays the last no-op when nothing it rested on moved; returns its exit code, or null to build as usual. */
export function tryFastNoop(input: NoopKeyInput, config: ResolvedConfig): number | null {
  const started = performance.now();
  if (process.env.MREORG_NO_FAST_NOOP) return null;
  if (!eligible(config)) return null;
  let index: NoopIndex;
  try {
    index = JSON.parse(fs.readFileSync(indexFile(config), 'utf8')) as NoopIndex;
  } catch {
    return null;
  }
  if (index.version !== INDEX_VERSION) return null;
  if (index.key !== keyOf(config, input)) return explain('the options, config, environment or interpreter differ from the last no-op'), null;
  for (const d in index.dirs) {
    if ((statQuietly(d)?.mtimeMs ?? null) !== index.dirs[d]) return explain(`folder ${d} changed`), null;
  }
  for (const f in index.files) {
    if (!sameStat(f[0] === '/' ? f : fromRel(config.root, f), index.files[f]!)) return explain(`${f} changed`), null;
  }
  explain('nothing changed since the last no-op');
  replay(index, formatDuration(performance.now() - started));
  return index.exit;
}

function replay(index: NoopIndex, elapsed: string): void {
  const out = index.output.map(([fd, text]) => [fd, text] as [1 | 2, string]);
  const was = ` in ${index.elapsed}.`;
  for (let i = out.length - 1; i >= 0; i--) {
    const at = out[i]![1].lastIndexOf(was);
    if (at < 0) continue;
    out[i]![1] = `${out[i]![1].slice(0, at)} in ${elapsed}.${out[i]![1].slice(at + was.length)}`;
    break;
  }
  for (const [fd, text] of out) (fd === 1 ? process.stdout : process.stderr).write(text);
}

/** Records what a build prints, from its start, for the index it may write. */
export class OutputTape {
  readonly output: Array<[1 | 2, string]> = [];
  private readonly undo: Array<() => void> = [];

  constructor() {
    for (const [fd, stream] of [[1, process.stdout], [2, process.stderr]] as const) {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        this.output.push([fd, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')]);
        return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
      this.undo.push(() => void (stream.write = write));
    }
  }

  stop(): void {
    for (const u of this.undo.splice(0)) u();
  }
}

/** What a finished no-op build knew, to write the index from. */
export interface NoopFacts {
  config: ResolvedConfig;
  input: NoopKeyInput;
  discovery: Discovery;
  /** Every file the survey digested (project-relative): scripts and recorded inputs. */
  files: Iterable<string>;
  hasher: FileHasher;
  /** Stats of the project's state files taken before the build read them. */
  stateStats: Record<string, Stat>;
  output: Array<[1 | 2, string]>;
  elapsedMs: number;
  exit: number;
}

/** Stats of the state files, taken before the build reads the ledger (a write after this no longer matches). */
export function stateStatsOf(config: ResolvedConfig): Record<string, Stat> {
  if (!eligible(config)) return {};
  return Object.fromEntries(stateFiles(config).map((f) => [f, statOf(f)]));
}

/** Writes the index after a build that planned and ran nothing; skipped when anything is too fresh to trust. */
export function writeNoopIndex(f: NoopFacts): void {
  if (!eligible(f.config)) return;
  const file = indexFile(f.config);
  const now = Date.now();
  const files: Record<string, Stat> = { ...f.stateStats };
  for (const rel of f.files) {
    const abs = fromRel(f.config.root, rel);
    // Not digested: absent, or there but unreadable (a stat no file has, so that it takes the full path).
    files[rel] = f.hasher.statOf(abs) ?? (fs.existsSync(abs) ? [-1, -1, -1] : null);
  }
  const dirs = Object.fromEntries(f.discovery.dirs);
  const racy = (ms: number): boolean => ms > now - RACY_MS;
  if (Object.values(dirs).some((m) => m !== null && racy(m)) || Object.values(files).some((s) => s !== null && racy(s[1]))) {
    fs.rmSync(file, { force: true });
    return;
  }
  const index: NoopIndex = { version: INDEX_VERSION, key: keyOf(f.config, f.input), files, dirs, output: f.output, elapsed: formatDuration(f.elapsedMs), exit: f.exit };
  try {
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(index));
    fs.renameSync(`${file}.tmp`, file);
  } catch {
    // Only an index: the next build takes the full path.
  }
}

/** Forgets the index (a build that ran something: its answer changed). */
export function dropNoopIndex(config: ResolvedConfig): void {
  fs.rmSync(indexFile(config), { force: true });
}
