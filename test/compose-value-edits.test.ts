/**
 * src/repo/composeValueEdits.ts proves on yaml's tokens that a compose text changed only in scalar
 * values, so compose-secret-defaults and the plan's output check need not parse the output again.
 * It may decline a change a parse would accept (the caller then parses), but what it accepts must
 * be exactly what a parse gives: checked on hand-written shapes and on random value edits of the
 * corpus' compose files, against yaml's own parse.
 */
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lexer, LineCounter, parseDocument, visit, type Scalar } from 'yaml';
import { composeDocument, composeTokens } from '../src/repo/compose.js';
import { changedScalarValues } from '../src/repo/composeValueEdits.js';

const BASE = [
  'x-env: &env',
  '  LOG_LEVEL: info',
  'services:',
  '  api:',
  '    image: api:1',
  '    environment:',
  '      MONGO_URI: ${MONGO_URI:-mongodb://u:p@db/app}  # local',
  '      JWT: "${JWT_SECRET:-dev}"',
  "      NAME: 'plain'",
  '      - ignored',
  '    command: ["node", "${ENTRY:-dist/index.js}"]',
  '    labels: {team: core, tier: "${TIER:-web}"}',
  '    ? explicit',
  '    : value',
  '    entrypoint: >',
  '      sh -c "${CMD:-start}"',
  '    healthcheck:',
  '      test: multi',
  '        line ${X:-y}',
  '',
].join('\n');

/** The base text with `from` (its first occurrence) replaced by `to`. */
const edited = (from: string, to: string) => {
  expect(BASE).toContain(from);
  return BASE.replace(from, to);
};

describe('changedScalarValues', () => {
  it('reports plain, single- and double-quoted values with their new value and offset', () => {
    const text = edited('${MONGO_URI:-mongodb://u:p@db/app}', '${MONGO_URI}');
    expect(changedScalarValues(BASE, text)).toEqual([{ offset: BASE.indexOf('${MONGO_URI:-'), value: '${MONGO_URI}' }]);
    expect(changedScalarValues(BASE, edited('"${JWT_SECRET:-dev}"', '"${JWT_SECRET}\\t"'))).toEqual([{ offset: BASE.indexOf('"${JWT_SECRET'), value: '${JWT_SECRET}\t' }]);
    expect(changedScalarValues(BASE, edited("'plain'", "'it''s'"))).toEqual([{ offset: BASE.indexOf("'plain'"), value: "it's" }]);
    expect(changedScalarValues(BASE, edited('"${ENTRY:-dist/index.js}"', '"${ENTRY}"'))).toHaveLength(1);
    expect(changedScalarValues(BASE, BASE)).toEqual([]);
  });

  it('types a plain value as the schema does', () => {
    expect(changedScalarValues(BASE, edited('image: api:1', 'image: 8080'))).toEqual([{ offset: BASE.indexOf('api:1'), value: 8080 }]);
  });

  it.each([
    ['a key', 'LOG_LEVEL: info', 'LEVEL: info'],
    ['a value in a flow map (a lone scalar there is a key)', 'team: core', 'team: corp'],
    ['a value turned into a key', 'info', 'info: x'],
    ['an explicit key', '? explicit', '? implicit'],
    ['a block scalar', 'sh -c "${CMD:-start}"', 'sh -c "${CMD}"'],
    ['a multi-line plain scalar', 'line ${X:-y}', 'line ${X}'],
    ['a quoting style changed', "'plain'", '"plain"'],
    ['a plain value quoted', 'image: api:1', 'image: "api:1"'],
    ['a comment added', 'image: api:1', 'image: api:1 # pinned'],
    ['a value that becomes a sequence', 'image: api:1', 'image: [api]'],
    ['a value that opens a document', 'image: api:1', 'image: ---'],
    ['a bad escape', '"${JWT_SECRET:-dev}"', '"\\q"'],
    ['an anchor', 'image: api:1', 'image: &i api:1'],
  ])('declines %s', (_, from, to) => {
    const after = edited(from, to);
    const proof = changedScalarValues(BASE, after);
    if (proof !== null) throw new Error(`accepted: ${JSON.stringify(proof)}`);
  });
});

/** The document of `before` with the proven changes applied to its nodes, as JS. */
function withChanges(before: string, changes: { offset: number; value: Scalar['value'] }[]): unknown {
  const doc = parseDocument(before, { merge: true, uniqueKeys: false });
  const at = new Map<number, Scalar>();
  visit(doc, { Scalar: (_, node) => void (node.range && at.set(node.range[0], node)) });
  for (const c of changes) (at.get(c.offset) as Scalar).value = c.value;
  return doc.toJS({ maxAliasCount: -1 });
}

