/**
 * The fatal problems of a Dockerfile (src/repo/dockerfileFatalProblems.ts, what parseDockerfile
 * and the plan's final-text check report) must be exactly what dockerfile-utils' validate reports
 * for those codes: the same problems, lines, messages and order (the library filtered and sorted
 * as the repo model did before it had its own checks). Checked on every Dockerfile under
 * fixtures/, and on random mutations and compositions of Dockerfile lines aimed at each code's
 * edge: deleted, duplicated and inserted instructions, bad flags, no FROM, bad HEALTHCHECK and
 * ONBUILD forms, unknown instructions, empty arguments, quotes, escape directives, continuations,
 * heredocs, CRLF, `# dockerfile-utils: ignore`.
 */
import { validate } from 'dockerfile-utils';
import fc from 'fast-check';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { uncachedDockerfileProblems } from '../src/repo/dockerfile.js';

const FATAL_CODES = new Set([2, 10, 12, 20, 22, 28, 35, 36, 38, 46, 51]);
const SEED = Number(process.env.SEED ?? 20261202);
const RUNS = Number(process.env.RUNS ?? 3000);

/** The library's answer, filtered and ordered as src/repo/dockerfile.ts did; a throw is an answer too. */
function libraryProblems(text: string): { line: number; message: string }[] | string {
  try {
    return validate(text)
      .filter((d) => d.severity === 1 && typeof d.code === 'number' && FATAL_CODES.has(d.code))
      .sort((a, b) => Number(a.code === 20) - Number(b.code === 20) || a.range.start.line - b.range.start.line)
      .map((d) => ({ line: d.range.start.line + 1, message: typeof d.message === 'string' ? d.message : d.message.value }));
  } catch (e) {
    return `throws ${(e as Error).name}`;
  }
}

function ownProblems(text: string): { line: number; message: string }[] | string {
  try {
    return uncachedDockerfileProblems(text);
  } catch (e) {
    return `throws ${(e as Error).name}`;
  }
}

/**
 * What ecsfix must answer: the library's answer, except where the library throws. A stage named
 * `constructor` (valid for Docker) makes it throw a TypeError: the answer is then the library's for
 * the same text with the name spelt otherwise (same length, so the same ranges), named back. An
 * endless recursion (a variable on an indented first line, in a check that is not fatal) has no
 * library answer: the own checks' answer or the same throw is accepted.
 */
function expected(text: string, own: ReturnType<typeof ownProblems>): ReturnType<typeof ownProblems> {
  const renamed = libraryProblems(text) === 'throws TypeError' && /\bAS\s+constructor\b/i.test(text);
  const library = libraryProblems(renamed ? text.replace(/(\bAS\s+)constructor\b/gi, '$1constructox') : text);
  if (library === 'throws RangeError' && typeof own !== 'string') return own;
  return typeof library === 'string' || !renamed ? library : library.map((p) => ({ ...p, message: p.message.replace(/constructox/g, 'constructor') }));
}

/** The codes the library finds in a text, to show the checks are not vacuous. */
const codesOf = (text: string) => {
  try {
    return validate(text).flatMap((d) => (typeof d.code === 'number' && FATAL_CODES.has(d.code) ? [d.code] : []));
  } catch {
    return [-1];
  }
};

const fixtures = readdirSync('fixtures', { recursive: true, encoding: 'utf8' })
  .map((f) => join('fixtures', f))
  .filter((f) => /dockerfile[^/]*$/i.test(f) && !f.endsWith('.dockerignore') && statSync(f).isFile())
  .map((f) => readFileSync(f, 'utf8'))
  .filter((t, i, all) => all.indexOf(t) === i);

