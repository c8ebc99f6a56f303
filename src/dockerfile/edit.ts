/**
 * Shared helpers for Dockerfile transforms: where to insert lines so they sit with the instruction
 * they belong to, in the file's own keyword casing and indentation.
 */
import type { DockerInstruction, DockerStage, ParsedDockerfile } from '../repo/dockerfile.js';
import { indentationAt } from '../repo/dockerfile.js';
import { insertAt, type TextEdit } from '../edits.js';

/** Writes a keyword in the casing the file uses (`from node` files get lower-case keywords). */
export function keyword(parsed: ParsedDockerfile, word: string): string {
  const first = parsed.instructions[0];
  const written = first ? parsed.text.slice(first.start, first.start + first.keyword.length) : 'FROM';
  return written === written.toLowerCase() ? word.toLowerCase() : word.toUpperCase();
}

/** Offset of the start of the comment lines directly above an instruction (they describe it). */
export function startOfLeadingComments(parsed: ParsedDockerfile, instruction: DockerInstruction): number {
  const text = parsed.text;
  let start = instruction.lineStart;
  while (start > 0) {
    const prevStart = text.lastIndexOf('\n', start - 2) + 1;
    const prevLine = text.slice(prevStart, start - 1);
    if (!/^\s*#/.test(prevLine)) break;
    start = prevStart;
  }
  return start;
}

/** Inserts whole lines above an instruction (and above the comments that describe it). */
export function insertLinesBefore(parsed: ParsedDockerfile, instruction: DockerInstruction, lines: string[]): TextEdit {
  const at = startOfLeadingComments(parsed, instruction);
  const indent = indentationAt(parsed.text, instruction.start);
  return insertAt(at, lines.map((l) => indent + l + '\n').join(''));
}

/** Inserts whole lines after an instruction (after its continuation lines). */
export function insertLinesAfter(parsed: ParsedDockerfile, instruction: DockerInstruction, lines: string[]): TextEdit {
  const indent = indentationAt(parsed.text, instruction.start);
  const atEof = instruction.lineEnd >= parsed.text.length && !parsed.text.endsWith('\n');
  return insertAt(instruction.lineEnd, (atEof ? '\n' : '') + lines.map((l) => indent + l + '\n').join('').replace(/\n$/, atEof ? '' : '\n'));
}

export const RUNTIME_ANCHORS = new Set(['HEALTHCHECK', 'CMD', 'ENTRYPOINT']);

/** The first HEALTHCHECK/CMD/ENTRYPOINT of a stage: runtime settings go above it. */
export function firstRuntimeInstruction(stage: DockerStage, keywords: Set<string> = RUNTIME_ANCHORS): DockerInstruction | undefined {
  return stage.instructions.find((i) => keywords.has(i.keyword));
}

/**
 * Inserts a block of lines above an instruction (and its comments) as its own paragraph: when a
 * blank line separates the instruction from what precedes it, the block gets one after it too.
 */
export function insertParagraphBefore(parsed: ParsedDockerfile, instruction: DockerInstruction, lines: string[]): TextEdit {
  const at = startOfLeadingComments(parsed, instruction);
  const indent = indentationAt(parsed.text, instruction.start);
  const blankAbove = at >= 2 && /\n[ \t]*\n$/.test(parsed.text.slice(0, at));
  return insertAt(at, lines.map((l) => indent + l + '\n').join('') + (blankAbove ? '\n' : ''));
}

/** Offsets of an instruction's arguments (after the keyword and its whitespace, to the end). */
export function argumentsRange(parsed: ParsedDockerfile, instruction: DockerInstruction): { start: number; end: number } {
  const afterKeyword = instruction.start + instruction.keyword.length;
  const lead = /^[ \t]*/.exec(parsed.text.slice(afterKeyword, instruction.end))?.[0].length ?? 0;
  return { start: afterKeyword + lead, end: instruction.end };
}

/** A RUN with its commands joined by `&&`: one line when short, else one command per continuation line. */
export function runInstructionLines(parsed: ParsedDockerfile, commands: string[], maxWidth = 100): string[] {
  const run = keyword(parsed, 'RUN');
  const oneLine = `${run} ${commands.join(' && ')}`;
  if (commands.length <= 1 || oneLine.length <= maxWidth) return [oneLine];
  const esc = parsed.escape || '\\';
  return commands.map((c, i) => (i === 0 ? `${run} ${c} ${esc}` : `    && ${c}${i < commands.length - 1 ? ` ${esc}` : ''}`));
}

/** An exec-form argument list as Dockerfiles write it: `["node", "-e", "…"]`. */
export function execForm(args: string[]): string {
  return `[${args.map((a) => JSON.stringify(a)).join(', ')}]`;
}
