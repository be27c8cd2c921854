/**
 * Bounded capture of one output stream. Keeps the first and last `maxBytes / 2` bytes in memory; once the stream
 * outgrows that, the whole stream goes to a log file (head written first, then every later chunk), so a script
 * printing a gigabyte costs mreorg a fixed amount of memory and nothing is lost.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CapturedOutput } from '../ledger/types.js';

export class OutputCapture {
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;
  private log: fs.WriteStream | null = null;
  private readonly half: number;

  constructor(
    maxBytes: number,
    private readonly logFile: string,
  ) {
    this.half = Math.max(1, Math.floor(maxBytes / 2));
  }

  write(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.log) this.log.write(chunk);
    if (this.headBytes < this.half) {
      const take = chunk.subarray(0, this.half - this.headBytes);
      this.head.push(take);
      this.headBytes += take.length;
      chunk = chunk.subarray(take.length);
      if (chunk.length === 0) return;
    }
    if (!this.log) {
      fs.mkdirSync(path.dirname(this.logFile), { recursive: true });
      this.log = fs.createWriteStream(this.logFile);
      this.log.on('error', () => {});
      this.log.write(Buffer.concat(this.head));
      this.log.write(chunk);
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= this.half) {
      this.tailBytes -= this.tail.shift()!.length;
    }
  }

  /** Waits for the log file (if any) to be written out. */
  async close(): Promise<void> {
    const log = this.log;
    if (log) await new Promise<void>((resolve) => log.end(resolve));
  }

  /** `root` makes the log path project-relative. Text is decoded as UTF-8 with U+FFFD for invalid bytes. */
  result(relLog: (abs: string) => string): CapturedOutput {
    const head = Buffer.concat(this.head);
    let tail = Buffer.concat(this.tail);
    if (tail.length > this.half) tail = tail.subarray(tail.length - this.half);
    const kept = head.length + tail.length;
    const dropped = this.total - kept;
    const text =
      dropped > 0
        ? `${head.toString('utf8')}\n[... ${dropped} bytes dropped by mreorg; full output in the log file ...]\n${tail.toString('utf8')}`
        : Buffer.concat([head, tail]).toString('utf8');
    return { text, totalBytes: this.total, droppedBytes: dropped, logFile: this.log ? relLog(this.logFile) : null };
  }
}
