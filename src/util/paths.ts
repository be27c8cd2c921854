import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed package's root (holds templates/ and shim/), from dist/util/ or src/util/ alike. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const shimDir = path.join(packageRoot, 'shim');
export const templatesDir = path.join(packageRoot, 'templates');

/** Project-relative path with `/` separators, the one spelling used in the ledger, JSON output and report. */
export function toRel(root: string, abs: string): string {
  // The common case, a normalised path below the root, without path.relative's two resolves (hot on no-ops).
  if (abs.startsWith(root) && abs[root.length] === path.sep && !abs.includes(`${path.sep}..`)) {
    const rel = abs.slice(root.length + 1);
    return path.sep === '/' ? rel : rel.split(path.sep).join('/');
  }
  return path.relative(root, abs).split(path.sep).join('/');
}

/** The absolute path of a project-relative one (toRel's inverse), without path.join's normalising when not needed. */
export function fromRel(root: string, rel: string): string {
  // No `.` at the start of a segment (`./`, `../`, or a hidden name: those take path.join) and no `//`.
  const plain = path.sep === '/' && !root.endsWith('/') && rel !== '' && rel[0] !== '/' && rel[0] !== '.' && !rel.includes('/.') && !rel.includes('//');
  return plain ? `${root}/${rel}` : path.join(root, rel);
}

/** True when `abs` is `root` itself or inside it. */
export function isInside(root: string, abs: string): boolean {
  if (abs.startsWith(root) && abs[root.length] === path.sep && !abs.includes(`${path.sep}..`)) return true;
  const rel = path.relative(root, abs);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
