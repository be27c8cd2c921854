/**
 * Bounded capture of one output stream. Keeps the first and last `maxBytes / 2` bytes in memory; once the stream
 * outgrows that, the whole stream goes to a log file (head written first, then every later chunk), so a script
 * printing a gigabyte costs mreorg a fixed amount of memory and nothing is lost.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CapturedOutput } from '../model/run.js';

type LogState = 'none' | 'open' | 'failed' | 'closed';

export class OutputCapture {
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;
  /**
   * The log file is written synchronously: a stream would buffer in memory whenever the script prints faster
   * than the disk takes it, while a blocking write leaves the backlog in the script's pipe (the script waits).
   */
  private fd = -1;
  private logState: LogState = 'none';
  private readonly half: number;

  constructor(
    maxBytes: number,
    private readonly logFile: string,
  ) {
    this.half = Math.max(1, Math.floor(maxBytes / 2));
  }

  write(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.logState === 'open') this.append(chunk);
    if (this.headBytes < this.half) {
      const take = chunk.subarray(0, this.half - this.headBytes);
      this.head.push(take);
      this.headBytes += take.length;
      chunk = chunk.subarray(take.length);
      if (chunk.length === 0) return;
    }
    if (this.logState === 'none') this.openLog(chunk);
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= this.half) {
      this.tailBytes -= this.tail.shift()!.length;
    }
  }

  /** First overflow: the log starts with everything seen so far. */
  private openLog(chunk: Buffer): void {
    try {
      fs.mkdirSync(path.dirname(this.logFile), { recursive: true });
      this.fd = fs.openSync(this.logFile, 'w');
      this.logState = 'open';
    } catch {
      this.logState = 'failed'; // head and tail are still kept
      return;
    }
    this.append(Buffer.concat(this.head));
    this.append(chunk);
  }

  private append(b: Buffer): void {
    try {
      fs.writeSync(this.fd, b);
    } catch {
      // A full disk: the log stops, head and tail are still captured.
      fs.closeSync(this.fd);
      this.logState = 'failed';
    }
  }

  async close(): Promise<void> {
    if (this.logState === 'open') {
      fs.closeSync(this.fd);
      this.logState = 'closed';
    }
  }

  /** `relLog` makes the log path project-relative. Text is decoded as UTF-8 with U+FFFD for invalid bytes. */
  result(relLog: (abs: string) => string): CapturedOutput {
    const head = Buffer.concat(this.head);
    let tail = Buffer.concat(this.tail);
    if (tail.length > this.half) tail = tail.subarray(tail.length - this.half);
    const dropped = this.total - head.length - tail.length;
    const text =
      dropped > 0
        ? `${head.toString('utf8')}\n[... ${dropped} bytes dropped by mreorg; full output in the log file ...]\n${tail.toString('utf8')}`
        : Buffer.concat([head, tail]).toString('utf8');
    const logged = this.logState === 'open' || this.logState === 'closed';
    return { text, totalBytes: this.total, droppedBytes: dropped, logFile: logged ? relLog(this.logFile) : null };
  }
}
