/**
 * The SLURM executor: each job a SLURM batch job. The job runs the same launcher command line, in the same
 * environment, as a local run (script.ts's processSpec), and its Run is built by the same code (runOf), so figures,
 * manifest and dependency recording are identical; SLURM does the placing, queuing and killing. One poller watches
 * all of a build's jobs (slurm-poll.ts). The job id goes into the script's claim at submission, so a build started
 * after this one died reattaches to the job instead of submitting it again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import type { SlurmConfig } from '../config/types.js';
import type { Run, RunJob } from '../model/run.js';
import { ensureShimBytecode } from './bytecode.js';
import { OutputCapture } from './capture.js';
import type { LocalExecutorOptions } from './local.js';
import type { Executor, Job, RunningJob } from './executor.js';
import { readManifest } from './manifest.js';
import type { ProcessOutcome, ProcessSpec } from './process.js';
import { jobFiles, readWords, removeJobFiles, resourcesOf, sbatchArgs, writeBatch, type JobFiles } from './slurm-batch.js';
import { JobPoller, runCommand, type JobEnd, type RunCommand } from './slurm-poll.js';
import { OVER_MEMORY, outcomeOf, type JobStatus, type Outcome } from './slurm-states.js';
import { UserError } from '../util/errors.js';
import { LAUNCHER, newRunId, processSpec, runOf, type ScriptRunSpec } from './script.js';

/** A submitted job, as kept in the script's claim. */
export interface JobNote {
  jobId: string;
  runId: string;
  /** The script's content hash the job runs. */
  hash: string;
  submittedAt: string;
}

/** Where the job ids go: the claims of the build's scripts. */
export interface JobNotes {
  /** Records the job in the script's claim. */
  note(path: string, job: JobNote): void;
  /** The job a dead build had submitted for this script (found when this build took its claim over), or null. */
  orphan(path: string): JobNote | null;
}

/** A local run's options (the same launcher, shim, manifest and coverage), and the cluster's. */
export interface SlurmExecutorOptions extends Omit<LocalExecutorOptions, 'jobs'> {
  jobs?: number;
  slurm: SlurmConfig;
  notes: JobNotes;
  onWarning: (message: string) => void;
  /** Shortest wait between two squeue rounds (default 2 s; MREORG_SLURM_POLL_MS). */
  pollMs?: number;
  run?: RunCommand;
}

/** What one job's run knows while it is out. */
interface JobState {
  jobId: string | null;
  stopped: boolean;
  reason: string | null;
  status: JobStatus | null;
  /** Submitted by a build that died; this build reattached to it. */
  adopted: boolean;
}

export class SlurmExecutor implements Executor {
  readonly poller: JobPoller;
  private readonly run: RunCommand;
  private cancels: string[] = [];
  /** sbatch calls at once: a build of 10,000 jobs must not start 10,000 processes together. */
  private readonly submitting = pLimit(8);

  constructor(private readonly opts: SlurmExecutorOptions) {
    this.run = opts.run ?? runCommand;
    const base = opts.pollMs ?? (Number(process.env.MREORG_SLURM_POLL_MS) || 2000);
    this.poller = new JobPoller(this.run, { baseMs: base, maxMs: Math.max(base, 30_000), onWarning: opts.onWarning });
  }

  async prepare(): Promise<void> {
    const r = await this.run('squeue', ['-h', '-j', '1', '-O', 'JobID']);
    if (!r.ok && !/Invalid job id/i.test(r.stderr)) {
      throw new UserError(`cannot reach SLURM: squeue failed (${r.stderr.trim() || 'not found'}). Run the build on a machine that can submit jobs, or with --executor local.`, 1);
    }
    await ensureShimBytecode(this.opts.python, this.opts.interpreter.version, path.dirname(LAUNCHER));
  }

