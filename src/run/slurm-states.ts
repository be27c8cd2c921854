/**
 * What SLURM says about a job, and what it means for the run: the parsing of one `squeue` (or `sacct`) line and the
 * mapping of SLURM's job states to mreorg's results. Pure, so it is tested without a cluster.
 */
import type { RunResult } from '../model/run.js';

/** The squeue fields mreorg asks for, in this order (`-O`, each ending in `|`). */
export const SQUEUE_FIELDS = ['JobID', 'State', 'Reason', 'exit_code', 'NodeList', 'SubmitTime', 'StartTime', 'EndTime'];

export interface JobStatus {
  id: string;
  /** SLURM's state, e.g. PENDING, RUNNING, COMPLETED, TIMEOUT. */
  state: string;
  /** Why a job waits (`Resources`, `Priority`...); null when SLURM gives none. */
  reason: string | null;
  /** The job's exit code and the signal that ended it, when known. */
  exitCode: number | null;
  signal: number | null;
  node: string | null;
  /** Epoch ms, when known. */
  submittedMs: number | null;
  startedMs: number | null;
  endedMs: number | null;
  /** Who cancelled it, when SLURM says (sacct's `CANCELLED by 1000`). */
  cancelledBy?: string;
}

/** States after which a job changes no more. COMPLETING is not one: the job is still being cleaned up. */
const FINAL = new Set(['COMPLETED', 'FAILED', 'TIMEOUT', 'CANCELLED', 'OUT_OF_MEMORY', 'NODE_FAIL', 'BOOT_FAIL', 'PREEMPTED', 'DEADLINE', 'SPECIAL_EXIT', 'REVOKED']);

export function isFinal(state: string): boolean {
  return FINAL.has(state);
}

/** SLURM prints times in the cluster's local time, without a zone; `N/A`, `NONE`, `Unknown` mean none yet. */
function timeOf(s: string | undefined): number | null {
  if (!s || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(s)) return null;
  const t = new Date(s).getTime();
  return Number.isNaN(t) ? null : t;
}

/** One line of `squeue -h -t all -O 'JobID:|,State:|,...'` (SQUEUE_FIELDS); null when it is not one. */
export function parseSqueueLine(line: string): JobStatus | null {
  const f = line.split('|').map((x) => x.trim());
  if (f.length < SQUEUE_FIELDS.length || !/^\d+/.test(f[0]!)) return null;
  // exit_code is a raw wait status: exit code in the high byte, signal in the low 7 bits.
  const raw = Number(f[3]);
  const ok = f[3] !== '' && Number.isInteger(raw);
  return {
    id: f[0]!,
    state: stateWord(f[1]!),
    reason: f[2] && f[2] !== 'None' ? f[2] : null,
    exitCode: ok ? raw >> 8 : null,
    signal: ok && (raw & 0x7f) !== 0 ? raw & 0x7f : null,
    node: f[4] && f[4] !== '(null)' ? f[4] : null,
    submittedMs: timeOf(f[5]),
    startedMs: timeOf(f[6]),
    endedMs: timeOf(f[7]),
  };
}

/** The fields of `sacct -n -P -X -o JobID,State,ExitCode,NodeList,Submit,Start,End`. */
export const SACCT_FIELDS = 'JobID,State,ExitCode,NodeList,Submit,Start,End';

/** One line of sacct's parsable output; ExitCode there is `code:signal`. */
export function parseSacctLine(line: string): JobStatus | null {
  const f = line.split('|').map((x) => x.trim());
  if (f.length < 7 || !/^\d+$/.test(f[0]!)) return null;
  const m = /^(\d+):(\d+)$/.exec(f[2]!);
  const by = cancelledBy(f[1]!);
  return {
    ...(by ? { cancelledBy: by } : {}),
    id: f[0]!,
    state: stateWord(f[1]!),
    reason: null,
    exitCode: m ? Number(m[1]) : null,
    signal: m && Number(m[2]) !== 0 ? Number(m[2]) : null,
    node: f[3] && f[3] !== 'None assigned' ? f[3] : null,
    submittedMs: timeOf(f[4]),
    startedMs: timeOf(f[5]),
    endedMs: timeOf(f[6]),
  };
}

/** `CANCELLED by 1000` -> CANCELLED (sacct says who). */
function stateWord(s: string): string {
  return s.split(/\s+/)[0]!.replace(/\+$/, '');
}

function outOfMemory(mem: string | null): Outcome {
  return { result: 'failed', type: 'OutOfMemory', message: mem ? `out of memory (${mem})` : 'out of memory' };
}

/** slurmstepd's words, in the job's stderr, when it kills a job past its --mem without cgroups. */
export const OVER_MEMORY = /^slurmstepd[^:]*: error: .*(Exceeded job memory limit|exceeded memory limit)/m;

/** Who cancelled a job, from sacct's `CANCELLED by UID`; null when not said. */
export function cancelledBy(state: string): string | null {
  return /^CANCELLED by (\S+)/.exec(state)?.[1] ?? null;
}

export interface Outcome {
  result: RunResult;
  /** Set when SLURM's state says more than the exit code: the run's error message. */
  message: string | null;
  /** The error type for `message`. */
  type: string | null;
}

/**
 * What a final state means for the run. `stopped`: this build cancelled the job (Ctrl-C). `exitCode` is the
 * script's own, when the launcher wrote it; else SLURM's. `overMem`: slurmstepd said it killed the job for its
 * memory (clusters without cgroups enforce --mem so, and call the job FAILED, not OUT_OF_MEMORY).
 */
export function outcomeOf(s: JobStatus, exitCode: number | null, ctx: { stopped: boolean; mem: string | null; overMem?: boolean }): Outcome {
  const code = exitCode ?? s.exitCode;
  if (ctx.overMem && exitCode === null && (s.state === 'FAILED' || s.state === 'CANCELLED')) return outOfMemory(ctx.mem);
  switch (s.state) {
    case 'COMPLETED':
    case 'FAILED':
      if (code === 0 && s.signal === null && s.state === 'COMPLETED') return { result: 'success', message: null, type: null };
      if (ctx.stopped && code === null) return { result: 'interrupted', message: null, type: null };
      return { result: 'failed', message: null, type: null };
    case 'TIMEOUT':
    case 'DEADLINE':
      return { result: 'timeout', message: null, type: null };
    case 'CANCELLED':
      if (ctx.stopped) return { result: 'interrupted', message: null, type: null };
      return {
        result: 'interrupted',
        type: 'Cancelled',
        message: `SLURM job ${s.id} was cancelled outside this build (${s.cancelledBy ? `by user ${s.cancelledBy}` : 'scancel, or an administrator'}); it runs again next build`,
      };
    case 'OUT_OF_MEMORY':
      return outOfMemory(ctx.mem);
    case 'NODE_FAIL':
    case 'BOOT_FAIL':
    case 'PREEMPTED':
      return { result: 'interrupted', type: s.state === 'PREEMPTED' ? 'Preempted' : 'NodeFailure', message: `SLURM job ${s.id} ended ${s.state}${s.node ? ` on ${s.node}` : ''}; it runs again next build` };
    default:
      return { result: 'failed', type: 'SlurmState', message: `SLURM job ${s.id} ended ${s.state}` };
  }
}
