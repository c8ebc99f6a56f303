/**
 * src/source/oxc.ts parses through oxc's raw transfer once a thread has prepared it (the planning
 * threads do), and checks codemod outputs for syntax errors by reading only the length of the
 * diagnostics list, at an offset of oxc-parser's current layout. Both must answer as oxc's JSON
 * result: the same program and diagnostics on every fixture source and the sample's, the same
 * "has diagnostics" on each of them cut short or with a character dropped (most of those do not
 * parse), in every language oxc is asked to parse, non-ASCII text included.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseSync } from 'oxc-parser/src-js/bindings';
import { jsonParseAst } from 'oxc-parser/src-js/wrap';
import { describe, expect, it } from 'vitest';
import { langOf } from '../src/source/facts.js';
import { oxcErrors, oxcHasDiagnostics, oxcParse, prepareOxcRawTransfer, type OxcLang } from '../src/source/oxc.js';
import { sourcesUnder } from './helpers/repo.js';

const lang = (path: string): OxcLang => (langOf(path) === 'js' ? 'jsx' : langOf(path));
/** oxc's JSON result, what the raw transfer's must equal. */
const fromJson = (path: string, text: string, l: OxcLang = lang(path)) => {
  const result = parseSync(path, text, { lang: l });
  return { program: jsonParseAst(result.program), errors: result.errors };
};

describe('oxc through raw transfer', () => {
  const files = sourcesUnder(join(import.meta.dirname, '..', 'fixtures')).map((path) => ({ path, text: readFileSync(path, 'utf8') }));

  it('is in use here (64-bit Linux, Node 20 or later), not the JSON fallback', () => {
    expect(prepareOxcRawTransfer()).toBe(true);
  });

  it('gives the program and diagnostics of oxc’s JSON result on every fixture source', () => {
    expect(prepareOxcRawTransfer()).toBe(true);
    expect(files.length).toBeGreaterThan(100);
    for (const { path, text } of files) {
      const expected = fromJson(path, text);
      const got = oxcParse(path, text, lang(path));
      expect(isDeepStrictEqual(got.program, expected.program), path).toBe(true);
      expect(got.errors, path).toEqual(expected.errors);
      expect(oxcHasDiagnostics(path, text, lang(path)), path).toBe(expected.errors.length > 0);
    }
  });

  it('answers as oxc’s JSON result on fixture sources cut short or with a character dropped', () => {
    expect(prepareOxcRawTransfer()).toBe(true);
    let broken = 0;
    fc.assert(
      fc.property(fc.constantFrom(...files), fc.nat(), fc.boolean(), ({ path, text }, at, cut) => {
        const i = text.length ? at % text.length : 0;
        const mutated = cut ? text.slice(0, i) : text.slice(0, i) + text.slice(i + 1);
        const expected = fromJson(path, mutated);
        if (expected.errors.length) broken++;
        expect(oxcHasDiagnostics(path, mutated, lang(path))).toBe(expected.errors.length > 0);
        expect(oxcErrors(path, mutated, lang(path))).toEqual(expected.errors);
      }),
      { seed: 20261202, numRuns: 400 },
    );
    // Not vacuous: many of the mutations break the file.
    expect(broken).toBeGreaterThan(100);
  });

  it('in every language, non-ASCII text, regular expressions and big integers included', () => {
    expect(prepareOxcRawTransfer()).toBe(true);
    const cases: [string, OxcLang, string][] = [
      ['a.ts', 'ts', 'const a: number = 1; // é\n'],
      ['a.ts', 'ts', 'const a = <T,>(x: T) => x;\n'],
      ['a.ts', 'ts', 'const a = <div/>;\n'],
      ['a.tsx', 'tsx', 'const a = <div>é</div>;\n'],
      ['a.js', 'jsx', 'const a = <div/>;\n'],
      ['a.js', 'jsx', 'const a: number = 1;\n'],
      ['a.js', 'js', 'const s = "日本語"; export default s;\n'],
      ['a.js', 'js', 'const s = "日本語"; export default ;\n'],
      ['a.js', 'js', '#!/usr/bin/env node\nconst r = /a+é/giu, n = 10n;\n'],
      ['a.ts', 'ts', 'const r = /(?<x>\\d+)/v; const n: bigint = 0x1fn;\n'],
      ['a.ts', 'ts', ''],
    ];
    for (const [path, l, text] of cases) {
      const expected = fromJson(path, text, l);
      const got = oxcParse(path, text, l);
      expect(isDeepStrictEqual(got.program, expected.program), text).toBe(true);
      expect(got.errors, text).toEqual(expected.errors);
      expect(oxcHasDiagnostics(path, text, l), text).toBe(expected.errors.length > 0);
    }
  });
});
