/**
 * Text a script controls (its output, its exception, its file names) made safe to print on a terminal: control
 * characters (ESC, BEL, CR, backspace, the C1 range) and the Unicode controls that reorder or break lines become
 * visible escapes such as `\x1b`, so nothing a script writes can move the cursor, clear the screen, retitle the
 * window or split one of mreorg's lines in two.
 *
 * @example printable('a\x1b[2Jb') === 'a\\x1b[2Jb'
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escape(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** For one line (a path, an error message in a summary): newlines and tabs are escaped too. */
export function printable(s: string): string {
  return s.replace(CONTROL, escape);
}

/** For a block (stdout shown by `show`): newlines and tabs are kept, every other control is escaped. */
export function printableBlock(s: string): string {
  return s.replace(CONTROL_BUT_LINES, escape);
}
