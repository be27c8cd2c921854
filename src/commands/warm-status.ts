/** `mreorg status --warm`: whether builds under a runconfig run warm, what the warm interpreters preload, and why. */
import { requireConfig } from '../config/index.js';
import { openProject, resolveRunconfig, type GlobalOptions } from '../project/project.js';
import { printable } from '../util/printable.js';
import { explainPreload, warmOn, type PreloadItem } from './build-executor.js';

export interface WarmStatus {
  runconfig: string;
  /** Whether a plain `mreorg build` (no --warm / --no-warm) runs warm under this runconfig. */
  on: boolean;
  preload: PreloadItem[];
  left: PreloadItem[];
}

export async function warmStatus(cwd: string, opts: GlobalOptions & { runconfig?: string | undefined }): Promise<WarmStatus> {
  const project = await openProject(cwd, opts);
  requireConfig(project.config, cwd, 'status --warm');
  const runconfig = resolveRunconfig(project.config, opts.runconfig);
  return { runconfig, on: warmOn(project.config.runconfigs[runconfig]!, undefined), ...explainPreload(project, runconfig) };
}

export function formatWarmStatus(s: WarmStatus): string {
  const lines = [
    `Warm interpreters under runconfig ${printable(s.runconfig)}: ${s.on ? 'on' : 'off (mreorg build --warm, or warm: true in the runconfig, turns them on)'}`,
    s.preload.length
      ? 'Preloaded, in this order:'
      : s.left.length
        ? 'Nothing preloaded: the fork still saves start-up.'
        : 'Nothing to preload yet (no recorded run imported a package): the fork still saves start-up.',
    ...s.preload.map((p) => `  ${printable(p.module).padEnd(24)} ${printable(p.why)}`),
  ];
  if (s.left.length) lines.push('Not preloaded:', ...s.left.map((p) => `  ${printable(p.module).padEnd(24)} ${printable(p.why)}`));
  return `${lines.join('\n')}\n`;
}
