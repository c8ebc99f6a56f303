/**
 * The parse of a Dockerfile text a transform made from a parsed one, without parsing the whole text
 * again: the instructions its edits touch are parsed afresh (with the lines the edits insert), the
 * others are the old parse's, moved by the edits before them. Transforms chain on one Dockerfile
 * (pnpm pin, frozen lockfile, USER, ENV PORT, HEALTHCHECK), each reading the text the previous one
 * wrote; a whole parse of each intermediate text was most of their cost.
 *
 * Only where the pieces cannot interact: no heredoc anywhere, the default escape character, no BOM,
 * no edit at or before the start of the first instruction (where parser directives live), every re-parsed piece made of
 * whole lines, not continuing into the next line nor continued from the one before. Anything else
 * is null and the caller parses the whole text. test/dockerfile-reparse.test.ts checks the result
 * against a whole parse on random transform-shaped edits of real Dockerfiles.
 */
import type { TextEdit } from '../edits.js';
import type { InstructionPlace as Located } from './instructionPlace.js';

/** What this reads of a parse (src/repo/dockerfile.ts ParsedDockerfile). */
interface Parsed<T extends Located> {
  text: string;
  instructions: readonly T[];
  escape: string;
}

interface Region {
  /** Old-text range: whole lines, every instruction it touches in full. */
  from: number;
  to: number;
  edits: TextEdit[];
}

const lineStartOf = (text: string, offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
const lineEndOf = (text: string, offset: number) => {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
};
const atLineStart = (text: string, offset: number) => offset === 0 || text[offset - 1] === '\n';
const newlines = (text: string) => {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
};

/** The edits grouped into whole-line regions of the old text that cover every instruction they touch. */
function regionsOf(base: Parsed<Located>, edits: readonly TextEdit[]): Region[] {
  const old = base.text;
  const regions: Region[] = [];
  for (const edit of [...edits].sort((a, b) => a.start - b.start || a.end - b.end)) {
    const insertion = edit.start === edit.end && atLineStart(old, edit.start);
    let from = lineStartOf(old, edit.start);
    let to = insertion ? from : edit.end > edit.start && atLineStart(old, edit.end) ? edit.end : lineEndOf(old, edit.end);
    for (const ins of base.instructions) {
      // A line inserted at a line start inside a continued instruction splits it: that instruction is re-read.
      const touches = from < to ? ins.lineStart < to && ins.lineEnd > from : ins.lineStart < from && ins.lineEnd > from;
      if (touches) {
        from = Math.min(from, ins.lineStart);
        to = Math.max(to, ins.lineEnd);
      }
    }
    const last = regions[regions.length - 1];
    if (last && from <= last.to) {
      last.from = Math.min(last.from, from);
      last.to = Math.max(last.to, to);
      last.edits.push(edit);
    } else regions.push({ from, to, edits: [edit] });
  }
  return regions;
}

/**
 * Whether the last line of `lines` that is not blank or a comment ends with a line continuation:
 * the instruction goes on past them (comment lines inside a continued instruction are skipped).
 */
function endsContinued(lines: string): boolean {
  const content = lines.split('\n').filter((l) => l.trim() !== '' && !/^\s*#/.test(l));
  return /\\[ \t]*\r?$/.test(content[content.length - 1] ?? '');
}

/** An instruction moved by `delta` characters and `lines` lines. */
function moved<T extends Located>(ins: T, delta: number, lines: number): T {
  if (delta === 0 && lines === 0) return ins;
  return { ...ins, start: ins.start + delta, end: ins.end + delta, lineStart: ins.lineStart + delta, lineEnd: ins.lineEnd + delta, line: ins.line + lines, endLine: ins.endLine + lines };
}

/** The instructions of `text` (`base`'s text with `edits` applied), from `base` and a parse of the pieces the edits touch; null where that is not established. */
export function reparseEdited<T extends Located>(base: Parsed<T>, edits: readonly TextEdit[], text: string, parse: (text: string) => { instructions: readonly T[] }): T[] | null {
  const old = base.text;
  const first = base.instructions[0];
  if (!first || base.escape !== '\\' || old.includes('<<') || text.includes('<<') || text.charCodeAt(0) === 0xfeff) return null;
  if (edits.some((e) => e.start <= first.lineStart || e.text.includes('\r'))) return null;
  const out: T[] = [];
  let delta = 0;
  let lines = 0;
  let next = 0; // the next old instruction to place
  for (const region of regionsOf(base, edits)) {
    while (next < base.instructions.length && (base.instructions[next] as T).lineEnd <= region.from) out.push(moved(base.instructions[next++] as T, delta, lines));
    while (next < base.instructions.length && (base.instructions[next] as T).lineStart < region.to) next++;
    const from = region.from + delta;
    const to = region.to + delta + region.edits.reduce((n, e) => n + e.text.length - (e.end - e.start), 0);
    const piece = text.slice(from, to);
    // Whole lines, not continued from the line before nor into the line after.
    if (!atLineStart(text, from) || !(atLineStart(text, to) || to === text.length)) return null;
    if (endsContinued(piece) || endsContinued(text.slice(0, from))) return null;
    const lineOfFrom = newlines(text.slice(0, from));
    // A blank first line keeps a comment at the top of the piece from being read as a parser directive.
    for (const ins of parse(`\n${piece}`).instructions) out.push(moved(ins, from - 1, lineOfFrom - 1));
    delta = to - region.to;
    lines += newlines(piece) - newlines(old.slice(region.from, region.to));
  }
  while (next < base.instructions.length) out.push(moved(base.instructions[next++] as T, delta, lines));
  let stage = -1;
  return out.map((ins) => {
    if (ins.keyword === 'FROM') stage++;
    return ins.stageIndex === stage ? ins : { ...ins, stageIndex: stage };
  });
}
