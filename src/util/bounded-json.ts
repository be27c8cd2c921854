/**
 * Reads a JSON file in memory bounded by the longest string it keeps, not by the file's size. A script can raise
 * an exception whose message is hundreds of megabytes: the shim's manifest then holds it twice (message and
 * traceback), and a ledger written by an older mreorg may hold it too. `JSON.parse` of such a file costs several
 * times its size; this reader streams it and keeps of every over-long string its head and tail around a marker
 * (src/util/headtail.ts), as output streams are kept.
 *
 * Small files, the usual case, go to `JSON.parse` whole (much faster); their strings are returned unbounded and the
 * caller bounds the fields it cares about with boundText().
 */
import fs from 'node:fs';
import { boundedBytes, fitsBound } from './headtail.js';

const CHUNK = 1 << 20;

export interface BoundedJson {
  value: unknown;
  /** How many strings were cut. */
  cut: number;
}

/**
 * The file's JSON value; null when the file does not exist. Throws SyntaxError when it is not JSON. Files of
 * `fastBelow` bytes or more are streamed, every string longer than `maxStringBytes` (plus a marker) cut.
 */
export function readJsonBounded(file: string, maxStringBytes: number, fastBelow: number): BoundedJson | null {
  try {
    // By path: Node decodes a whole UTF-8 file without an intermediate Buffer, the fastest read there is.
    if (fs.statSync(file).size < fastBelow) return { value: JSON.parse(fs.readFileSync(file, 'utf8')), cut: 0 };
    const fd = fs.openSync(file, 'r');
    try {
      return new StreamParser(fd, maxStringBytes).document();
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

const WS = new Set([0x20, 0x0a, 0x0d, 0x09]);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SIMPLE_ESCAPES: Record<number, number> = { 0x22: 0x22, 0x5c: 0x5c, 0x2f: 0x2f, 0x62: 8, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9 };

/** A recursive-descent JSON parser over a file read a chunk at a time. */
class StreamParser {
  private buf = Buffer.alloc(0);
  private pos = 0;
  private offset = 0;
  private eof = false;
  private cut = 0;

  constructor(
    private readonly fd: number,
    private readonly maxString: number,
  ) {}

  document(): BoundedJson {
    try {
      const value = this.value();
      if (this.skipWs() !== -1) throw this.fail('Unexpected data after JSON');
      return { value, cut: this.cut };
    } catch (e) {
      if (e instanceof RangeError) throw new SyntaxError('JSON nested too deeply'); // stack overflow
      throw e;
    }
  }

  /** The next byte without taking it; -1 at the end of the file. */
  private peek(): number {
    if (this.pos >= this.buf.length) {
      if (this.eof) return -1;
      const chunk = Buffer.allocUnsafe(CHUNK);
      const n = fs.readSync(this.fd, chunk, 0, CHUNK, null);
      this.offset += this.buf.length;
      this.buf = chunk.subarray(0, n);
      this.pos = 0;
      if (n === 0) {
        this.eof = true;
        return -1;
      }
    }
    return this.buf[this.pos]!;
  }

  private take(): number {
    const c = this.peek();
    if (c === -1) throw this.fail('Unexpected end of JSON input');
    this.pos++;
    return c;
  }

  private skipWs(): number {
    let c = this.peek();
    while (WS.has(c)) {
      this.pos++;
      c = this.peek();
    }
    return c;
  }

  private fail(what: string): SyntaxError {
    return new SyntaxError(`${what} at byte ${this.offset + this.pos}`);
  }

  private expect(c: number): void {
    if (this.skipWs() !== c) throw this.fail(`Expected '${String.fromCharCode(c)}'`);
    this.pos++;
  }

  private value(): unknown {
    const c = this.skipWs();
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === QUOTE) return this.string();
    return this.scalar();
  }

  private object(): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    if (this.skipWs() === 0x7d) return this.pos++, out;
    for (;;) {
      if (this.skipWs() !== QUOTE) throw this.fail('Expected a property name');
      const key = this.string();
      this.expect(0x3a);
      // defineProperty: a key "__proto__" is an own property, as JSON.parse makes it, not the prototype.
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      const c = this.skipWs();
      this.pos++;
      if (c === 0x7d) return out;
      if (c !== 0x2c) throw this.fail("Expected ',' or '}'");
    }
  }

  private array(): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    if (this.skipWs() === 0x5d) return this.pos++, out;
    for (;;) {
      out.push(this.value());
      const c = this.skipWs();
      this.pos++;
      if (c === 0x5d) return out;
      if (c !== 0x2c) throw this.fail("Expected ',' or ']'");
    }
  }

  /** true, false, null or a number: short, so gathered whole and checked by JSON.parse. */
  private scalar(): unknown {
    let token = '';
    for (let c = this.peek(); c !== -1 && /[-+.0-9a-zA-Z]/.test(String.fromCharCode(c)); c = this.peek()) {
      token += String.fromCharCode(c);
      this.pos++;
      if (token.length > 400) break;
    }
    if (token === '') throw this.fail('Unexpected token');
    return JSON.parse(token);
  }

  /** A string (the opening quote is next), its bytes kept head and tail: memory stays within the bound. */
  private string(): string {
    this.pos++;
    const kept = boundedBytes(this.maxString);
    let high = -1; // a \uD800-\uDBFF escape waiting for its low half
    for (;;) {
      if (this.peek() === -1) throw this.fail('Unterminated string');
      const end = nextSpecial(this.buf, this.pos);
      if (end > this.pos) {
        if (high !== -1) (kept.push(utf8(0xfffd)), (high = -1));
        kept.push(this.buf.subarray(this.pos, end));
      }
      this.pos = end;
      if (end === this.buf.length) continue;
      this.pos++;
      if (this.buf[end] === QUOTE) break;
      const unit = this.escape();
      if (unit >= 0xdc00 && unit <= 0xdfff && high !== -1) {
        kept.push(utf8(0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00)));
        high = -1;
        continue;
      }
      if (high !== -1) (kept.push(utf8(0xfffd)), (high = -1));
      if (unit >= 0xd800 && unit <= 0xdbff) high = unit;
      else kept.push(utf8(unit >= 0xdc00 && unit <= 0xdfff ? 0xfffd : unit));
    }
    if (high !== -1) kept.push(utf8(0xfffd));
    if (!fitsBound(kept.totalBytes, this.maxString)) this.cut++;
    return kept.result().text;
  }

  /** The UTF-16 unit an escape (after its backslash) stands for. */
  private escape(): number {
    const c = this.take();
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined) return simple;
    if (c !== 0x75) throw this.fail('Bad escape in string');
    let hex = '';
    for (let i = 0; i < 4; i++) hex += String.fromCharCode(this.take());
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.fail('Bad \\u escape in string');
    return parseInt(hex, 16);
  }
}

/** Index of the next quote or backslash in `buf` from `from`, or its length. */
function nextSpecial(buf: Buffer, from: number): number {
  const q = buf.indexOf(QUOTE, from);
  const b = buf.indexOf(BACKSLASH, from);
  if (q === -1) return b === -1 ? buf.length : b;
  return b === -1 ? q : Math.min(q, b);
}

function utf8(codePoint: number): Buffer {
  return Buffer.from(String.fromCodePoint(codePoint), 'utf8');
}
