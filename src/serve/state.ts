/**
 * The served project as it is now: each script's state per runconfig and the queue, for the page's live updates,
 * and the report re-rendered from the ledger. Recomputed when the ledger or the queue changes on disk (workers
 * and builds in other processes write them), at most one computation at a time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Claims } from '../ledger/claims.js';
import type { ScriptState } from '../model/state.js';
import { planFor } from '../plan/project-plan.js';
import type { Project } from '../project/project.js';
import { Queue, type QueueItem } from '../queue/queue.js';
import { stateLabel } from '../report/format.js';
import { writeProjectReport } from '../report/project-report.js';
import { survey } from '../survey/survey.js';
import { messageOf } from '../util/errors.js';

export interface ScriptNow {
  path: string;
  state: ScriptState;
  label: string;
  tracked: boolean;
}

export interface Snapshot {
  /** Grows with every change seen: the page asks again when it differs from the one it shows. */
  version: number;
  /** runconfig -> every discovered script's state under it. */
  states: Record<string, ScriptNow[]>;
  queue: QueueItem[];
  /** Project-relative paths of the tracked scripts: the only ones a request may queue. */
  tracked: Set<string>;
  /** Every script discovery finds, tracked or not: the only ones a request may track or untrack. */
  discovered: Set<string>;
  /** A problem computing it (the last good states are kept). */
  error: string | null;
}

export class LiveProject {
  readonly queue: Queue;
  private current: Snapshot;
  private stamp = '';
  private computing: Promise<Snapshot> | null = null;
  private next: Promise<Snapshot> | null = null;
  private listeners = new Set<(s: Snapshot) => void>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly project: Project,
    private readonly render: boolean,
  ) {
    this.queue = new Queue(project.ledger.dir);
    this.current = { version: 0, states: {}, queue: [], tracked: new Set(), discovered: new Set(), error: null };
  }

  get snapshot(): Snapshot {
    return this.current;
  }

  /** Computes the first snapshot, then watches the ledger and the queue (polling: cheap stats, any file system). */
  async start(pollMs = 300): Promise<void> {
    this.stamp = this.filesStamp();
    await this.refresh();
    this.timer = setInterval(() => void this.check(), pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  onChange(fn: (s: Snapshot) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Recomputes now (after a request changed the queue), then tells the listeners. */
  refresh(): Promise<Snapshot> {
    // One computation at a time; a request during one gets the next, which sees what the request changed.
    if (this.computing) {
      this.next ??= this.computing.then(() => {
        this.next = null;
        return this.refresh();
      });
      return this.next;
    }
    this.computing = this.compute().finally(() => (this.computing = null));
    return this.computing;
  }

  private async check(): Promise<void> {
    if (this.computing) return;
    const stamp = this.filesStamp();
    if (stamp === this.stamp) {
      // Running entries turn waiting when their worker dies without touching any file: look at the queue again.
      const running = this.current.queue.filter((e) => e.status === 'running');
      if (running.length === 0 || running.every((e) => this.queue.workerAlive(e.taker!.worker))) return;
    }
    this.stamp = stamp;
    await this.refresh();
  }

  /** What changes when a run is recorded or the queue changes: the ledger's write token and the queue file. */
  private filesStamp(): string {
    const { ledger } = this.project;
    const parts = [`${ledger.file}.gen`, ledger.file, this.queue.file].map((f) => {
      try {
        const s = fs.statSync(f);
        return `${s.mtimeMs}:${s.size}:${s.ino}`;
      } catch {
        return '-';
      }
    });
    return parts.join('|');
  }

  private async compute(): Promise<Snapshot> {
    const { project } = this;
    const { config } = project;
    try {
      await project.ledger.refresh();
      // Claims are listed once per Claims object: a fresh one sees the claims of now.
      project.claims = new Claims(project.ledger.dir);
      const sv = await survey(project, config.root, {});
      const states: Record<string, ScriptNow[]> = {};
      const tracked = new Map(sv.discovery.scripts.map((s) => [s.path, s.tracked]));
      for (const rc of Object.keys(config.runconfigs)) {
        states[rc] = planFor(project, sv, rc, {}).entries.map((e) => ({
          path: e.path,
          state: e.state,
          label: stateLabel(e.state, e.last?.result ?? null),
          tracked: tracked.get(e.path) ?? false,
        }));
      }
      const queue = await this.queue.list();
      const trackedSet = new Set([...tracked].filter(([, t]) => t).map(([p]) => p));
      this.current = { version: this.current.version + 1, states, queue, tracked: trackedSet, discovered: new Set(tracked.keys()), error: null };
      if (this.render) await writeProjectReport(project, config.root, false, false, sv);
    } catch (e) {
      this.current = { ...this.current, version: this.current.version + 1, error: messageOf(e) };
    }
    for (const fn of this.listeners) fn(this.current);
    return this.current;
  }
}

/** The report folder's index page, to check it exists before serving. */
export function reportIndex(project: Project): string {
  return path.join(project.config.reportDir, 'index.html');
}
