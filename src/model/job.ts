/** A cluster run's job for people: "SLURM job 1234: queued 3 min 05 s, ran 41 min 10 s on node07". */
import { formatDuration } from '../util/format.js';
import type { Run } from './run.js';

export function describeJob(run: Pick<Run, 'job' | 'durationMs'>): string | null {
  const j = run.job;
  if (!j) return null;
  const parts: string[] = [];
  if (j.queuedMs !== null) parts.push(`queued ${formatDuration(j.queuedMs)}`);
  else parts.push(`never started${j.reason ? ` (waiting: ${j.reason})` : ''}`);
  if (j.queuedMs !== null) parts.push(`ran ${formatDuration(run.durationMs)}${j.node ? ` on ${j.node}` : ''}`);
  return `SLURM job ${j.id}: ${parts.join(', ')}`;
}
