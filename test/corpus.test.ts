/**
 * Real-world shapes: the repos under fixtures/corpus/ (Dockerfiles with heredocs, `# syntax=`,
 * `# escape=`, ARG before FROM, --platform, ONBUILD, JSON and shell form, RUN --mount, lower case,
 * tabs and CRLF; compose files with anchors, x- extensions, include:, extends:, profiles, long port
 * syntax; ESM and CommonJS, JS and TS sources: NestJS, Fastify, Express, Koa, Hono, BullMQ,
 * amqplib, kafkajs) run through every transform of the registry, alone and all together: no crash,
 * no file error, every output parses, a second run changes nothing.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TRANSFORMS } from '../transforms/index.js';
import { readTree } from './helpers/repo.js';
import { kindOf, newProblems, runAll, syntaxProblems } from './helpers/validity.js';

const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'corpus');
const repos = readdirSync(CORPUS).sort();
const trees = new Map(repos.map((r) => [r, readTree(join(CORPUS, r))]));

describe('corpus', () => {
  it('the validity checks reject broken files of each kind', () => {
    expect(syntaxProblems('Dockerfile', 'FORM node:20\nCMD ["node"]\n')).not.toEqual([]);
    expect(syntaxProblems('docker-compose.yml', 'services:\n  a: [\n')).not.toEqual([]);
    expect(syntaxProblems('src/index.ts', 'const a = ;\n')).not.toEqual([]);
    expect(syntaxProblems('src/index.js', 'process.on("SIGTERM", () => {\n')).not.toEqual([]);
    expect(syntaxProblems('src/index.ts', 'const a: number = 1;\n')).toEqual([]);
  });

  it('has the promised size and shapes', () => {
    const files = [...trees.values()].flatMap((t) => [...t.entries()]);
    const count = (kind: string) => files.filter(([p]) => kindOf(p) === kind).length;
    expect(count('dockerfile')).toBeGreaterThanOrEqual(30);
    expect(count('compose')).toBeGreaterThanOrEqual(10);
    expect(count('source')).toBeGreaterThanOrEqual(15);
    const all = files.map(([, text]) => text).join('\n');
    for (const shape of [/^# syntax=/m, /^# escape=/m, /^ARG [^\n]*\n(?:ARG [^\n]*\n)*FROM/m, /--platform=/, /^ONBUILD /m, /^RUN --mount=/m, /<<-?"?EOF/, /^CMD \[/m, /^CMD [a-z]/m, /^from /m, /\r\n/, /^x-[\w-]+: &/m, /^include:/m, /extends:/, /profiles:/, /NestFactory/, /from 'fastify'|require\('fastify'\)/, /bullmq/, /amqplib/, /^import /m, /require\(/])
      expect(all, String(shape)).toMatch(shape);
    for (const [path, text] of files) expect(syntaxProblems(path, text), `${path} is valid input`).toEqual([]);
  });

  for (const repo of repos) {
    describe(repo, () => {
      const tree = trees.get(repo) as Map<string, string>;
      for (const set of [...TRANSFORMS.map((t) => ({ name: t.id, transforms: [t] })), { name: 'all transforms', transforms: [...TRANSFORMS] }]) {
        it(`${set.name}: no error, valid output, idempotent`, () => {
          const first = runAll(tree, set.transforms);
          expect(first.plan.failures).toEqual([]);
          for (const change of first.plan.changes) expect(newProblems(change.path, change.before, change.after), change.path).toEqual([]);
          const second = runAll(first.tree, set.transforms);
          expect(second.plan.changes.map((c) => c.path), 'a second run changes nothing').toEqual([]);
        });
      }
      it('all transforms change something in this repo', () => {
        expect(runAll(tree).plan.changes.length).toBeGreaterThan(0);
      });
    });
  }
});
