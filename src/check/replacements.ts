/**
 * A pending change as replacements in the original file: what SARIF `fixes` carry and where a
 * pending-change finding points. Computed from the file before and after (line-wise, so each
 * replacement covers whole lines and applies to the file exactly as it is on disk).
 */
import { diffLines } from 'diff';

export interface Replacement {
  /** 1-based first line of the original that is replaced (for an insertion: the line it goes before). */
  startLine: number;
  /** Number of original lines replaced (0 for an insertion). */
  lineCount: number;
  /** Character offset and length of the replaced text in the original. */
  charOffset: number;
  charLength: number;
  insertedText: string;
}

export function replacements(before: string, after: string): Replacement[] {
  const out: Replacement[] = [];
  let line = 1;
  let offset = 0;
  let current: Replacement | null = null;
  for (const part of diffLines(before, after)) {
    const lines = part.count ?? 0;
    if (!part.added && !part.removed) {
      if (current) out.push(current);
      current = null;
      line += lines;
      offset += part.value.length;
      continue;
    }
    current ??= { startLine: line, lineCount: 0, charOffset: offset, charLength: 0, insertedText: '' };
    if (part.removed) {
      current.lineCount += lines;
      current.charLength += part.value.length;
      line += lines;
      offset += part.value.length;
    } else current.insertedText += part.value;
  }
  if (current) out.push(current);
  return out;
}