  start(job: Job): RunningJob {
    const state: JobState = { jobId: null, stopped: false, reason: null, status: null, adopted: false };
    return {
      result: this.runJob(job, state),
      stop: () => {
        state.stopped = true;
        if (state.jobId) this.cancel(state.jobId);
      },
    };
  }

  /** Cancels are gathered: one scancel for all the jobs a Ctrl-C stops. */
  private cancel(jobId: string): void {
    this.cancels.push(jobId);
    if (this.cancels.length > 1) return;
    setImmediate(() => {
      const ids = this.cancels.splice(0);
      void this.run('scancel', ids).then(() => this.poller.kick());
    });
  }

  private spec(job: Job): ScriptRunSpec {
    // jobs: 1, so no BLAS thread count is forced: the job has its own CPUs.
    return { ...this.opts, path: job.path, runconfig: job.runconfig, hash: job.hash, jobs: 1 };
  }

  private async runJob(job: Job, state: JobState): Promise<Run> {
    const spec = this.spec(job);
    const orphan = this.opts.notes.orphan(job.path);
    let note: JobNote;
    if (orphan && orphan.hash === job.hash) {
      note = orphan;
      state.adopted = true;
      this.opts.onWarning(`${job.path}: reattached to SLURM job ${orphan.jobId}, submitted by a build that stopped`);
    } else {
      // A dead build's job for other content is of no use: stop it rather than let it write over this run's files.
      if (orphan) this.cancel(orphan.jobId);
      const submitted = await this.submit(spec, job, state);
      // Ctrl-C before its turn to be submitted: nothing ran.
      if (submitted === null) return this.failedRun(spec, newRunId(), null, new Date().toISOString(), { type: 'Interrupted', message: 'mreorg was interrupted before the job was submitted' }, 'interrupted');
      if ('run' in submitted) return submitted.run;
      note = submitted.note;
    }
    this.opts.notes.note(job.path, note);
    state.jobId = note.jobId;
    if (state.stopped) this.cancel(note.jobId);
    job.onJob?.({ id: note.jobId, state: 'PENDING', reason: null, node: null });
    const end = await this.poller.watch(note.jobId, (s) => {
      state.status = s;
      if (s.reason && s.state === 'PENDING') state.reason = s.reason;
      job.onJob?.({ id: s.id, state: s.state, reason: s.reason, node: s.node });
    });
    return this.runOfJob(spec, note, end, state);
  }

  /**
   * sbatch, in a submission slot (the run's environment and batch file are made there too, so 10,000 jobs waiting
   * for a slot hold nothing but their Job): the job's note, the failed run when SLURM refused it, or null when the
   * build was stopped first.
   */
  private submit(spec: ScriptRunSpec, job: Job, state: JobState): Promise<{ note: JobNote } | { run: Run } | null> {
    return this.submitting(() => (state.stopped ? null : this.submitNow(spec, job)));
  }

  private async submitNow(spec: ScriptRunSpec, job: Job): Promise<{ note: JobNote } | { run: Run }> {
    const runId = newRunId();
    const files = jobFiles(spec.workDir, runId);
    const ps = processSpec(spec, runId, path.join(spec.root, spec.path), manifestOf(spec.workDir, runId));
    fs.mkdirSync(path.dirname(ps.env.MREORG_MANIFEST!), { recursive: true });
    writeBatch(ps, files, `${spec.path} under runconfig ${spec.runconfig.name}, run ${runId}`);
    const submittedAt = new Date().toISOString();
    const r = await this.sbatch(ps, files, spec, job);
    if (!r.ok) {
      removeJobFiles(files);
      const message = `sbatch refused the job: ${r.stderr.trim().split('\n').slice(-2).join(' ') || 'no message'}`;
      return { run: this.failedRun(spec, runId, ps, submittedAt, { type: 'SubmitError', message }) };
    }
    // `id` alone, or `id;cluster` on a multi-cluster setup.
    const jobId = r.stdout.trim().split(';')[0]!;
    return { note: { jobId, runId, hash: job.hash, submittedAt } };
  }

