/**
 * What every page's view needs: lookups built once per render (so no view does a linear search: 10k scripts
 * must not cost O(n^2)), the header/navigation context, and small shared pieces (script links, error views).
 * Views are plain data; the templates only print them.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Run, RunError } from '../model/run.js';
import { formatTimestamp } from './format.js';
import type { ReportData, ReportRunconfig, ReportScript } from './model.js';
import { pageName, paths, type RunconfigPageKind } from './slug.js';

export interface ReportIndex {
  data: ReportData;
  scripts: Map<string, ReportScript>;
  runs: Map<string, { run: Run; script: ReportScript }>;
  /** Absolute, resolved file path -> script: how traceback frames find the script page they point into. */
  byAbsPath: Map<string, ReportScript>;
  groupIndex: Map<string, number>;
  runconfigs: Map<string, ReportRunconfig>;
}

export function indexReport(data: ReportData): ReportIndex {
  const index: ReportIndex = {
    data,
    scripts: new Map(),
    runs: new Map(),
    byAbsPath: new Map(),
    groupIndex: new Map(data.groups.map((g, i) => [g.name, i])),
    runconfigs: new Map(data.runconfigs.map((rc) => [rc.name, rc])),
  };
  for (const script of data.scripts) {
    index.scripts.set(script.path, script);
    index.byAbsPath.set(resolve(data.root, script.path), script);
    for (const run of script.runs) index.runs.set(run.id, { run, script });
  }
  return index;
}

/** Page kinds, for the navigation's "you are here". */
export type PageKind = RunconfigPageKind | 'tracking' | 'config' | 'script' | 'run' | 'coverage';

export interface SiteView {
  title: string;
  /** Prefix from this page to the report root: '' or '../'. Every link in a page starts with it. */
  rel: string;
  pageTitle: string;
  /** Links to the six top-level pages (a fixed set: the template lists them without a loop, 24k pages add up). */
  nav: Record<'index' | 'output' | 'failures' | 'timing' | 'changes' | 'tracking' | 'config', string> & { coverage: string | null };
  /** Which page this is, for aria-current. */
  active: PageKind;
  /** Failed scripts, shown beside "Failures" (per-runconfig pages only). */
  failures: number | null;
  /** Scripts whose results changed, shown beside "Changes" (per-runconfig pages only). */
  changes: number | null;
  /** The runconfig switch (per-runconfig pages only, and only with more than one runconfig). */
  runconfigs: { name: string; href: string; active: boolean }[] | null;
  /** Seconds between self-refreshes while a build runs, else null. */
  refresh: number | null;
  footer: string;
}

export interface SiteOptions {
  kind: PageKind;
  rel: string;
  pageTitle: string;
  /** Runconfig the page shows (per-runconfig pages); nav links keep it. */
  runconfig?: string;
  failureCount?: number;
  changeCount?: number;
  refreshSeconds?: number;
}

export function siteView(index: ReportIndex, o: SiteOptions): SiteView {
  const { data } = index;
  const rc = o.runconfig ?? data.defaultRunconfig;
  const perRc = (kind: RunconfigPageKind, name = rc) => o.rel + paths.perRunconfig(kind, name, data.defaultRunconfig);
  const nav = {
    index: perRc('index'),
    output: perRc('output'),
    failures: perRc('failures'),
    timing: perRc('timing'),
    changes: perRc('changes'),
    tracking: `${o.rel}tracking.html`,
    config: `${o.rel}config.html`,
    coverage: coverageNav(data, rc, o.rel),
  };
  const perRcKind = isRunconfigKind(o.kind) ? o.kind : null;
  const runconfigs =
    perRcKind && data.runconfigs.length > 1
      ? data.runconfigs.map((r) => ({ name: r.name, href: perRc(perRcKind, r.name), active: r.name === rc }))
      : null;
  // Only the per-runconfig pages carry the time and refresh: the other pages must stay byte-identical between
  // renders so that they are not rewritten.
  const live = perRcKind !== null;
  return {
    title: data.title,
    rel: o.rel,
    pageTitle: o.pageTitle,
    nav,
    active: o.kind,
    failures: o.failureCount ?? null,
    changes: o.changeCount ?? null,
    runconfigs,
    refresh: live && data.building ? (o.refreshSeconds ?? 3) : null,
    footer: live
      ? `mreorg ${data.mreorgVersion} · generated ${formatTimestamp(data.generatedAt)}${data.building ? ' · build running' : ''}`
      : `mreorg ${data.mreorgVersion}`,
  };
}

/** The Coverage page of the runconfig (or of the default one) when there is coverage data; else no link. */
function coverageNav(data: ReportIndex['data'], rc: string, rel: string): string | null {
  const views = data.coverage?.views;
  if (!views) return null;
  const name = views[rc] ? rc : views[data.defaultRunconfig] ? data.defaultRunconfig : Object.keys(views)[0];
  if (name === undefined) return null;
  // As view-coverage.ts's coveragePage (which imports this module).
  return rel + (name === data.defaultRunconfig ? 'coverage.html' : `coverage-${pageName(name)}.html`);
}

function isRunconfigKind(kind: PageKind): kind is RunconfigPageKind {
  return kind === 'index' || kind === 'output' || kind === 'failures' || kind === 'timing' || kind === 'changes';
}

export interface ScriptLink {
  path: string;
  href: string | null;
}

/** A link to a script's page, or just its path when it is not a script of the report. */
export function scriptLink(index: ReportIndex, path: string, rel: string): ScriptLink {
  return { path, href: index.scripts.has(path) ? rel + paths.script(path) : null };
}

/** A time to print: the browser turns `iso` into "3 hours ago" with the exact local time on hover. */
export interface TimeView {
  iso: string;
  text: string;
}

export function timeView(iso: string): TimeView {
  return { iso, text: formatTimestamp(iso) };
}

/** Group ids as the filter script reads them: space-separated indices, padded so ' 3 ' matches exactly. */
export function groupIds(index: ReportIndex, groups: string[]): string {
  const ids = groups.map((g) => index.groupIndex.get(g)).filter((i): i is number => i !== undefined);
  return ` ${ids.join(' ')} `;
}

/**
 * A path as pages show it: project-relative when inside the project (the report never prints the absolute
 * root), as reported otherwise (site-packages, the standard library).
 */
export function displayPath(root: string, file: string): string {
  const rel = relative(root, resolve(root, file));
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : file;
}

export interface ErrorView {
  type: string;
  message: string;
  traceback: string;
  frames: { file: string; line: number; fn: string; code: string; href: string | null; inScript: boolean }[];
}

/** An exception with each frame linked to the line of the script page it is in, when it is a report script. */
export function errorView(index: ReportIndex, error: RunError, ownScript: ReportScript, rel: string): ErrorView {
  const root = index.data.root;
  const rootPrefix = root.endsWith(sep) ? root : root + sep;
  return {
    type: error.type,
    message: error.message,
    traceback: error.traceback.replaceAll(rootPrefix, ''),
    frames: error.frames.map((frame) => {
      const script = index.byAbsPath.get(resolve(root, frame.file));
      return {
        file: displayPath(root, frame.file),
        line: frame.line,
        fn: frame.function,
        code: frame.code ?? '',
        href: script ? `${rel}${paths.script(script.path)}#L${frame.line}` : null,
        inScript: script === ownScript,
      };
    }),
  };
}
