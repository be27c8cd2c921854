/**
 * Bounded capture of one output stream. Keeps the first and last `maxBytes / 2` bytes in memory; once the stream
 * outgrows that, the whole stream goes to a log file (head written first, then every later chunk), so a script
 * printing a gigabyte costs mreorg a fixed amount of memory and nothing is lost.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CapturedOutput } from '../model/run.js';
import { HeadTail } from '../util/headtail.js';

type LogState = 'none' | 'open' | 'failed' | 'closed';

export class OutputCapture {
  private readonly kept: HeadTail;
  /**
   * The log file is written synchronously: a stream would buffer in memory whenever the script prints faster
   * than the disk takes it, while a blocking write leaves the backlog in the script's pipe (the script waits).
   */
  private fd = -1;
  private logState: LogState = 'none';

  constructor(
    maxBytes: number,
    private readonly logFile: string,
  ) {
    this.kept = new HeadTail(maxBytes);
  }

  write(chunk: Buffer): void {
    if (this.logState === 'open') this.append(chunk);
    const past = this.kept.push(chunk);
    if (past.length > 0 && this.logState === 'none') this.openLog(past);
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
    this.append(this.kept.headBuffer());
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
    const { text, droppedBytes } = this.kept.result('; full output in the log file');
    const logged = this.logState === 'open' || this.logState === 'closed';
    return { text, totalBytes: this.kept.totalBytes, droppedBytes, logFile: logged ? relLog(this.logFile) : null };
  }
}
