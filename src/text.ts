/**
 * Text encoding helpers: every file is read once into a {@link SourceText}, transforms work on
 * LF-only text, and the original BOM, line endings and final newline are restored on output.
 *
 * A file whose line breaks are all CRLF is converted to LF for the transforms and back on output;
 * that round trip is exact. A file with mixed line endings is passed through untouched (transforms
 * see the `\r`), so no byte a transform did not touch can change.
 */
export type Eol = '\n' | '\r\n';

export interface SourceText {
  /** Text the transforms see: BOM removed, CRLF converted to LF when the file is uniformly CRLF. */
  text: string;
  eol: Eol;
  bom: boolean;
}

const BOM = '\uFEFF';

export function decodeText(raw: string): SourceText {
  const bom = raw.startsWith(BOM);
  const body = bom ? raw.slice(1) : raw;
  const crlf = (body.match(/\r\n/g) ?? []).length;
  const lf = (body.match(/\n/g) ?? []).length;
  const uniformCrlf = crlf > 0 && crlf === lf;
  return { text: uniformCrlf ? body.replace(/\r\n/g, '\n') : body, eol: uniformCrlf ? '\r\n' : '\n', bom };
}

export function encodeText(source: Omit<SourceText, 'text'>, text: string): string {
  const body = source.eol === '\r\n' ? text.replace(/\n/g, '\r\n') : text;
  return (source.bom ? BOM : '') + body;
}

/** 1-based line number of a character offset. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * {@link lineOfOffset} for many offsets into one text: the line starts are found once and each
 * lookup is a binary search, so reporting a line per node stays linear in the file's size.
 */
export function lineIndex(text: string): (offset: number) => number {
  const starts = lineStarts(text);
  return (offset) => {
    // The number of line starts at or before `offset` is its 1-based line.
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((starts[mid] as number) <= offset) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(1, lo);
  };
}

/** Character offsets where each line starts (index 0 = line 1). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}