/** Lines at the edge of each fatal check (and of the checks around them), continued ones included. */
const LINES = [
  'FROM', 'FROM node', 'FROM node AS', 'FROM node as build', 'FROM node AS Build', 'FROM node AS 1bad', 'FROM node AS b$d', 'FROM node AS a.b-c_1', 'FROM node AS -a', 'FROM node AS A.B', 'FROM node xx build', 'FROM node AS a b',
  'FROM $BASE', 'FROM ${BASE}', 'FROM ${BASE:-node}', 'FROM ${BASE:-}', 'FROM ${BASE-x}', 'FROM ${BASE:+x}', 'FROM $TARGETPLATFORM', 'FROM $BUILDVARIAN', 'FROM $BASE:tag',
  'FROM --platform=$BUILDPLATFORM node AS b', 'FROM --platform node', 'FROM --bad=1 $BASE', 'FROM node AS constructor', 'FROM scratch AS a', 'FROM scratch AS A', 'FROM node@sha256:abc', 'FROM node:',
  'FROM \\\n  node \\\n  AS \\\n  x1', 'FROM node \\\n  As', 'from node', 'From node AS a',
  'ARG', 'ARG BASE', 'ARG BASE=node:20', 'ARG "X=1', "ARG X='1", 'ARG X="1', 'ARG X="a\\"', "ARG 'X=1", 'ARG =1',
  'ENV', 'ENV A', 'ENV A "b', "ENV A 'b", 'ENV A="b', "ENV A='b", 'ENV "A=b', "ENV 'A=b", 'ENV A=b C="d', 'ENV A="b\\"', 'ENV A="b\\\\"', "ENV A='", 'ENV A="', 'ENV A=1 \\\n  B="2', 'ENV A=$B', 'ENV =x',
  'LABEL', 'LABEL "a=b', 'LABEL a="b\\" c"', 'LABEL a=b "c', "LABEL a='b c", 'LABEL a',
  'HEALTHCHECK', 'HEALTHCHECK CMD', 'HEALTHCHECK cmd', 'HEALTHCHECK --retries=x CMD true', 'HEALTHCHECK --retries=1.5 CMD true', 'HEALTHCHECK --retries=0 CMD true', 'HEALTHCHECK --retries=3 CMD',
  'HEALTHCHECK NONE --retries=x', 'HEALTHCHECK NONE x', 'HEALTHCHECK --interval=5s', 'HEALTHCHECK FOO --retries=x', 'HEALTHCHECK --retries= CMD x', 'HEALTHCHECK --retries CMD x', 'HEALTHCHECK --retries=1e2 CMD x',
  'HEALTHCHECK --interval=30s \\\n  --retries=x \\\n  CMD', 'HEALTHCHECK \\\n  CMD',
  'ONBUILD', 'ONBUILD RUN', 'ONBUILD ENV', 'ONBUILD ENV A "b', 'ONBUILD FOO bar', 'ONBUILD HEALTHCHECK CMD', 'ONBUILD ONBUILD X', 'ONBUILD FROM x', 'ONBUILD USER', 'ONBUILD \\\n  WORKDIR',
  'EXPOSE', 'EXPOSE $PORT', 'EXPOSE $UNSET', 'EXPOSE 80/tcp', 'EXPOSE ""', 'USER', 'USER node', 'WORKDIR', 'WORKDIR app', 'VOLUME', 'SHELL', 'SHELL ["sh", "-c"]', 'STOPSIGNAL', 'STOPSIGNAL x', 'MAINTAINER', 'MAINTAINER me',
  'ENTRYPOINT', 'CMD', 'RUN', 'COPY', 'ADD', 'COPY a', 'FOO bar', 'foo', 'Run echo', 'COPY --bad x y', 'COPY --from= a b', 'ADD --chmod a', 'RUN --mount=type=cache echo',
  'RUN <<EOF\necho hi\nEOF', 'COPY <<EOF /x\nhello\nEOF', 'RUN <<EOF\nFOO\n\nEOF', 'CMD ["a", "b"', "CMD ['a']", 'RUN echo \\\n  && ls', 'RUN echo \\\n\n  x', 'RUN echo \\\n# c\n  x',
  '  ENV A=$B', ' RUN echo $X', '\tFROM $X', '  EXPOSE $P', '  ARG A=$B', '  USER', '  # c', 'RUN <<EOF\necho $X\nEOF', 'ENV A=${B:x}', 'ENV A=${B:?x}',
  '# comment', '# dockerfile-utils: ignore', '#dockerfile-utils: ignore', '', '  ', '\\', '`', 'RUN echo `\n  x',
];
const HEADERS = ['', '# escape=`\n', '# escape=\\\n', '# escape=x\n', '# syntax=docker/dockerfile:1\n', '# escape=`\n# escape=\\\n', '#Escape=`\n', '\ufeff'];
const WORDS = ['', '"', "'", '\\', '`', '$X', '${X:-y}', '--retries=x', 'AS', 'as', '=', '"a=b', 'CMD', 'NONE', ' \\\n ', '\t', '#'];

