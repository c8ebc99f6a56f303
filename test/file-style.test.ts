/**
 * fileStyle (codemods/lib/codemod-api.ts) reads a file's quotes, semicolons and indentation in one
 * pass over its lines; it must answer as the regex-per-line reading below (what it replaced) does,
 * on every fixture source and on random lines of code-like pieces with every kind of white space
 * \s matches (trailing \r, tabs, no-break and other Unicode spaces, U+2028, a BOM).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fileStyle, type FileStyle } from '../codemods/lib/codemod-api.js';

/** The reading fileStyle replaced: a split and a regex filter per measure. */
function byRegexPerLine(source: string): FileStyle {
  const single = (source.match(/(?<![\w\\])'[^'\n]*'/g) ?? []).length;
  const double = (source.match(/(?<![\w\\])"[^"\n]*"/g) ?? []).length;
  const statementEnds = source.split('\n').filter((l) => /[\w)\]'"`]\s*$/.test(l) && !/^\s*(?:\/\/|\*|import\b|export\b.*\{$)/.test(l));
  const withSemi = source.split('\n').filter((l) => /;\s*$/.test(l)).length;
  const indents = source.split('\n').filter((l) => !/^\s*\*/.test(l)).map((l) => /^( +|\t+)\S/.exec(l)?.[1] ?? '').filter(Boolean);
  const tabs = indents.filter((i) => i.startsWith('\t')).length;
  const smallest = indents.filter((i) => !i.startsWith('\t')).reduce((m, i) => Math.min(m, i.length), 8);
  return {
    quote: double > single ? '"' : "'",
    semi: withSemi >= statementEnds.length / 2 || withSemi > 0 ? ';' : '',
    indent: tabs > indents.length / 2 ? '\t' : ' '.repeat(smallest === 8 ? 2 : smallest),
    eol: '\n',
  };
}

const root = join(import.meta.dirname, '..');

describe('fileStyle', () => {
  it('reads every fixture source as the regex-per-line reading does', () => {
    const files = readdirSync(join(root, 'fixtures'), { recursive: true, encoding: 'utf8' }).filter((f) => /\.[cm]?[jt]sx?$/.test(f) && !f.includes('node_modules'));
    for (const file of files) {
      const source = readFileSync(join(root, 'fixtures', file), 'utf8');
      expect(fileStyle(source), file).toEqual(byRegexPerLine(source));
    }
    expect(files.length).toBeGreaterThan(500);
  });

  it('reads random lines as the regex-per-line reading does', () => {
    const space = fc.constantFrom(' ', '  ', '    ', '\t', '\t\t', ' \t', '\r', '\u00a0', '\u2028', '\ufeff', '\u3000', '\v', '');
    const word = fc.constantFrom('x', 'foo()', "'a'", '"b"', '`c`', 'import x', 'export {', 'export const a = {', '//', '/*', '*', ' * doc', ';', '{', '}', ')', ']', ',', 'é', '\\', "it's", 'a"b"');
    const line = fc.array(fc.oneof(space, word), { maxLength: 6 }).map((parts) => parts.join(''));
    const source = fc.array(line, { maxLength: 12 }).map((lines) => lines.join('\n'));
    fc.assert(
      fc.property(source, (text) => {
        expect(fileStyle(text)).toEqual(byRegexPerLine(text));
      }),
      { seed: 20261202, numRuns: 5000 },
    );
  });
});