/** The compose files of the corpus and the samples. */
const COMPOSE_TEXTS = ['fixtures/corpus', 'fixtures/kodingcaravan', 'fixtures/peerprep']
  .flatMap((dir) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)))
  .filter((f) => /compose[\w.-]*\.ya?ml$/.test(f))
  .map((f) => readFileSync(f, 'utf8'));

describe('what it accepts, a parse gives', () => {
  const files = COMPOSE_TEXTS;
  const benign = fc.constantFrom('${X}', '${X:-d}', 'a', 'b-c', '8080', 'x y', '/p/q', '$$');
  const hostile = fc.constantFrom('${X}', '${X:-d}', 'a', ' ', ':', ': ', '#', ' #', '"', "'", '\\', '{', '}', '[', ']', ',', '-', '- ', '?', '&a', '*a', '!!str', '\n', '\t', '8080', 'true', '~', '---', '$$', 'é');
  const piece = fc.oneof({ arbitrary: benign, weight: 4 }, { arbitrary: hostile, weight: 1 });
  const replacement = fc.array(piece, { maxLength: 5 }).map((p) => p.join(''));

  it('on random value edits of real compose files', () => {
    expect(files.length).toBeGreaterThan(5);
    let accepted = 0;
    fc.assert(
      fc.property(fc.constantFrom(...files), fc.array(fc.record({ pick: fc.nat(), key: fc.boolean(), text: replacement, quote: fc.constantFrom('', '', '"', "'") }), { minLength: 1, maxLength: 3 }), (before, picks) => {
        const doc = parseDocument(before, { merge: true, uniqueKeys: false });
        if (doc.errors.length) return;
        const scalars: { key: [number, number][]; value: [number, number][] } = { key: [], value: [] };
        visit(doc, { Scalar: (key, node) => void (node.range && scalars[key === 'key' ? 'key' : 'value'].push([node.range[0], node.range[1]])) });
        // Replace the picked scalars' source (a key one time in eight), last first so earlier offsets hold.
        const among = (p: { pick: number; key: boolean }) => (p.key && p.pick % 4 === 0 ? scalars.key : scalars.value);
        const chosen = new Map(picks.map((p) => [among(p)[p.pick % among(p).length] as [number, number], p.quote + p.text + p.quote]));
        let after = before;
        for (const [[start, end], text] of [...chosen].sort((a, b) => b[0][0] - a[0][0])) after = after.slice(0, start) + text + after.slice(end);
        const changes = changedScalarValues(before, after);
        if (changes === null) return;
        const reparsed = parseDocument(after, { merge: true, uniqueKeys: false });
        expect(reparsed.errors).toEqual([]);
        expect(JSON.stringify(reparsed.toJS({ maxAliasCount: -1 }))).toBe(JSON.stringify(withChanges(before, changes)));
        if (changes.length) accepted++;
      }),
      { seed: 20261202, numRuns: 1500 },
    );
    // Not vacuous: many of the edits are proven.
    expect(accepted).toBeGreaterThan(150);
  });
});

describe('composeDocument', () => {
  // It parses from the lexer's tokens it keeps (for changedScalarValues): the document must be the one
  // parseDocument makes, errors and all.
  const texts = COMPOSE_TEXTS;
  const odd = ['', '# only a comment\n', 'services:\r\n  a:\r\n    image: x\r\n', 'a: 1\n---\nb: 2\n', 'a: [1, 2\n', 'a: 1\na: 2\n', '\ta: 1\n', 'x: &a {b: 1}\ny:\n  <<: *a\n', BASE];
  it('is parseDocument\'s document, and keeps its lexer tokens', () => {
    for (const text of [...texts, ...odd]) {
      const lineCounter = new LineCounter();
      const expected = parseDocument(text, { merge: true, lineCounter, prettyErrors: false, uniqueKeys: false });
      const got = composeDocument(text);
      if (expected.errors.length === 0) expect(got.doc.toString()).toBe(expected.toString());
      expect(JSON.stringify(got.doc.toJS({ maxAliasCount: -1 }))).toBe(JSON.stringify(expected.toJS({ maxAliasCount: -1 })));
      expect(got.doc.errors.map((e) => [e.code, e.pos, e.message])).toEqual(expected.errors.map((e) => [e.code, e.pos, e.message]));
      expect(got.doc.warnings.map((e) => [e.code, e.pos])).toEqual(expected.warnings.map((e) => [e.code, e.pos]));
      expect(got.doc.range).toEqual(expected.range);
      expect(got.lineCounter.lineStarts).toEqual(lineCounter.lineStarts);
      expect(composeTokens(text)).toEqual([...new Lexer().lex(text)]);
    }
  });
});