type Op =
  | { kind: 'delete'; at: number }
  | { kind: 'duplicate'; at: number }
  | { kind: 'insert'; at: number; line: string }
  | { kind: 'word'; at: number; from: number; len: number; word: string }
  | { kind: 'continue'; at: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), line: fc.constantFrom(...LINES) }),
  fc.record({ kind: fc.constant('word' as const), at: fc.nat(), from: fc.nat(), len: fc.nat({ max: 8 }), word: fc.constantFrom(...WORDS) }),
  fc.record({ kind: fc.constant('continue' as const), at: fc.nat() }),
);

/** A line-level mutation of a text. */
function mutate(text: string, o: Op): string {
  const lines = text.split('\n');
  const at = o.at % (lines.length + (o.kind === 'insert' ? 1 : 0) || 1);
  const line = lines[at] ?? '';
  if (o.kind === 'delete') lines.splice(at, 1);
  else if (o.kind === 'duplicate') lines.splice(at, 0, line);
  else if (o.kind === 'insert') lines.splice(at, 0, o.line);
  else if (o.kind === 'continue') lines[at] = `${line} \\`;
  else {
    const from = o.from % (line.length + 1);
    lines[at] = line.slice(0, from) + o.word + line.slice(from + o.len);
  }
  return lines.join('\n');
}

const composed = fc.tuple(fc.constantFrom(...HEADERS), fc.array(fc.constantFrom(...LINES), { maxLength: 8 }), fc.boolean()).map(([header, lines, newline]) => header + lines.join('\n') + (newline ? '\n' : ''));
const mutated = fc.tuple(fc.constantFrom(...fixtures), fc.array(op, { minLength: 1, maxLength: 4 }), fc.constantFrom(...HEADERS)).map(([text, ops, header]) => header + ops.reduce(mutate, text));
const texts = fc.tuple(fc.oneof(composed, mutated), fc.boolean()).map(([text, crlf]) => (crlf ? text.replace(/\r?\n/g, '\r\n') : text));

describe('own fatal Dockerfile problems', () => {
  it("equal dockerfile-utils' on every Dockerfile under fixtures/", () => {
    expect(fixtures.length).toBeGreaterThan(300);
    for (const text of fixtures) expect(ownProblems(text)).toEqual(libraryProblems(text));
  });

  it('answer where the library throws: a stage named constructor, a variable on an indented first line', () => {
    const stage = 'FROM node:20 AS constructor\nCMD ["node"]\n';
    expect(libraryProblems(stage)).toBe('throws TypeError');
    expect(ownProblems(stage)).toEqual([]);
    expect(ownProblems(`${stage}FROM node:20 AS Constructor\n`)).toMatchObject([{ line: 1 }, { line: 3 }]);
    const indented = '  RUN echo $X\nFROM node:20\n';
    expect(libraryProblems(indented)).toBe('throws RangeError');
    expect(ownProblems(indented)).toMatchObject([{ line: 1 }]); // no source image before the RUN
    // The own EXPOSE check recurses on that line too: the instruction before FROM is still reported.
    expect(ownProblems('  EXPOSE $P\nFROM node:20\n')).toMatchObject([{ line: 1, message: 'No source image provided with `FROM`' }]);
  });

  it("equal dockerfile-utils' on mutated and composed Dockerfiles, each fatal code met", () => {
    const seen = new Set<number>();
    fc.assert(
      fc.property(texts, (text) => {
        for (const code of codesOf(text)) seen.add(code);
        const own = ownProblems(text);
        expect(own).toEqual(expected(text, own));
      }),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: 20_000 },
    );
    // Not vacuous: every code (and the library's throw on `AS constructor`) came up.
    expect([...seen].sort((a, b) => a - b)).toEqual([-1, 2, 10, 12, 20, 22, 28, 35, 36, 38, 46, 51]);
  });
});