  private sbatch(ps: ProcessSpec, files: JobFiles, spec: ScriptRunSpec, job: Job): Promise<{ ok: boolean; stdout: string; stderr: string }> {
    const slurm = this.opts.slurm;
    const args = sbatchArgs(ps, files, spec.runconfig, slurm, `mreorg:${job.path}`);
    // sbatch passes its own environment on (--export=ALL): it is started with the run's.
    const env = { ...ps.env, MREORG_RUN_ID: ps.token };
    return this.run('sbatch', args, env);
  }

  /** The Run of a job that ended, from its files and SLURM's last word. */
  private async runOfJob(spec: ScriptRunSpec, note: JobNote, end: JobEnd, state: JobState): Promise<Run> {
    const files = jobFiles(spec.workDir, note.runId);
    const status = end === 'gone' ? null : end;
    // SLURM gives a job cancelled while it waited a start time too (the cancel's): only one with a node ran.
    const ran = status !== null && status.node !== null && status.startedMs !== null;
    const marker = readWords(files.marker) ?? (ran ? await waitForFile(files.marker) : null);
    const exit = readWords(files.exit);
    const exitCode = exit ? Number(exit[0]) : null;
    const startedMs = marker ? Number(marker[1]) : ran ? status.startedMs : null;
    const endedMs = exit ? Number(exit[1]) : status?.endedMs ?? null;
    const outcome = status
      ? outcomeOf(status, exitCode, { stopped: state.stopped, mem: resourcesOf(spec.runconfig, this.opts.slurm).mem ?? null, overMem: OVER_MEMORY.test(tail(files.err)) })
      : goneOutcome(note.jobId, exitCode, state.stopped);
    // (A dead build may have read and removed the files of a job it then could not record.)
    if (status && ran && !marker && !state.adopted && (status.state === 'COMPLETED' || status.state === 'FAILED')) {
      outcome.result = 'failed';
      outcome.type = 'SharedFileSystem';
      outcome.message = notShared(note.jobId, status.node, files.marker);
    }
    const abs = path.join(spec.root, spec.path);
    const ps = processSpec(spec, note.runId, abs, manifestOf(spec.workDir, note.runId));
    const out = await outcomeFromFiles(ps, files, outcome, exitCode, startedMs !== null && endedMs !== null ? endedMs - startedMs : 0);
    const manifest = readManifest(ps.env.MREORG_MANIFEST!, spec.maxBytes);
    const startedAt = new Date(startedMs ?? Date.parse(note.submittedAt)).toISOString();
    const run = runOf(spec, { id: note.runId, abs, startedAt, out, manifest });
    fs.rmSync(ps.env.MREORG_MANIFEST!, { force: true });
    removeJobFiles(files);
    if (outcome.message) run.error = { type: outcome.type ?? 'Slurm', message: outcome.message, traceback: run.error?.traceback ?? '', frames: run.error?.frames ?? [] };
    if (outcome.result === 'timeout') run.error = { ...run.error!, message: `SLURM stopped job ${note.jobId} at its time limit (--time=${Math.ceil((spec.runconfig.timeout ?? 60) / 60)} min, from the timeout of ${spec.runconfig.timeout} s)` };
    run.job = jobOf(note, status, marker?.[0] ?? null, startedMs, state.reason);
    return run;
  }

  /** A run that never became a job. */
  private failedRun(spec: ScriptRunSpec, runId: string, ps: ProcessSpec | null, startedAt: string, error: { type: string; message: string }, result: 'failed' | 'interrupted' = 'failed'): Run {
    ps ??= processSpec(spec, runId, path.join(spec.root, spec.path), manifestOf(spec.workDir, runId));
    const out = emptyOutcome(ps);
    if (result === 'interrupted') out.interrupted = true;
    else out.spawnError = error.message;
    const run = runOf(spec, { id: runId, abs: path.join(spec.root, spec.path), startedAt, out, manifest: null });
    run.error = { ...error, traceback: '', frames: [] };
    return run;
  }
}

