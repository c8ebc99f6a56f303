/**
 * A Dockerfile text a transform made from a parsed one is parsed by re-reading only the
 * instructions the edits touch (src/repo/dockerfileReparse.ts). Whatever it returns must equal a
 * whole parse of the new text, instruction by instruction and stage by stage: checked on random
 * transform-shaped edits (lines inserted between instructions or inside a continued one, words
 * replaced, instructions rewritten or removed) of the repo's Dockerfiles.
 */
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEdits, type TextEdit } from '../src/edits.js';
import { parseDockerfileWhole, type DockerInstruction, type ParsedDockerfile } from '../src/repo/dockerfile.js';
import { reparseEdited } from '../src/repo/dockerfileReparse.js';

const originals = ['fixtures/kodingcaravan', 'fixtures/corpus', 'fixtures/transforms/dockerfile-non-root', 'fixtures/transforms/dockerfile-port-env']
  .flatMap((dir) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)))
  .filter((f) => /(?:^|\/)Dockerfile[^/]*$/.test(f) && /\/before\/|kodingcaravan|corpus/.test(f) && !f.endsWith('.dockerignore'))
  .map((f) => readFileSync(f, 'utf8'))
  .filter((t) => !t.includes('<<') && !t.startsWith('\ufeff'))
  .filter((t, i, all) => all.indexOf(t) === i);

const pieces = (parse: (text: string) => ParsedDockerfile) => (piece: string) => parse(piece);

/** The fields a reader of the parse sees (the dockerfile-ast node aside). */
const shape = (instructions: readonly DockerInstruction[]) =>
  instructions.map(({ keyword, args, start, end, lineStart, lineEnd, line, endLine, stageIndex }) => ({ keyword, args, start, end, lineStart, lineEnd, line, endLine, stageIndex }));

const LINES = ['# a comment the transform writes', 'USER node', 'ENV PORT=3000', 'EXPOSE 3000', 'HEALTHCHECK --interval=30s \\\n  CMD wget -qO- http://localhost:3000/health || exit 1', 'RUN apk add --no-cache curl \\\n    && echo done', '', 'ARG TAG=1', 'FROM node:20-alpine AS extra', 'COPY --from=build /app /app', '# escape=`', 'WORKDIR /srv', 'RUN echo "a \\\\" b'];
const WORDS = ['--frozen-lockfile', 'pnpm@9.1.0', 'x', '', ' \\\n    && y', ' "quoted value"', '\\'];

type Op = { kind: 'insert'; at: 'before' | 'after'; lines: string[] } | { kind: 'word'; from: number; len: number; word: string } | { kind: 'replace'; line: string } | { kind: 'delete' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.constantFrom('before' as const, 'after' as const), lines: fc.array(fc.constantFrom(...LINES), { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('word' as const), from: fc.nat(), len: fc.nat({ max: 12 }), word: fc.constantFrom(...WORDS) }),
  fc.record({ kind: fc.constant('replace' as const), line: fc.constantFrom(...LINES.filter((l) => l !== '')) }),
  fc.record({ kind: fc.constant('delete' as const) }),
);

/** The edit an op makes on instruction `ins` of `text`. */
function editOf(o: Op, ins: DockerInstruction, text: string): TextEdit {
  if (o.kind === 'insert') {
    const at = o.at === 'before' ? ins.lineStart : ins.lineEnd;
    const body = o.lines.join('\n') + '\n';
    return { start: at, end: at, text: at === text.length && !text.endsWith('\n') ? `\n${body}` : body };
  }
  if (o.kind === 'word') {
    const from = ins.start + ins.keyword.length + (o.from % Math.max(1, ins.end - ins.start - ins.keyword.length));
    return { start: from, end: Math.min(ins.end, from + o.len), text: o.word };
  }
  if (o.kind === 'replace') return { start: ins.start, end: ins.end, text: o.line };
  return { start: ins.lineStart, end: ins.lineEnd, text: '' };
}

/** Two edits that neither overlap nor meet (where their order would be ambiguous). */
const apart = (a: TextEdit, b: TextEdit) => a.end < b.start || b.end < a.start;

describe('a derived Dockerfile parse', () => {
  it('equals a whole parse of the new text, on random transform-shaped edits', () => {
    expect(originals.length).toBeGreaterThan(10);
    let derived = 0;
    fc.assert(
      fc.property(fc.constantFrom(...originals), fc.array(fc.record({ pick: fc.nat(), op }), { minLength: 1, maxLength: 3 }), (original, picks) => {
        const base = parseDockerfileWhole(original);
        if (base.instructions.length === 0) return;
        const edits: TextEdit[] = [];
        for (const p of picks) {
          const edit = editOf(p.op, base.instructions[p.pick % base.instructions.length] as DockerInstruction, original);
          // Non-overlapping edits, at most one insertion per point (as one transform's edits are).
          if (edits.every((e) => apart(e, edit))) edits.push(edit);
        }
        const after = applyEdits(original, edits);
        const instructions = reparseEdited(base, edits, after, pieces(parseDockerfileWhole));
        if (!instructions) return;
        derived++;
        expect(shape(instructions)).toEqual(shape(parseDockerfileWhole(after).instructions));
      }),
      { seed: Number(process.env.SEED ?? 20261202), numRuns: Number(process.env.RUNS ?? 1200) },
    );
    // Not vacuous: most edits are derived.
    expect(derived).toBeGreaterThan(600);
  });

  it('declines what it cannot establish: a heredoc, an edit before the first instruction, a piece continued into the next line', () => {
    const text = 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nCMD ["node", "index.js"]\n';
    const base = parseDockerfileWhole(text);
    const parse = pieces(parseDockerfileWhole);
    const at = (i: number) => base.instructions[i] as DockerInstruction;
    const heredoc = { start: at(2).lineEnd, end: at(2).lineEnd, text: 'RUN <<EOF\necho hi\nEOF\n' };
    expect(reparseEdited(base, [heredoc], applyEdits(text, [heredoc]), parse)).toBeNull();
    const directive = { start: 0, end: 0, text: '# syntax=docker/dockerfile:1\n' };
    expect(reparseEdited(base, [directive], applyEdits(text, [directive]), parse)).toBeNull();
    const continued = { start: at(1).lineEnd, end: at(1).lineEnd, text: 'RUN echo a \\\n' };
    expect(reparseEdited(base, [continued], applyEdits(text, [continued]), parse)).toBeNull();
    const user = { start: at(3).lineStart, end: at(3).lineStart, text: 'USER node\n' };
    const derived = reparseEdited(base, [user], applyEdits(text, [user]), parse);
    expect(derived?.map((i) => [i.keyword, i.line])).toEqual([['FROM', 1], ['WORKDIR', 2], ['COPY', 3], ['USER', 4], ['CMD', 5]]);
  });
});
