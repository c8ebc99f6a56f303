/**
 * The plan validates a Dockerfile's final text on a probe (src/repo/dockerfileProbe.ts): the final
 * text with the instructions the transforms left untouched blanked out. The probe may report a
 * problem the whole text does not have (the caller then validates the whole text), but must never
 * miss one: checked on hand-written breakages and on random edits of real Dockerfiles.
 */
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerfileProblems } from '../src/repo/dockerfile.js';
import { finalDockerfileProblems } from '../src/repo/dockerfileProbe.js';

const ORIGINAL = [
  '# syntax=docker/dockerfile:1',
  'ARG NODE_VERSION=20',
  'FROM node:${NODE_VERSION}-alpine AS build',
  'WORKDIR /app',
  'COPY package.json pnpm-lock.yaml ./',
  'RUN corepack enable && \\',
  '    pnpm install --frozen-lockfile',
  'COPY . .',
  'RUN echo "it\'s built"',
  'FROM node:${NODE_VERSION}-alpine',
  'WORKDIR /app',
  'COPY --from=build /app/dist ./dist',
  'EXPOSE 3000',
  'CMD ["node", "dist/index.js"]',
  '',
].join('\n');

const edit = (line: number, insert: string[], remove = 0) => {
  const lines = ORIGINAL.split('\n');
  lines.splice(line - 1, remove, ...insert);
  return lines.join('\n');
};

describe('the final-text probe', () => {
  it('finds nothing in a valid final text', () => {
    const final = edit(13, ['ENV PORT=3000', 'HEALTHCHECK CMD wget -qO- http://localhost:$PORT/health || exit 1', 'USER node']);
    expect(dockerfileProblems(final)).toEqual([]);
    expect(finalDockerfileProblems(ORIGINAL, final)).toEqual([]);
  });

  it.each([
    ['a HEALTHCHECK without its command', edit(13, ['HEALTHCHECK --interval=30s CMD'])],
    ['an instruction before the first FROM', edit(2, ['USER node'])],
    ['a stage name used twice', edit(10, ['FROM node:20-alpine AS build'], 1)],
    ['an unknown instruction', edit(13, ['EXPOSES 3000'])],
    ['an ENV with an unclosed quote', edit(11, ['ENV GREETING="hello'])],
    ['an unclosed quote continued into an untouched instruction', edit(13, ['ENV A="unclosed \\'])],
    ['a FROM without its image', edit(10, ['FROM'], 1)],
  ])('reports %s as the whole text does', (_, final) => {
    expect(dockerfileProblems(final).length).toBeGreaterThan(0);
    expect(finalDockerfileProblems(ORIGINAL, final)).toEqual(dockerfileProblems(final));
  });

  it('never misses a problem of the whole text (random edits of the sample Dockerfiles)', () => {
    const root = new URL('../fixtures/kodingcaravan/services', import.meta.url).pathname;
    const originals = readdirSync(root)
      .map((name) => readFileSync(join(root, name, 'Dockerfile'), 'utf8'))
      .filter((text) => dockerfileProblems(text).length === 0);
    const line = fc.constantFrom(
      'ENV PORT=3000',
      'USER node',
      'HEALTHCHECK CMD',
      'HEALTHCHECK NONE',
      'RUN echo "unclosed',
      'ENV A="unclosed',
      'ENV A=1 \\',
      'RUN pnpm install \\',
      'FROM node:20 AS build',
      'FROM',
      'COPYY . .',
      'ARG',
      '# a comment',
      '',
      '    && echo continued',
      'EOF',
      'RUN <<EOF',
    );
    const change = fc.record({ at: fc.nat(), remove: fc.integer({ min: 0, max: 2 }), insert: fc.array(line, { maxLength: 3 }) });
    fc.assert(
      fc.property(fc.constantFrom(...originals), fc.array(change, { minLength: 1, maxLength: 3 }), (original, changes) => {
        const lines = original.split('\n');
        for (const c of changes) lines.splice(c.at % (lines.length + 1), c.remove, ...c.insert);
        const final = lines.join('\n');
        if (dockerfileProblems(final).length > 0) expect(finalDockerfileProblems(original, final).length).toBeGreaterThan(0);
        else expect(finalDockerfileProblems(original, final)).toEqual([]);
      }),
      { seed: 20261202, numRuns: 400 },
    );
  });
});