function manifestOf(workDir: string, runId: string): string {
  return path.join(workDir, 'tmp', `${runId}.manifest.json`);
}

/** No state from SLURM (it left the queue, no accounting): the launcher's exit status says how it ended. */
function goneOutcome(jobId: string, exitCode: number | null, stopped: boolean): Outcome {
  if (exitCode === 0) return { result: 'success', message: null, type: null };
  if (exitCode !== null) return { result: 'failed', message: null, type: null };
  if (stopped) return { result: 'interrupted', message: null, type: null };
  return { result: 'interrupted', type: 'Lost', message: `SLURM job ${jobId} left the queue without an exit status (killed, or its node failed); it runs again next build` };
}

function notShared(jobId: string, node: string | null, marker: string): string {
  return (
    `SLURM job ${jobId} ran${node ? ` on ${node}` : ''}, but the file it writes when it starts (${marker}) is not visible on this machine: ` +
    'the project folder must be on a file system that the cluster\'s nodes share with the machine mreorg runs on (see "Running on a cluster" in the README)'
  );
}

/** On a network file system a file written on a node can take a moment to show here. */
async function waitForFile(file: string): Promise<string[] | null> {
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 300));
    const w = readWords(file);
    if (w) return w;
  }
  return null;
}

function emptyOutcome(ps: ProcessSpec): ProcessOutcome {
  return {
    exitCode: null,
    signal: null,
    timedOut: false,
    interrupted: false,
    durationMs: 0,
    stdout: new OutputCapture(ps.maxBytes, ps.stdoutLog),
    stderr: new OutputCapture(ps.maxBytes, ps.stderrLog),
    spawnError: null,
    strays: 0,
  };
}

/** The job's outcome as a local process's, its output read from the job's files through the same bounded capture. */
async function outcomeFromFiles(ps: ProcessSpec, files: JobFiles, o: Outcome, exitCode: number | null, durationMs: number): Promise<ProcessOutcome> {
  const out = emptyOutcome(ps);
  feed(files.out, out.stdout);
  feed(files.err, out.stderr);
  await out.stdout.close();
  await out.stderr.close();
  out.durationMs = Math.max(0, durationMs);
  out.timedOut = o.result === 'timeout';
  out.interrupted = o.result === 'interrupted';
  // bash reports a script killed by signal n as 128 + n.
  const sig = exitCode !== null && exitCode > 128 && exitCode < 160 ? signalName(exitCode - 128) : null;
  out.signal = sig;
  out.exitCode = sig ? null : exitCode;
  if (o.result === 'failed' && exitCode === 0) out.exitCode = null;
  return out;
}

/** The last 64 KiB of a file ('' when it cannot be read): where slurmstepd's last words are. */
function tail(file: string): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const buf = Buffer.alloc(Math.min(size, 65536));
      fs.readSync(fd, buf, 0, buf.length, size - buf.length);
      return buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

function signalName(n: number): string | null {
  return Object.entries(os.constants.signals).find(([, v]) => v === n)?.[0] ?? null;
}

function feed(file: string, capture: OutputCapture): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return;
  }
  try {
    const buf = Buffer.alloc(1 << 20);
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) capture.write(Buffer.from(buf.subarray(0, n)));
  } finally {
    fs.closeSync(fd);
  }
}

function jobOf(note: JobNote, s: JobStatus | null, node: string | null, startedMs: number | null, reason: string | null): RunJob {
  const submitted = Date.parse(note.submittedAt);
  const job: RunJob = {
    executor: 'slurm',
    id: note.jobId,
    node: node ?? s?.node ?? null,
    queuedMs: startedMs !== null ? Math.max(0, startedMs - submitted) : null,
    state: s?.state ?? 'unknown',
  };
  if (reason) job.reason = reason;
  return job;
}
