/**
 * Every codemod output is checked for syntax errors with oxcHasDiagnostics (src/source/oxc.ts), which
 * reads only the length of the diagnostics list oxc's raw transfer writes into a buffer, at an offset
 * of oxc-parser's current layout. It must answer as the diagnostics oxc's JSON result carries: on
 * every fixture source, on each of them cut short or with a character dropped (most of those do not
 * parse), and on texts in every language oxc is asked to parse.
 */
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { langOf } from '../src/source/facts.js';
import { oxcErrors, oxcHasDiagnostics, prepareOxcRawTransfer, type OxcLang } from '../src/source/oxc.js';

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(?:[cm]?[jt]sx?)$/.test(e.name) && !join(e.parentPath, e.name).includes('node_modules'))
    .map((e) => join(e.parentPath, e.name));
}

const lang = (path: string): OxcLang => (langOf(path) === 'js' ? 'jsx' : langOf(path));
const fromJson = (path: string, text: string) => oxcErrors(path, text, lang(path)).length > 0;

describe('oxcHasDiagnostics', () => {
  const files = sourcesUnder(join(import.meta.dirname, '..', 'fixtures')).map((path) => ({ path, text: readFileSync(path, 'utf8') }));

  it('reads the raw transfer buffer here (64-bit Linux, Node 20 or later), not the JSON fallback', () => {
    expect(prepareOxcRawTransfer()).toBe(true);
  });

  it('answers as oxc’s JSON result on every fixture source', () => {
    expect(files.length).toBeGreaterThan(100);
    for (const { path, text } of files) expect(oxcHasDiagnostics(path, text, lang(path)), path).toBe(fromJson(path, text));
  });

  it('answers as oxc’s JSON result on fixture sources cut short or with a character dropped', () => {
    let broken = 0;
    fc.assert(
      fc.property(fc.constantFrom(...files), fc.nat(), fc.boolean(), ({ path, text }, at, cut) => {
        const i = text.length ? at % text.length : 0;
        const mutated = cut ? text.slice(0, i) : text.slice(0, i) + text.slice(i + 1);
        const expected = fromJson(path, mutated);
        if (expected) broken++;
        expect(oxcHasDiagnostics(path, mutated, lang(path))).toBe(expected);
      }),
      { seed: 20261202, numRuns: 400 },
    );
    // Not vacuous: many of the mutations break the file.
    expect(broken).toBeGreaterThan(100);
  });

  it('in every language, non-ASCII text included', () => {
    const cases: [string, OxcLang, string][] = [
      ['a.ts', 'ts', 'const a: number = 1; // é\n'],
      ['a.ts', 'ts', 'const a = <T,>(x: T) => x;\n'],
      ['a.ts', 'ts', 'const a = <div/>;\n'],
      ['a.tsx', 'tsx', 'const a = <div>é</div>;\n'],
      ['a.js', 'jsx', 'const a = <div/>;\n'],
      ['a.js', 'jsx', 'const a: number = 1;\n'],
      ['a.js', 'js', 'const s = "日本語"; export default s;\n'],
      ['a.js', 'js', 'const s = "日本語"; export default ;\n'],
      ['a.ts', 'ts', ''],
    ];
    for (const [path, l, text] of cases) expect(oxcHasDiagnostics(path, text, l), text).toBe(oxcErrors(path, text, l).length > 0);
  });
});
