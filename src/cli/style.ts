/** Colour only for a terminal that wants it: NO_COLOR, FORCE_COLOR=0 and pipes get plain text. */
export function colorEnabled(stream: NodeJS.WriteStream): boolean {
  if ('NO_COLOR' in process.env && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR === '0') return false;
  if (process.env.FORCE_COLOR) return true;
  return Boolean(stream.isTTY);
}

const code = (open: number, close: number) => (on: boolean, s: string) => (on ? `\u001b[${open}m${s}\u001b[${close}m` : s);
export const red = code(31, 39);
export const green = code(32, 39);
export const yellow = code(33, 39);
export const cyan = code(36, 39);
export const dim = code(2, 22);
export const bold = code(1, 22);

/**
 * Text from the repo (file contents in messages, paths) made safe for a terminal: control
 * characters become visible escapes (`\x1b`, `\n`) so a binary file cannot move the cursor,
 * change colours or split one message over several lines.
 */
export function printable(text: string, keep = ''): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (keep.includes(c)) return c;
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}
