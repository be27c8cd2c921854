/**
 * HTML escaping and the one place where already-escaped markup is handed to the templates.
 *
 * The templates run with autoescape on, so every string they print is escaped. The only markup they print
 * unescaped is what `trusted()` wraps, and `trusted()` is only called on HTML this module's callers built by
 * escaping every piece of user text first (highlighted source). That is why no template needs `| safe`.
 */
import nunjucks from 'nunjucks';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML content and quoted attribute values (the same five characters nunjucks escapes).
 * @example escapeHtml('<b a="1">') === '&lt;b a=&quot;1&quot;&gt;'
 */
export function escapeHtml(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPABLE, (c) => HTML_ESCAPES[c] ?? c) : text;
}

const NEEDS_ESCAPE = /[&<>"']/;
const ESCAPABLE = /[&<>"']/g;

/** Marks markup built from escaped pieces as printable without escaping. Never pass user text here. */
export function trusted(html: string): nunjucks.runtime.SafeString {
  return new nunjucks.runtime.SafeString(html);
}

/** Schemes a link may never use: they run code or smuggle content into the page's origin. */
const UNSAFE_SCHEME = /^\s*(javascript|vbscript|data)\s*:/i;

/**
 * Builds an "open in editor" link from the configured template, or null when there is no template or the result
 * would be a scripting URL. `{path}` is the absolute path, `{relpath}` the project-relative one, `{line}` the line.
 * Paths are percent-encoded (keeping `/`), so a file name cannot break out of the URL.
 * @example editorHref('vscode://file/{path}:{line}', '/p/a b.py', 'a b.py', 3) === 'vscode://file/p/a%20b.py:3'
 */
export function editorHref(template: string | null, absPath: string, relPath: string, line: number): string | null {
  if (!template) return null;
  const abs = encodePath(absPath);
  // `vscode://file/{path}` with a POSIX path must not become `file//home/...`.
  const url = template
    .replaceAll('/{path}', `/${abs.replace(/^\/+/, '')}`)
    .replaceAll('{path}', abs)
    .replaceAll('{relpath}', encodePath(relPath))
    .replaceAll('{line}', String(Math.max(1, Math.floor(line))));
  return UNSAFE_SCHEME.test(url) ? null : url;
}

/** Percent-encodes each segment (so `<`, `"`, `#`, `?` and spaces cannot end the URL early), keeping `/`. */
function encodePath(path: string): string {
  return path.split(/[\\/]/).map((segment) => encodeURIComponent(segment).replaceAll('%3A', ':')).join('/');
}
