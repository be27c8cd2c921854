/** `build --dry-run` without `--json`: each script that would run, with its reasons. */
import { describeReason } from '../model/reason.js';
import type { Reporter } from '../schedule/events.js';

export function dryRunReporter(stream: NodeJS.WritableStream): Reporter {
  return {
    on(e) {
      if (e.type !== 'done' || !e.summary.dryRun) return;
      for (const entry of e.summary.entries.filter((x) => x.run)) {
        stream.write(`would run ${entry.path}\n${entry.reasons.map((r) => `    - ${describeReason(r)}\n`).join('')}`);
      }
    },
  };
}
