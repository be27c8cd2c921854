/**
 * File names of generated pages. A page name never contains the raw script path or run id: it is a sanitized
 * slug (for people reading URLs) plus a short hash of the exact key (for uniqueness, also on case-insensitive
 * file systems), so `<img src=x onerror=alert(1)>.py` becomes `img-src-x-onerror-alert-1-py-<hash>`.
 */
import { createHash } from 'node:crypto';

/** First `length` hex digits of the SHA-1 of `text`. Not for security: only to keep names apart. */
export function shortHash(text: string, length = 10): string {
  return createHash('sha1').update(text).digest('hex').slice(0, length);
}

/**
 * Reduces text to `[A-Za-z0-9_-]`, runs of anything else becoming one `-`, at most `maxLength` characters.
 * @example slugify('src/<b>fig 1.py') === 'src-b-fig-1-py'
 */
export function slugify(text: string, maxLength = 48): string {
  const slug = text.replace(/[^A-Za-z0-9_]+/g, '-').replace(/^-+|-+$/g, '');
  return slug.slice(0, maxLength).replace(/-+$/, '');
}

/**
 * A page name for a key (script path, run id, runconfig name): slug + hash, without extension.
 * @example pageName('a/b.py') === 'a-b-py-' + shortHash('a/b.py')
 */
export function pageName(key: string): string {
  let name = names.get(key);
  if (name === undefined) {
    const slug = slugify(key);
    const hash = shortHash(key);
    name = slug ? `${slug}-${hash}` : hash;
    // Every page links to the same few runconfig pages and each script is linked from several pages: memoized,
    // bounded so a long-lived process (watch mode) does not keep every name it ever saw.
    if (names.size >= 200_000) names.clear();
    names.set(key, name);
  }
  return name;
}

const names = new Map<string, string>();

/** Where each kind of page lives inside the report folder (relative, `/` separators). */
export const paths = {
  script: (path: string) => `scripts/${pageName(path)}.html`,
  run: (runId: string) => `runs/${pageName(runId)}.html`,
  /** Pages that exist once per runconfig: the default runconfig gets the plain name. */
  perRunconfig(kind: RunconfigPageKind, runconfig: string, defaultRunconfig: string): string {
    return runconfig === defaultRunconfig ? `${kind}.html` : `${kind}-${pageName(runconfig)}.html`;
  },
};

export type RunconfigPageKind = 'index' | 'output' | 'failures' | 'timing' | 'changes';
