/** Views of the project-wide pages: what mreorg tracks (Tracking) and how it runs it (Config). */
import type { ReportIndex } from './view-common.js';
import { paths } from './slug.js';

export function trackingView(index: ReportIndex) {
  const { data } = index;
  const tracked: { path: string; href: string; groups: string[] }[] = [];
  const untracked: { path: string; href: string; groups: string[] }[] = [];
  for (const script of data.scripts) {
    (script.tracked ? tracked : untracked).push({ path: script.path, href: paths.script(script.path), groups: script.groups });
  }
  return { monitor: data.monitor, tracked, untracked, exclude: data.exclude };
}

export function configView(index: ReportIndex) {
  const { data } = index;
  return {
    defaultRunconfig: data.defaultRunconfig,
    editorUrl: data.editorUrl,
    runconfigs: data.runconfigs.map((rc) => ({
      name: rc.name,
      isDefault: rc.name === data.defaultRunconfig,
      href: paths.perRunconfig('index', rc.name, data.defaultRunconfig),
      timeout: rc.timeout,
      env: Object.entries(rc.env).map(([key, value]) => ({ key, value })),
      argv: rc.argv,
    })),
    groups: data.groups.map((g) => ({
      name: g.name,
      globs: g.globs,
      members: g.members.map((path) => ({ path, href: index.scripts.has(path) ? paths.script(path) : null })),
    })),
  };
}
