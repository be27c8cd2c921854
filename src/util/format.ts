/** Text formats shared by the terminal and the report. Pure: no clock, no locale. */

/**
 * A duration for people: `850 ms`, `3.42 s`, `34.2 s`, `12 min 05 s`, `2 h 03 min`; `—` when unknown.
 * @example formatDuration(65_000) === '1 min 05 s'
 */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(2)} s`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const totalS = Math.round(s);
  if (totalS < 3600) return `${Math.floor(totalS / 60)} min ${pad2(totalS % 60)} s`;
  const totalMin = Math.round(totalS / 60);
  return `${Math.floor(totalMin / 60)} h ${pad2(totalMin % 60)} min`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * How long ago, roughly: `40 s ago`, `5 min ago`, `2 h ago`, `3 days ago`.
 * @example formatAgo(7_200_000) === '2 h ago'
 */
export function formatAgo(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400 * 2) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}
