/**
 * Views of the Coverage pages: per runconfig a page of library files (lines covered across all scripts), a page
 * per library file (its functions and the scripts reaching each, then its source with each statement marked
 * run or missed and the scripts that ran it), and the section of a script page listing what it exercised.
 * Library sources are highlighted by highlight.ts, which escapes every token; names are printed by the templates.
 */
import type { CoverageView, FileCoverage } from '../coverage/combine.js';
import { outdatedScripts, uncoveredFunctions } from '../coverage/load.js';
import { escapeHtml, trusted } from './escape.js';
import { highlightPythonLines, HIGHLIGHT_LIMIT } from './highlight.js';
import type { ReportScript } from './model.js';
import { pageName } from './slug.js';
import { scriptLink, type ReportIndex } from './view-common.js';

/** The runconfig's Coverage page, report-relative. */
export function coveragePage(runconfig: string, defaultRunconfig: string): string {
  return runconfig === defaultRunconfig ? 'coverage.html' : `coverage-${pageName(runconfig)}.html`;
}

/** A library file's page under a runconfig, report-relative. */
export function coverageFilePage(runconfig: string, file: string): string {
  return `coverage/${pageName(`${runconfig}\0${file}`)}.html`;
}

export function coverageView(index: ReportIndex, view: CoverageView) {
  const rc = view.runconfig;
  return {
    runconfig: rc,
    totals: view.totals,
    scripts: view.scripts.length,
    files: view.files.map((f) => ({
      path: f.path,
      href: coverageFilePage(rc, f.path),
      covered: f.covered,
      statements: f.statements.length,
      percent: f.percent,
      scripts: f.scripts.length,
      stale: f.stale.length,
      changedSince: f.changedSince,
    })),
    uncovered: uncoveredFunctions(view).map((u) => ({ ...u, href: `${coverageFilePage(rc, u.file)}#L${u.line}` })),
    measured: view.scripts.map((s) => scriptLink(index, s.script, '')),
    outdated: outdatedScripts(view).map((s) => scriptLink(index, s, '')),
  };
}

/** The page of one library file; `source` is its text now. */
export function coverageFileView(index: ReportIndex, rc: string, file: FileCoverage, source: string, defaultRunconfig: string) {
  const rel = '../';
  const link = (s: string) => scriptLink(index, s, rel);
  return {
    runconfig: rc,
    back: rel + coveragePage(rc, defaultRunconfig),
    path: file.path,
    covered: file.covered,
    statements: file.statements.length,
    percent: file.percent,
    changedSince: file.changedSince,
    stale: file.stale.map(link),
    scripts: file.scripts.map(link),
    functions: file.functions.map((fn) => ({ ...fn, scripts: fn.scripts.map(link) })),
    rows: sourceRows(index, file, source, rel),
  };
}

/**
 * One row per source line: the highlighted code (escaped token by token), covered / missed / not a statement,
 * and the scripts that ran it, named only where the set changes from the line above (a block run by the same
 * scripts names them once).
 */
function sourceRows(index: ReportIndex, file: FileCoverage, source: string, rel: string) {
  const code = source.length > HIGHLIGHT_LIMIT ? source.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n').map(escapeHtml) : highlightPythonLines(source);
  const statements = new Set(file.statements);
  let previous = '';
  return code.map((html, i) => {
    const n = i + 1;
    const ran = file.lines.get(n);
    const key = ran ? ran.join('\0') : '';
    const named = ran && key !== previous ? ran.map((s) => scriptLink(index, s, rel)) : null;
    if (statements.has(n)) previous = key;
    return { n, code: trusted(html), cls: ran ? 'cov-run' : statements.has(n) ? 'cov-miss' : '', count: ran?.length ?? 0, scripts: named };
  });
}

/** A script page's section: per runconfig with data, the library files this script's last measured run used. */
export function scriptCoverage(index: ReportIndex, script: ReportScript) {
  const views = index.data.coverage?.views ?? {};
  const out = [];
  for (const [rc, view] of Object.entries(views)) {
    const mine = view.scripts.find((s) => s.script === script.path);
    if (!mine) continue;
    out.push({
      runconfig: rc,
      outdated: mine.outdated,
      files: mine.files.map((f) => ({ ...f, href: '../' + coverageFilePage(rc, f.path) })),
    });
  }
  return out;
}
