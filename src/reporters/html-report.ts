/**
 * The HTML report as a reporter: rewritten while scripts finish (so the open page turns rows green), and once
 * more when the build is done.
 */
import type { Project } from '../project/project.js';
import type { BuildEvent, Reporter } from '../schedule/events.js';
import type { Survey } from '../survey/survey.js';
import { messageOf } from '../util/errors.js';

export interface HtmlReporterOptions {
  project: Project;
  cwd: string;
  /** Where "Report: <path>" goes. */
  stream: NodeJS.WritableStream;
  /** The build's survey when it still describes the whole project (the final write then skips discovery). */
  reuse: () => Survey | null;
}

export function htmlReporter(opts: HtmlReporterOptions): Reporter {
  return new HtmlReporter(opts);
}

class HtmlReporter implements Reporter {
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<unknown> = Promise.resolve();
  private lastRenderMs = 0;

  constructor(private readonly opts: HtmlReporterOptions) {}

  on(e: BuildEvent): void | Promise<void> {
    if (e.type === 'recorded') this.soon();
    if (e.type !== 'done') return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!e.summary.dryRun) return this.final();
  }

  /** Writes the report; resolves with the error message when it could not be written. */
  private write(building: boolean, reuse: Survey | null): Promise<string | null> {
    const attempt = this.busy.then(async () => {
      const { writeProjectReport } = await import('../report/project-report.js');
      await writeProjectReport(this.opts.project, this.opts.cwd, building, false, reuse);
    });
    const result = attempt.then(
      () => null,
      (err: unknown) => messageOf(err),
    );
    this.busy = result;
    return result;
  }

  /**
   * Live report while scripts finish: debounced, and spaced by at least four times the last rewrite's cost, so on
   * a big project the report never takes more than a fifth of the machine from the scripts themselves.
   */
  private soon(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      const t0 = performance.now();
      void this.write(true, null).then((err) => {
        this.lastRenderMs = performance.now() - t0;
        this.timer = null;
        if (err) process.stderr.write(`mreorg: warning: could not update the report: ${err}\n`);
      });
    }, Math.max(2000, 4 * this.lastRenderMs));
    // Never what keeps mreorg alive: while scripts run their processes do, and the final write does not wait.
    this.timer.unref();
  }

  private async final(): Promise<void> {
    const err = await this.write(false, this.opts.reuse());
    if (err) throw new Error(`the runs are recorded in the ledger, but the report could not be written: ${err}`);
    const { reportIndexPath } = await import('../report/project-report.js');
    this.opts.stream.write(`Report: ${reportIndexPath(this.opts.project)}\n`);
  }
}
