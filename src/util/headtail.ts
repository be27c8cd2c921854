/**
 * Bounded text: the first and last `maxBytes / 2` bytes of something arbitrarily long, joined by a marker saying
 * how much was dropped between them. Used for the output streams a run captures and for everything else a script
 * controls the length of (its exception message and traceback), so no script can make mreorg's memory, ledger or
 * report grow with what it prints or raises.
 */

/**
 * Room for the marker: a text that was bounded once is `maxBytes` plus a marker long, and bounding it again must
 * leave it as it is (a message is bounded when read from the manifest, and again whenever the ledger is read).
 */
const MARKER_ROOM = 160;

/**
 * Head and tail of a stream of byte chunks, in memory bounded by `maxBytes` (plus one chunk). With `slack`, a
 * stream up to `maxBytes + slack` long is kept whole; a longer one is still cut to `maxBytes`.
 */
export class HeadTail {
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;
  private readonly half: number;

  constructor(
    maxBytes: number,
    private readonly slack = 0,
  ) {
    this.half = Math.max(1, Math.floor(maxBytes / 2));
  }

  get totalBytes(): number {
    return this.total;
  }

  /** Keeps what belongs to the head or the tail; returns the part of `chunk` past the head (empty while within it). */
  push(chunk: Buffer): Buffer {
    this.total += chunk.length;
    if (this.headBytes < this.half) {
      const take = chunk.subarray(0, this.half - this.headBytes);
      this.head.push(take);
      this.headBytes += take.length;
      chunk = chunk.subarray(take.length);
      if (chunk.length === 0) return chunk;
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= this.half + this.slack) {
      this.tailBytes -= this.tail.shift()!.length;
    }
    return chunk;
  }

  /** The head kept so far (what a log file opened at the first overflow starts with). */
  headBuffer(): Buffer {
    return Buffer.concat(this.head);
  }

  /**
   * The kept text, decoded as UTF-8 (U+FFFD for invalid bytes); when bytes were dropped, head and tail around
   * a marker. `note` is added to the marker, e.g. where the whole text is.
   */
  result(note = ''): { text: string; droppedBytes: number } {
    let head = Buffer.concat(this.head);
    let tail = Buffer.concat(this.tail);
    if (this.total - head.length <= this.half + this.slack) return { text: Buffer.concat([head, tail]).toString('utf8'), droppedBytes: 0 };
    // Cut at character boundaries: no half character (shown as U+FFFD) on either side of the marker.
    head = head.subarray(0, wholeChars(head));
    tail = tail.subarray(tail.length - this.half);
    tail = tail.subarray(Math.min(leadingContinuations(tail), 3));
    const dropped = this.total - head.length - tail.length;
    return { text: `${head.toString('utf8')}\n[... ${dropped} bytes dropped by mreorg${note} ...]\n${tail.toString('utf8')}`, droppedBytes: dropped };
  }
}

/** Length of `buf` without a UTF-8 sequence cut short at its end. */
function wholeChars(buf: Buffer): number {
  for (let i = buf.length - 1; i >= Math.max(0, buf.length - 4); i--) {
    const b = buf[i]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: its lead is further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return i + need > buf.length ? i : buf.length;
  }
  return buf.length;
}

/** How many continuation bytes (the rest of a character cut off before) `buf` starts with. */
function leadingContinuations(buf: Buffer): number {
  let i = 0;
  while (i < buf.length && (buf[i]! & 0xc0) === 0x80) i++;
  return i;
}

/** Whether a text of `bytes` UTF-8 bytes is within `maxBytes` (a marker's length of slack: see MARKER_ROOM). */
export function fitsBound(bytes: number, maxBytes: number): boolean {
  return bytes <= maxBytes + MARKER_ROOM;
}

/** Head and tail of a stream, bounded as boundText() bounds a text (a stream that fits is kept whole). */
export function boundedBytes(maxBytes: number): HeadTail {
  return new HeadTail(maxBytes, MARKER_ROOM);
}

/** `text` itself when it fits in `maxBytes` (plus a marker), else its head and tail with a marker between. */
export function boundText(text: string, maxBytes: number, note = ''): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most texts are known to fit without encoding them.
  if (fitsBound(text.length * 3, maxBytes)) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (fitsBound(bytes.length, maxBytes)) return text;
  const kept = new HeadTail(maxBytes, MARKER_ROOM);
  kept.push(bytes);
  return kept.result(note).text;
}
