/**
 * The codemods read oxc's parse reshaped into Babel's AST (src/source/babel-shape.ts) instead of
 * babel's own: every node of every fixture source, and of sources written to hold the syntax where
 * ESTree and Babel differ, must have the type, range, line/column and flags babel gives it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toBabelFile } from '../src/source/babel-shape.js';
import { langOf, parseProgram } from '../src/source/facts.js';

const load = createRequire(import.meta.url);
const babel = createRequire(load.resolve('jscodeshift/package.json'))('@babel/parser') as { parse(text: string, options: object): unknown };
const tsOptions = load('jscodeshift/parser/tsOptions') as { plugins: unknown[] };
const namedTypes = (load('jscodeshift') as { types: { namedTypes: Record<string, unknown> } }).types.namedTypes;
const known = (type: string) => type in namedTypes;

const root = join(import.meta.dirname, '..');

/** What babel (jscodeshift's `ts`/`tsx` options, as ecsfix's fallback parser) makes of a file. */
function babelParse(path: string, text: string): unknown {
  const jsx = langOf(path) === 'tsx' || langOf(path) === 'jsx';
  return babel.parse(text, { ...tsOptions, plugins: jsx ? ['jsx', ...tsOptions.plugins] : tsOptions.plugins, tokens: false, attachComment: false });
}

const FLAGS = ['name', 'value', 'optional', 'computed', 'shorthand', 'kind', 'static', 'async', 'generator', 'method', 'operator', 'prefix', 'tail', 'abstract'];

/** Every node as `start-end Type Lline:col-line:col flags` (parenthesised ones marked), sorted. */
function nodesOf(tree: unknown): string[] {
  const out: string[] = [];
  const stack: unknown[] = [tree];
  while (stack.length) {
    const n = stack.pop() as Record<string, unknown> | null;
    if (!n || typeof n !== 'object') continue;
    if (Array.isArray(n)) {
      stack.push(...n);
      continue;
    }
    if (typeof n.type === 'string') {
      const loc = n.loc as { start: { line: number; column: number }; end: { line: number; column: number } };
      const flags = FLAGS.filter((k) => n[k] !== undefined && n[k] !== null && n[k] !== false && typeof n[k] !== 'object').map((k) => `${k}=${String(n[k])}`);
      const paren = (n.extra as { parenthesized?: boolean } | undefined)?.parenthesized ? ' (paren)' : '';
      out.push(`${n.start}-${n.end} ${n.type} L${loc.start.line}:${loc.start.column}-${loc.end.line}:${loc.end.column} ${flags.join(',')}${paren}`);
    }
    for (const key in n) if (!['loc', 'extra', 'comments', 'tokens'].includes(key)) stack.push(n[key]);
  }
  return out.sort();
}

function reshaped(path: string, text: string) {
  const { program, error } = parseProgram(path, text);
  expect(error).toBeNull();
  return toBabelFile(program, text, known);
}

function sourcesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === '.git') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourcesUnder(p));
    else if (/\.[cm]?[jt]sx?$/.test(e.name) && !/\.d\.[cm]?ts$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Where the two ASTs differ: each shape here is one such difference, written as repos write it. */
const SHAPES: Record<string, string> = {
  'literals-and-directives.ts': `#!/usr/bin/env node
'use strict';
"use client";
const s = 'a', d = "b", n = 1_000, h = 0x1f, b = true, z = null, r = /x+\\//gi, big = 0x1fn + 10_000n;
function f() { 'use strict'; return \`\${s}-\${d}\`; }
const t = tag\`a\${1}b\`;
`,
  'objects-and-classes.ts': `const o = { a, b: 1, 'c': 2, 3: 4, [k]: 5, m() {}, get g() { return 1; }, set g(v) {}, async *ag() {}, ...rest };
const { q = 1, r: { s }, ...others } = o;
abstract class A<T> extends B<T> implements I, J<T> {
  #p = 1;
  static #sp: number;
  declare d: string;
  private readonly r!: number;
  accessor acc = 2;
  abstract ab(): void;
  abstract abp: number;
  static { this.x = 1; }
  constructor(private readonly consumer: Consumer, @Inject('x') public y?: string) { super(); }
  over(a: string): void;
  over(a: any) { return this.#m(a); }
  #m(a) { return #p in this; }
  get g() { return 1; } set g(v) {}
  static async *gen() { yield* other(); for await (const z of it) {} }
  @Dec() method(@Param() p: number) { return <any>p satisfies number; }
}
@Module({ imports: [] })
export class AppModule {}
export default class extends Base {}
`,
  'chains-and-modules.ts': `import def, { a as b, type T } from './m.js';
import * as ns from 'ns';
import json from './x.json' with { type: 'json' };
export * as re from './re';
export * from './all';
export { b as c, default as d } from './m.js';
import x = require('y');
const v = a?.b.c(1)?.[0]?.(2) ?? a?.b!.c;
const w = (a?.b).c, p = (1 + 2) * 3;
const lazy = () => import('./lazy');
new Foo<string>();
f<number>(1);
x ??= y;
`,
  'types.ts': `declare module 'z' { export const q: number; }
namespace N { export const v = 1; }
enum E { A = 1, B = A << 1, C = 'c' }
type Tpl = \`a\${string}b\`;
type Fn = (a: string, ...r: number[]) => void;
type Ctor = new (a: string) => object;
type M = { [K in keyof T]?: T[K] };
type C2 = T extends string ? 'a' : infer U extends number ? U : never;
interface I extends J<string>, K { m(a: string): void; new (x: number): I; (y: string): number; readonly [k: string]: unknown; p?: string }
const f2 = async <T,>(a: T): Promise<T> => a;
`,
  'component.tsx': `export const El = ({ a }: { a: string }) => <div className="x" data-a={a} {...rest}><span>{a}</span><>frag</><Foo.Bar x /></div>;
`,
  'commonjs.js': `const x = require('x')
module.exports = { x, async run () { await x?.go() } }
class K { static f = 1; #g; m () { return this.#g } }
`,
};

describe('oxc programs reshaped into Babel ASTs', () => {
  it.each(Object.entries(SHAPES))('%s: every node as babel makes it', (name, text) => {
    expect(nodesOf(reshaped(name, text))).toEqual(nodesOf(babelParse(name, text)));
  });

  it('every JS/TS source under fixtures/: every node as babel makes it', () => {
    const files = sourcesUnder(join(root, 'fixtures'));
    expect(files.length).toBeGreaterThan(300);
    const differing: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const path = relative(root, file);
      if (parseProgram(path, text).error) continue;
      const ours = nodesOf(reshaped(path, text));
      const theirs = nodesOf(babelParse(path, text));
      if (ours.join('\n') !== theirs.join('\n')) differing.push(`${path}: ${ours.find((x, i) => x !== theirs[i])}`);
    }
    expect(differing).toEqual([]);
  });

  it('a program holding a node type ast-types does not know is given up (the runner parses with babel)', () => {
    const { program } = parseProgram('a.ts', 'const a = 1;\n');
    expect(toBabelFile(program, 'const a = 1;\n', (type) => type !== 'NumericLiteral')).toBeNull();
  });
});
