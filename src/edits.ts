/**
 * The one edit model: a transform returns ranges of the text it was given plus their replacement.
 * The same edits drive the diff, the write and the idempotency check, so bytes outside the ranges
 * are untouched by construction.
 */
export interface TextEdit {
  /** Offset of the first replaced character. */
  start: number;
  /** Offset after the last replaced character (equal to `start` for an insertion). */
  end: number;
  text: string;
}

export function insertAt(offset: number, text: string): TextEdit {
  return { start: offset, end: offset, text };
}

export function replaceRange(start: number, end: number, text: string): TextEdit {
  return { start, end, text };
}

export class OverlappingEditsError extends Error {}

/** Applies non-overlapping edits; insertions at the same offset keep their given order. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  if (edits.length === 0) return text;
  const ordered = edits
    .map((edit, index) => ({ edit, index }))
    .sort((a, b) => a.edit.start - b.edit.start || a.edit.end - b.edit.end || a.index - b.index);
  let out = '';
  let cursor = 0;
  for (const { edit } of ordered) {
    if (edit.start < cursor || edit.end < edit.start || edit.end > text.length) {
      throw new OverlappingEditsError(`edit ${edit.start}-${edit.end} overlaps an earlier edit or is out of range`);
    }
    out += text.slice(cursor, edit.start) + edit.text;
    cursor = edit.end;
  }
  return out + text.slice(cursor);
}

/**
 * Maps an offset in the text produced by `edits` back to the text they were applied to (an offset
 * inside inserted text maps to where the insertion happened).
 */
export function mapOffsetBack(offset: number, edits: readonly TextEdit[]): number {
  let delta = 0;
  for (const edit of [...edits].sort((a, b) => a.start - b.start || a.end - b.end)) {
    const newStart = edit.start + delta;
    if (offset < newStart) break;
    if (offset < newStart + edit.text.length) return edit.start;
    delta += edit.text.length - (edit.end - edit.start);
  }
  return offset - delta;
}

/**
 * Re-targets edits made against a text onto that text after `steps` were applied in order (each
 * step's edits are offsets into the previous step's output). Null when an edit overlaps a range a
 * step replaced: then the two changes touch the same bytes and cannot both be kept.
 */
export function rebaseEdits(edits: readonly TextEdit[], steps: readonly (readonly TextEdit[])[]): TextEdit[] | null {
  let current: TextEdit[] = [...edits];
  for (const step of steps) {
    const sorted = [...step].sort((a, b) => a.start - b.start || a.end - b.end);
    const next: TextEdit[] = [];
    for (const edit of current) {
      let delta = 0;
      for (const s of sorted) {
        const touches = s.start < edit.end && edit.start < s.end; // overlapping replaced ranges
        const inside = s.start === s.end && edit.start < s.start && s.start < edit.end; // an insertion within the edited range
        if (touches || inside) return null;
        if (s.end <= edit.start) delta += s.text.length - (s.end - s.start);
      }
      next.push({ start: edit.start + delta, end: edit.end + delta, text: edit.text });
    }
    current = next;
  }
  return current;
}
