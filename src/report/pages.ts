/**
 * The list of pages a report has, each with its file name, template and view. Generated lazily, one page at a
 * time, so 10k script pages and their runs are never all in memory as views at once.
 */
import { changeCount, changesView, type ChangeImages } from './changes.js';
import type { FigureIndex } from './figures.js';
import { trusted } from './escape.js';
import { formatTimestamp } from './format.js';
import { renderSourceHtml } from './highlight.js';
import { shortHash, paths, type RunconfigPageKind } from './slug.js';
import { siteView, type ReportIndex } from './view-common.js';
import { configView, trackingView } from './view-project.js';
import { overviewPage } from './view-folders.js';
import { failureCount, failuresView, outputView, timingView } from './view-runconfig.js';
import { coverageFilePage, coverageFileView, coveragePage, coverageView } from './view-coverage.js';
import { runView, scriptView } from './view-script.js';

export interface PageSpec {
  /** Report-relative output file. */
  file: string;
  template: string;
  /** Plain, JSON-serialisable data: hashed into the page's key. */
  context: Record<string, unknown>;
  /** Expensive parts built only if the page must be rendered, identified in the key by `key`. */
  lazy?: { key: string; build: () => Record<string, unknown> };
}

export interface PageOptions {
  refreshSeconds?: number;
}

const TITLES: Record<RunconfigPageKind, string> = { index: 'Overview', output: 'Output', failures: 'Failures', timing: 'Timing', changes: 'Changes' };

export function* pageSpecs(index: ReportIndex, figures: FigureIndex, options: PageOptions = {}, changeImages: ChangeImages = new Map()): Generator<PageSpec> {
  const { data } = index;
  for (const runconfig of runconfigNames(index)) {
    const failures = failureCount(data.scripts, runconfig);
    const changes = changeCount(index, runconfig);
    const site = (kind: RunconfigPageKind) =>
      siteView(index, {
        kind,
        rel: '',
        pageTitle: data.runconfigs.length > 1 ? `${TITLES[kind]} · ${runconfig}` : TITLES[kind],
        runconfig,
        failureCount: failures,
        changeCount: changes,
        refreshSeconds: options.refreshSeconds,
      });
    const file = (kind: RunconfigPageKind) => paths.perRunconfig(kind, runconfig, data.defaultRunconfig);
    yield { file: file('index'), template: 'overview.njk', context: { site: site('index'), page: overviewPage(index, runconfig, figures) } };
    yield { file: file('output'), template: 'output.njk', context: { site: site('output'), page: outputView(index, runconfig, figures) } };
    yield { file: file('failures'), template: 'failures.njk', context: { site: site('failures'), page: failuresView(index, runconfig) } };
    yield { file: file('timing'), template: 'timing.njk', context: { site: site('timing'), page: timingView(index, runconfig) } };
    yield { file: file('changes'), template: 'changes.njk', context: { site: site('changes'), page: changesView(index, runconfig, changeImages) } };
  }
  yield* coveragePages(index);
  yield {
    file: 'tracking.html',
    template: 'tracking.njk',
    context: { site: siteView(index, { kind: 'tracking', rel: '', pageTitle: 'Tracking' }), page: trackingView(index) },
  };
  yield {
    file: 'config.html',
    template: 'config.njk',
    context: { site: siteView(index, { kind: 'config', rel: '', pageTitle: 'Config' }), page: configView(index) },
  };
  // The header of every script page (and of every run page) is the same but for the title: built once.
  const scriptSite = siteView(index, { kind: 'script', rel: '../', pageTitle: '' });
  const runSite = siteView(index, { kind: 'run', rel: '../', pageTitle: '' });
  for (const script of data.scripts) {
    yield {
      file: paths.script(script.path),
      template: 'script.njk',
      context: { site: { ...scriptSite, pageTitle: script.path }, page: scriptView(index, script, figures) },
      lazy: { key: shortHash(script.source, 40), build: () => ({ code: trusted(renderSourceHtml(script.source)) }) },
    };
    for (const run of script.runs) {
      yield {
        file: paths.run(run.id),
        template: 'run.njk',
        context: {
          site: { ...runSite, pageTitle: `${script.path} · run ${formatTimestamp(run.startedAt)}` },
          page: runView(index, run, script, figures),
        },
      };
    }
  }
}

/** Runconfigs with pages: the default first, then the others in config order. */
function runconfigNames(index: ReportIndex): string[] {
  const names = [index.data.defaultRunconfig, ...index.data.runconfigs.map((rc) => rc.name)];
  return [...new Set(names)];
}

/** The Coverage page of each runconfig with coverage data, and a page per library file. */
function* coveragePages(index: ReportIndex): Generator<PageSpec> {
  const { data } = index;
  const cov = data.coverage;
  if (!cov) return;
  const multi = Object.keys(cov.views).length > 1;
  for (const [rc, view] of Object.entries(cov.views)) {
    const site = siteView(index, { kind: 'coverage', rel: '', pageTitle: multi ? `Coverage · ${rc}` : 'Coverage', runconfig: rc });
    yield { file: coveragePage(rc, data.defaultRunconfig), template: 'coverage.njk', context: { site, page: coverageView(index, view) } };
    const fileSite = siteView(index, { kind: 'coverage', rel: '../', pageTitle: '', runconfig: rc });
    for (const f of view.files) {
      yield {
        file: coverageFilePage(rc, f.path),
        template: 'coverage-file.njk',
        context: { site: { ...fileSite, pageTitle: `${f.path} · coverage${multi ? ` · ${rc}` : ''}` }, page: coverageFileView(index, rc, f, cov.sources[f.path] ?? '', data.defaultRunconfig) },
      };
    }
  }
}
