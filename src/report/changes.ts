/**
 * The "Changes" page: every script whose last run under a runconfig changed its results, grouped by what made
 * those scripts run (so "lib/neuron.py changed -> these 12 figures changed" reads on one page), each changed
 * figure as before | after | diff, the stdout diff, and the files written that changed. Also the counts behind
 * the navigation badge and the overview's "results changed" marker, and a script's figure history.
 *
 * The before, after and diff images are copies mreorg kept by content hash (in the ledger or baselines folder);
 * they are copied into the report's `figures/` under the same hash names the figures have, each checked to be
 * a PNG first.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { describeChange, percent, type Change, type Comparison, type StoredImage } from '../model/change.js';
import type { Run } from '../model/run.js';
import { figureFile, publishable } from './figures.js';
import type { ReportData, ReportScript } from './model.js';
import type { SiteWriter } from './site.js';
import { paths } from './slug.js';
import { timeView, type ReportIndex, type TimeView } from './view-common.js';
import { statusOf } from './view-runconfig.js';

/** hash -> report-relative file of the images the Changes pages show (absent: not available). */
export type ChangeImages = Map<string, string>;

/** The last run of a script under a runconfig, when its results changed. */
export function changedRun(index: ReportIndex, script: ReportScript, runconfig: string): (Run & { comparison: Comparison }) | null {
  const id = statusOf(script, runconfig).lastRunId;
  const run = id === null ? undefined : index.runs.get(id)?.run;
  return run?.comparison && run.comparison.changes.length > 0 ? (run as Run & { comparison: Comparison }) : null;
}

/** Scripts whose results changed at their last run under the runconfig: the badge beside "Changes". */
export function changeCount(index: ReportIndex, runconfig: string): number {
  let n = 0;
  for (const script of index.data.scripts) if (changedRun(index, script, runconfig)) n++;
  return n;
}

/** Copies the images of every last run's changed figures into the report (each once, by hash). */
export async function storeChangeImages(data: ReportData, writer: SiteWriter): Promise<ChangeImages> {
  const images: ChangeImages = new Map();
  for (const script of data.scripts) {
    const lastIds = new Set(Object.values(script.status).map((s) => s.lastRunId));
    for (const run of script.runs) {
      if (!lastIds.has(run.id)) continue;
      for (const c of run.comparison?.changes ?? []) {
        if (c.kind !== 'figure') continue;
        for (const img of [c.before, c.after, c.diff]) if (img) await storeOne(data.root, img, writer, images);
      }
    }
  }
  return images;
}

async function storeOne(root: string, img: StoredImage, writer: SiteWriter, images: ChangeImages): Promise<void> {
  if (images.has(img.hash) || !img.file || !/^[0-9a-f]{8,64}$/.test(img.hash)) return;
  const file = figureFile(img.hash, 'png');
  if (writer.produced.has(file)) return void images.set(img.hash, file);
  if (writer.exists(file)) {
    writer.adopt(file, img.hash);
    return void images.set(img.hash, file);
  }
  const abs = resolve(root, img.file);
  const rel = relative(root, abs);
  if (rel.startsWith('..') || isAbsolute(rel)) return;
  const bytes = await readFile(abs).catch(() => null);
  if (!bytes || publishable('png', bytes).kind !== 'ok') return;
  await writer.write(file, img.hash, bytes);
  images.set(img.hash, file);
}

interface ImageView {
  src: string;
  width: number | null;
  height: number | null;
}

export interface FigureChangeView {
  name: string;
  status: string;
  /** `4.1% of pixels`, `640x480 -> 800x600`, `added`... */
  summary: string;
  before: ImageView | null;
  after: ImageView | null;
  diff: ImageView | null;
}

export interface ScriptChangesView {
  path: string;
  href: string;
  runHref: string;
  when: TimeView;
  against: string;
  againstHref: string | null;
  summary: string;
  figures: FigureChangeView[];
  stdout: { lines: { cls: string; text: string }[] } | null;
  files: { name: string; status: string }[];
}

/** The Changes page of one runconfig. */
export function changesView(index: ReportIndex, runconfig: string, images: ChangeImages) {
  const groups = new Map<string, { reasons: string[]; scripts: ScriptChangesView[]; figures: number }>();
  for (const script of index.data.scripts) {
    const run = changedRun(index, script, runconfig);
    if (!run) continue;
    const reasons = run.reasons?.length ? run.reasons : ['(why it ran was not recorded)'];
    const key = JSON.stringify(reasons);
    const group = groups.get(key) ?? groups.set(key, { reasons, scripts: [], figures: 0 }).get(key)!;
    const view = scriptChanges(index, script, run, images);
    group.scripts.push(view);
    group.figures += view.figures.length;
  }
  const list = [...groups.values()].sort((a, b) => b.scripts.length - a.scripts.length);
  return { total: list.reduce((n, g) => n + g.scripts.length, 0), groups: list };
}

function scriptChanges(index: ReportIndex, script: ReportScript, run: Run & { comparison: Comparison }, images: ChangeImages): ScriptChangesView {
  const c = run.comparison;
  const image = (img: StoredImage | undefined): ImageView | null => {
    const src = img ? images.get(img.hash) : undefined;
    return src && img ? { src, width: img.width, height: img.height } : null;
  };
  const stdout = c.changes.find((x) => x.kind === 'stdout');
  return {
    path: script.path,
    href: paths.script(script.path),
    runHref: paths.run(run.id),
    when: timeView(run.startedAt),
    against: c.against === 'baseline' ? 'the accepted baseline' : 'the previous run',
    againstHref: index.runs.has(c.runId) ? paths.run(c.runId) : null,
    summary: c.changes.map(describeChange).join(', '),
    figures: c.changes.flatMap((x) =>
      x.kind === 'figure' ? [{ name: x.name, status: x.status, summary: figureSummary(x), before: image(x.before), after: image(x.after), diff: image(x.diff) }] : [],
    ),
    stdout: stdout?.kind === 'stdout' ? { lines: diffLines(stdout.diff) } : null,
    files: c.changes.flatMap((x) => (x.kind === 'files' ? [{ name: x.name, status: x.status }] : [])),
  };
}

function figureSummary(c: Extract<Change, { kind: 'figure' }>): string {
  if (c.status === 'changed' && c.ratio !== undefined) return `${percent(c.ratio)} of pixels differ`;
  return describeChange(c).slice(c.name.length).replace(/^:\s*/, '').trim();
}

/** A unified diff's lines, each with the class that colours it. */
function diffLines(diff: string): { cls: string; text: string }[] {
  return diff.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1).map((text) => ({
    cls: text.startsWith('@@') ? 'hunk' : text.startsWith('+++') || text.startsWith('---') ? 'head' : text.startsWith('+') ? 'add' : text.startsWith('-') ? 'del' : 'ctx',
    text,
  }));
}

/** A script's figure history: each run that compared its results, newest first, with what changed. */
export function figureHistory(script: ReportScript, rel: string) {
  return script.runs
    .filter((r) => r.comparison)
    .map((r) => ({
      href: rel + paths.run(r.id),
      ...timeView(r.startedAt),
      runconfig: r.runconfig,
      against: r.comparison!.against === 'baseline' ? 'baseline' : 'previous run',
      changes: r.comparison!.changes.map(describeChange),
    }));
}
