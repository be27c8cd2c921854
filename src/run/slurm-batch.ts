/**
 * A run as a SLURM batch job: the job's files in the ledger folder, the batch script (the same launcher command
 * line a local run starts, in the same environment) and the sbatch options.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Runconfig, SlurmConfig } from '../config/types.js';
import type { ProcessSpec } from './process.js';

/** Where one run's job keeps its files. `marker` is written when the job starts, `exit` when the script ended. */
export interface JobFiles {
  batch: string;
  out: string;
  err: string;
  marker: string;
  exit: string;
}

export function jobFiles(workDir: string, runId: string): JobFiles {
  const base = path.join(workDir, 'slurm', runId);
  return { batch: `${base}.sh`, out: `${base}.out`, err: `${base}.err`, marker: `${base}.started`, exit: `${base}.exit` };
}

/** Single-quoted for bash. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The batch script. It enters the script's folder itself (sbatch runs a job whose --chdir is missing in /tmp and
 * calls it a success), writes the start marker (host, epoch ms) that proves the submitter and the node share the
 * project, runs the launcher, and writes the exit status beside its output: the one fallback that works on every
 * cluster, accounting or not.
 */
export function batchScript(spec: ProcessSpec, files: JobFiles, label: string): string {
  const cmd = [spec.command, ...spec.args].map(shq).join(' ');
  return [
    '#!/bin/bash',
    `# mreorg: ${label.replace(/[\r\n]/g, ' ')}`,
    `cd -- ${shq(spec.cwd)} || { echo "mreorg: cannot enter ${spec.cwd.replace(/[^A-Za-z0-9/._ -]/g, '?')} on $(hostname)" >&2; exit 97; }`,
    `printf '%s %s\\n' "$(hostname -s)" "$(date +%s%3N)" > ${shq(files.marker)} || exit 98`,
    `${cmd} < /dev/null`,
    'code=$?',
    `printf '%s %s\\n' "$code" "$(date +%s%3N)" > ${shq(files.exit)}.tmp && mv -f ${shq(files.exit)}.tmp ${shq(files.exit)}`,
    'exit $code',
    '',
  ].join('\n');
}

/** --time in whole minutes, rounded up; none without a timeout. */
export function timeLimit(timeoutS: number | null): string | null {
  return timeoutS === null ? null : String(Math.max(1, Math.ceil(timeoutS / 60)));
}

/** The script's resources: its own settings win over the runconfig's executor. */
export function resourcesOf(rc: Runconfig, slurm: SlurmConfig): { cpus?: number; mem?: string; partition?: string } {
  const r = rc.resources ?? {};
  const out: { cpus?: number; mem?: string; partition?: string } = {};
  const cpus = r.cpus ?? slurm.cpus;
  const mem = r.mem ?? slurm.mem;
  const partition = r.partition ?? slurm.partition;
  if (cpus !== undefined) out.cpus = cpus;
  if (mem !== undefined) out.mem = mem;
  if (partition !== undefined) out.partition = partition;
  return out;
}

export function sbatchArgs(spec: ProcessSpec, files: JobFiles, rc: Runconfig, slurm: SlurmConfig, jobName: string): string[] {
  const res = resourcesOf(rc, slurm);
  const time = timeLimit(rc.timeout);
  return [
    '--parsable',
    `--job-name=${jobName}`,
    `--chdir=${spec.cwd}`,
    `--output=${files.out}`,
    `--error=${files.err}`,
    // The environment sbatch is started with (the run's: ours, the runconfig's, the launcher's) goes along.
    '--export=ALL',
    ...(time ? [`--time=${time}`] : []),
    ...(res.partition ? [`--partition=${res.partition}`] : []),
    ...(res.cpus ? [`--cpus-per-task=${res.cpus}`] : []),
    ...(res.mem ? [`--mem=${res.mem}`] : []),
    ...(slurm.account ? [`--account=${slurm.account}`] : []),
    ...(slurm.extra ?? []),
    files.batch,
  ];
}

/** Writes the batch script (and makes the folders sbatch needs: a missing --output folder fails the job at launch). */
export function writeBatch(spec: ProcessSpec, files: JobFiles, label: string): void {
  fs.mkdirSync(path.dirname(files.batch), { recursive: true });
  fs.mkdirSync(path.dirname(spec.stdoutLog), { recursive: true });
  fs.writeFileSync(files.batch, batchScript(spec, files, label), { mode: 0o755 });
}

/** A file's first line split on spaces, or null when it cannot be read. */
export function readWords(file: string): string[] | null {
  try {
    return fs.readFileSync(file, 'utf8').trim().split(/\s+/);
  } catch {
    return null;
  }
}

/** Removes the job's files once its run is built (its output is then in the run, or in the log files). */
export function removeJobFiles(files: JobFiles): void {
  for (const f of [files.batch, files.out, files.err, files.marker, files.exit]) fs.rmSync(f, { force: true });
}
