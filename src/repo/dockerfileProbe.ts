/**
 * Whether the transforms' final text of a Dockerfile has fatal problems its original did not have,
 * without validating the whole final text. The original is valid (the repo model validated it), so
 * a new problem can only come from what the chain changed: the probe is the final text with every
 * instruction the chain left untouched blanked out (lines kept, so problem lines stay the same),
 * except what the changed instructions are validated against: the parser directives and comments
 * before the first instruction, the ARGs before the first FROM (a FROM's variables) and every FROM
 * (stage names, the instructions before the first stage). A clean probe means a clean final text;
 * any problem in the probe, even one blanking made, sends the caller to the whole text's validation.
 */
import { dockerfileProblems, parseDockerfile, uncachedDockerfileProblems } from './dockerfile.js';

type Problem = { line: number; message: string };

/** The fatal problems of `final`, or none when it adds none to a valid `original`. */
export function finalDockerfileProblems(original: string, final: string): Problem[] {
  if (dockerfileProblems(original).length > 0) return dockerfileProblems(final);
  if (uncachedDockerfileProblems(probeText(original, final)).length > 0) return dockerfileProblems(final);
  return [];
}

/**
 * The final text with the untouched instructions blanked. An original instruction is untouched
 * where its whole text (all its lines) is found again as whole lines of the final text, in order.
 * Blanking a copy the transforms inserted elsewhere is as sound: the same text was a valid
 * instruction in the same file.
 */
function probeText(original: string, final: string): string {
  const parsed = parseDockerfile(original);
  const firstFrom = parsed.instructions.find((i) => i.keyword === 'FROM');
  const pieces: string[] = [];
  let cursor = 0;
  for (const ins of parsed.instructions) {
    if (ins.keyword === 'FROM' || (ins.keyword === 'ARG' && firstFrom && ins.line < firstFrom.line)) continue;
    const block = original.slice(ins.lineStart, ins.lineEnd);
    const at = wholeLinesAt(final, block, cursor);
    // A line continuation just before it (a changed line) makes it part of that instruction now,
    // and one at its end makes what follows part of it.
    if (at < 0 || block.trimEnd().endsWith(parsed.escape) || continues(final, at, parsed.escape)) continue;
    pieces.push(final.slice(cursor, at), block.replace(/[^\n]+/g, ''));
    cursor = at + block.length;
  }
  pieces.push(final.slice(cursor));
  return pieces.join('');
}

/** Where `block` (whole lines) next occurs in `text` from `from` as whole lines, or -1. */
function wholeLinesAt(text: string, block: string, from: number): number {
  for (let at = text.indexOf(block, from); at >= 0; at = text.indexOf(block, at + 1)) {
    const end = at + block.length;
    if ((at === 0 || text[at - 1] === '\n') && (block.endsWith('\n') || end === text.length || text[end] === '\n' || text[end] === '\r')) return at;
  }
  return -1;
}

/** Whether the last non-blank, non-comment line before offset `at` (a line start) ends in the escape character. */
function continues(text: string, at: number, escape: string): boolean {
  let end = at - 1; // the newline ending the line before
  while (end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end).trim();
    if (line !== '' && !line.startsWith('#')) return line.endsWith(escape);
    end = start - 1;
  }
  return false;
}
