/**
 * lineEdits (src/run/codemod.ts) turns a codemod's output into line edits. It leaves the lines both
 * texts begin with out of the diff; the edits must be exactly those of a plain diffLines of the whole
 * texts (the reference below), on random line edits of texts made of a few repeated lines (so that
 * a change can often sit at more than one place), with LF, CRLF and a last line with or without its
 * newline, and on every file the transform fixtures change.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffLines } from 'diff';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineEdits } from '../src/run/codemod.js';
import { applyEdits, type TextEdit } from '../src/edits.js';

/** The edits of a diff of the whole texts: lineEdits before it skipped the common leading lines. */
function wholeDiffEdits(before: string, after: string): TextEdit[] {
  const edits: TextEdit[] = [];
  let offset = 0;
  let pending: TextEdit | null = null;
  for (const part of diffLines(before, after)) {
    if (part.removed) {
      pending = pending ?? { start: offset, end: offset, text: '' };
      pending.end = offset + part.value.length;
      offset += part.value.length;
    } else if (part.added) {
      pending = pending ?? { start: offset, end: offset, text: '' };
      pending.text += part.value;
    } else {
      if (pending) edits.push(pending);
      pending = null;
      offset += part.value.length;
    }
  }
  if (pending) edits.push(pending);
  return edits;
}

const line = fc.constantFrom('}', '', '  x', 'a', 'import b', '  }', '\r');
const eol = fc.constantFrom('\n', '\n', '\r\n');
const lines = fc.array(fc.tuple(line, eol).map(([l, e]) => l + e), { maxLength: 12 });
const edit = fc.record({ at: fc.nat(), remove: fc.nat({ max: 3 }), insert: lines.map((l) => l.slice(0, 4)) });

/** `base` with the edits made one after another, its last newline dropped when asked. */
function edited(base: string[], edits: { at: number; remove: number; insert: string[] }[], open: boolean): string {
  const out = [...base];
  for (const e of edits) out.splice(e.at % (out.length + 1), e.remove, ...e.insert);
  const text = out.join('');
  return open ? text.replace(/\r?\n$/, '') : text;
}

describe('lineEdits', () => {
  it('gives the edits of a diff of the whole texts', () => {
    let leading = 0;
    fc.assert(
      fc.property(lines, fc.array(edit, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.boolean(), (base, edits, openBefore, openAfter) => {
        const before = edited(base, [], openBefore);
        const after = edited(base, edits, openAfter);
        const got = lineEdits(before, after);
        expect(got).toEqual(wholeDiffEdits(before, after));
        expect(applyEdits(before, got)).toBe(after);
        if (got.length && got[0]!.start > 0) leading++;
      }),
      { seed: 20261202, numRuns: 3000 },
    );
    // Not vacuous: many cases had common leading lines to leave out.
    expect(leading).toBeGreaterThan(1000);
  });

  it('gives the edits of a diff of the whole texts on every file a transform fixture changes', () => {
    const root = join(import.meta.dirname, '..', 'fixtures', 'transforms');
    let changed = 0;
    for (const transform of readdirSync(root))
      for (const fixture of readdirSync(join(root, transform))) {
        const before = join(root, transform, fixture, 'before');
        if (!existsSync(before)) continue;
        for (const file of readdirSync(before, { recursive: true, encoding: 'utf8' })) {
          const afterPath = join(root, transform, fixture, 'after', file);
          if (!existsSync(afterPath)) continue;
          let a: string;
          let b: string;
          try {
            a = readFileSync(join(before, file), 'utf8');
            b = readFileSync(afterPath, 'utf8');
          } catch {
            continue; // a directory
          }
          if (a === b) continue;
          expect(lineEdits(a, b), `${transform}/${fixture}/${file}`).toEqual(wholeDiffEdits(a, b));
          changed++;
        }
      }
    expect(changed).toBeGreaterThan(200);
  });
});
