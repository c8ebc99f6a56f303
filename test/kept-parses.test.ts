/**
 * The planning worker keeps the parses it made for the model's facts and hands them to the codemods
 * (src/source/keptParses.ts): a kept parse must be exactly the file a fresh parse would give the
 * codemod (the facts walk leaves the program as it found it), serve one request for its own text
 * only, and stay within its budget.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toBabelFile } from '../src/source/babel-shape.js';
import { extractJsFacts, parseProgram } from '../src/source/facts.js';
import { dropKeptParses, keepParse, KEEP_BUDGET, reshapeKept, takeKeptParse } from '../src/source/keptParses.js';
import { sourcesUnder } from './helpers/repo.js';

const load = createRequire(import.meta.url);
const namedTypes = (load('jscodeshift') as { types: { namedTypes: Record<string, unknown> } }).types.namedTypes;
const known = (type: string) => type in namedTypes;

/** A Babel file as text: every field but the lazily computed `loc` (checked by test/babel-shape.test.ts). */
const shape = (file: unknown) => JSON.stringify(file, (key, value) => (key === 'loc' ? undefined : typeof value === 'bigint' ? `${value}n` : value instanceof RegExp ? String(value) : value));

afterEach(() => dropKeptParses());

describe('kept parses', () => {
  it('a parse kept from the facts read is the file a fresh parse gives the codemods (every fixture source)', () => {
    const files = sourcesUnder(join(import.meta.dirname, '..', 'fixtures'));
    let compared = 0;
    for (const path of files) {
      const text = readFileSync(path, 'utf8');
      extractJsFacts(path, text, (program) => keepParse(path, text, program));
      const { program, error } = parseProgram(path, text);
      const kept = takeKeptParse(path, text, known);
      if (error) {
        expect(kept).toBeUndefined();
        continue;
      }
      if (kept === undefined) continue; // no facts parse (nothing the model reads in it)
      expect(shape(kept), path).toBe(shape(toBabelFile(program, text, known)));
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('reshaped ahead or on request, a kept parse serves one request for its own text', () => {
    const text = "import { Kafka } from 'kafkajs';\nconst consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });\n";
    const fresh = shape(toBabelFile(parseProgram('a.ts', text).program, text, known));
    keepParse('a.ts', text, parseProgram('a.ts', text).program);
    keepParse('b.ts', text, parseProgram('b.ts', text).program);
    let asked = 0;
    expect(reshapeKept(known, () => asked++ >= 1)).toBe(true); // one reshaped, one left
    expect(takeKeptParse('a.ts', `${text}\n`, known)).toBeUndefined(); // another text: not this parse
    expect(shape(takeKeptParse('a.ts', text, known))).toBe(fresh);
    expect(takeKeptParse('a.ts', text, known)).toBeUndefined(); // taken once
    expect(shape(takeKeptParse('b.ts', text, known))).toBe(fresh); // reshaped when asked
  });

  it('keeps nothing past its budget of source bytes', () => {
    const big = `export const a = '${'x'.repeat(KEEP_BUDGET / 4)}';\n`;
    for (const name of ['a.ts', 'b.ts', 'c.ts', 'd.ts']) keepParse(name, big, parseProgram(name, big).program);
    for (const name of ['a.ts', 'b.ts', 'c.ts']) expect(takeKeptParse(name, big, known)).toBeTruthy();
    expect(takeKeptParse('d.ts', big, known)).toBeUndefined(); // a to d would pass the budget
    keepParse('d.ts', big, parseProgram('d.ts', big).program); // room again once the others are taken
    expect(takeKeptParse('d.ts', big, known)).toBeTruthy();
  });
});
