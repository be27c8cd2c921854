/**
 * The output of a script a worker is running, as it comes, for the served page's live tail: one file per script
 * and runconfig in `live/` of the ledger folder, emptied when the run starts and removed when it ends (the run's
 * page then has the output). Bounded: past MAX_BYTES it starts again from a marker, so a chatty script costs a
 * fixed amount of disk; readers only ever want its end.
 */
import fs from 'node:fs';
import path from 'node:path';
import { slugFor } from '../ledger/ledger.js';

const MAX_BYTES = 1 << 20;

export function liveLogFile(ledgerDir: string, relPath: string, runconfig: string): string {
  return path.join(ledgerDir, 'live', `${slugFor(relPath)}@${runconfig.replace(/[^A-Za-z0-9._-]/g, '_')}.log`);
}

export class LiveLog {
  private fd: number | null = null;
  private size = 0;

  constructor(private readonly file: string) {}

  start(): void {
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      this.fd = fs.openSync(this.file, 'w');
    } catch {
      this.fd = null; // a live view is a nicety: never a reason not to run the script
    }
  }

  write(chunk: Buffer): void {
    if (this.fd === null) return;
    try {
      if (this.size + chunk.length > MAX_BYTES) {
        fs.ftruncateSync(this.fd, 0);
        const marker = Buffer.from('[... earlier output left out of the live view ...]\n');
        fs.writeSync(this.fd, marker, 0, marker.length, 0);
        this.size = marker.length;
      }
      fs.writeSync(this.fd, chunk, 0, chunk.length, this.size);
      this.size += chunk.length;
    } catch {
      // as above
    }
  }

  end(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    fs.rmSync(this.file, { force: true });
  }
}

/** The last `bytes` of a live log as text; null when the script is not running under a worker. */
export function readTail(file: string, bytes = 16_384): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const n = Math.min(size, bytes);
    const buf = Buffer.alloc(n);
    fs.readSync(fd, buf, 0, n, size - n);
    // Cut at a line start when the tail began mid-file (and maybe mid-character).
    const text = buf.toString('utf8');
    return n < size ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    fs.closeSync(fd);
  }
}
