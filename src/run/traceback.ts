/**
 * The fallback when the shim wrote no manifest (a crash in C code, os._exit, a kill): find the last Python
 * traceback on stderr and parse its frames and final `Type: message` line. The message and traceback are kept to
 * `maxBytes` each (head and tail, as output is).
 */
import { DEFAULT_OUTPUT_MAX_BYTES } from '../config/resolve.js';
import type { RunError, TraceFrame } from '../model/run.js';
import { boundText } from '../util/headtail.js';

const FRAME = /^ {2}File "(.+)", line (\d+), in (.+)$/;

export function parseTraceback(stderr: string, maxBytes = DEFAULT_OUTPUT_MAX_BYTES): RunError | null {
  const lines = stderr.split(/\r?\n/);
  const start = lines.lastIndexOf('Traceback (most recent call last):');
  if (start === -1) return null;
  const frames: TraceFrame[] = [];
  let i = start + 1;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const m = FRAME.exec(line);
    if (m) {
      const next = lines[i + 1];
      const code = next !== undefined && next.startsWith('    ') && !FRAME.test(next) ? next.trim() : undefined;
      frames.push({ file: m[1]!, line: Number(m[2]), function: m[3]!, ...(code !== undefined ? { code } : {}) });
      continue;
    }
    if (line.startsWith(' ')) continue; // source lines, carets (^^^), "[Previous line repeated ...]"
    break;
  }
  // The exception line may span several lines (a multi-line message); stop at the first blank line.
  const rest: string[] = [];
  for (; i < lines.length && lines[i] !== ''; i++) rest.push(lines[i]!);
  const first = rest[0] ?? '';
  const colon = first.indexOf(':');
  const type = colon === -1 ? first.trim() : first.slice(0, colon).trim();
  const message = colon === -1 ? '' : [first.slice(colon + 1).trim(), ...rest.slice(1)].join('\n').trim();
  const traceback = lines.slice(start, i).join('\n');
  if (!type || /\s/.test(type)) return null;
  return { type, message: boundText(message, maxBytes), traceback: boundText(traceback, maxBytes), frames };
}
