/**
 * A run's results compared with earlier ones: each figure with the figure of the same name and occurrence (one
 * that appears or disappears is a change too), equal hashes meaning unchanged without decoding anything, else
 * pixel by pixel; stdout as a unified diff; the files written by name and hash.
 */
import type { Change, ResultSnapshot, StoredImage } from '../model/change.js';
import { compareImages } from './images.js';
import { diffText } from './text.js';

export interface CompareOptions {
  /** Share of pixels (0..1) that may differ in a figure still called unchanged (config `figures.tolerance`). */
  tolerance: number;
  /** Relative tolerance under which numbers in stdout are equal (config `output.numberTolerance`; 0 = exact). */
  numberTolerance: number;
}

export interface ComparePorts {
  /** The bytes of a stored image (project-relative file), null when gone. */
  read(file: string): Promise<Buffer | null>;
  /** Stores a diff image; returns its hash and project-relative file. */
  store(png: Buffer): Promise<{ hash: string; file: string }>;
}

export interface Side {
  results: ResultSnapshot;
  stdout: string;
}

export async function compareResults(before: Side, after: Side, ports: ComparePorts, opts: CompareOptions): Promise<Change[]> {
  const changes = await compareFigures(before.results, after.results, ports, opts.tolerance);
  const text = diffText(scriptOutput(before.stdout), scriptOutput(after.stdout), opts.numberTolerance);
  if (text) changes.push({ kind: 'stdout', name: 'stdout', diff: text.diff, lines: text.lines });
  changes.push(...compareFiles(before.results.files, after.results.files));
  return changes;
}

/**
 * stdout without the lines the shim prints as it saves each figure (`Saving File ...`, as the original did):
 * figures are compared as figures, and an added figure is not a stdout change as well.
 */
export function scriptOutput(stdout: string): string {
  return stdout.includes('Saving File ') ? stdout.replace(/^Saving File .*\n?/gm, '') : stdout;
}

async function compareFigures(before: ResultSnapshot, after: ResultSnapshot, ports: ComparePorts, tolerance: number): Promise<Change[]> {
  const old = new Map(before.figures.map((f) => [f.key, f]));
  const changes: Change[] = [];
  for (const f of after.figures) {
    const b = old.get(f.key);
    old.delete(f.key);
    if (!b) changes.push({ kind: 'figure', name: f.label, status: 'added', ...(f.image ? { after: f.image } : {}) });
    else {
      const c = await compareFigure(f.label, b.image, f.image, ports, tolerance);
      if (c) changes.push(c);
    }
  }
  for (const b of old.values()) changes.push({ kind: 'figure', name: b.label, status: 'removed', ...(b.image ? { before: b.image } : {}) });
  return changes;
}

/** One figure in both runs: null when unchanged. */
export async function compareFigure(
  name: string,
  before: StoredImage | null,
  after: StoredImage | null,
  ports: ComparePorts,
  tolerance: number,
): Promise<Change | null> {
  if (before?.hash === after?.hash) return null; // equal bytes (or missing both times): nothing to decode
  const sides = { ...(before ? { before } : {}), ...(after ? { after } : {}) };
  if (!before || !after) return { kind: 'figure', name, status: before ? 'removed' : 'added', ...sides };
  const [a, b] = before.file && after.file ? await Promise.all([ports.read(before.file), ports.read(after.file)]) : [null, null];
  if (!a || !b) return { kind: 'figure', name, status: 'changed', ...sides };
  const got = compareImages(a, b, tolerance);
  switch (got.kind) {
    case 'same':
      return null;
    case 'resized':
      return {
        kind: 'figure',
        name,
        status: 'resized',
        before: { ...before, ...got.before },
        after: { ...after, ...got.after },
      };
    case 'undecodable':
      return { kind: 'figure', name, status: 'changed', ...sides };
    case 'differs': {
      const diff = await ports.store(got.diff);
      return { kind: 'figure', name, status: 'changed', ratio: got.ratio, ...sides, diff: { ...diff, width: after.width, height: after.height } };
    }
  }
}

/** The files written: by name, then by content hash. Pure. */
export function compareFiles(before: Record<string, string | null>, after: Record<string, string | null>): Change[] {
  const changes: Change[] = [];
  for (const [name, hash] of Object.entries(after)) {
    if (!(name in before)) changes.push({ kind: 'files', name, status: 'added' });
    else if (before[name] !== hash) changes.push({ kind: 'files', name, status: 'changed' });
  }
  for (const name of Object.keys(before)) if (!(name in after)) changes.push({ kind: 'files', name, status: 'removed' });
  return changes.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}
