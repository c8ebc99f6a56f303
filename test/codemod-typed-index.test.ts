/**
 * The codemods look nodes up by type through codemods/lib/codemod-api.ts (typed, typedNodes,
 * typedPath) instead of `root.find(j.X)`: one walk of the file, NodePaths made only for what is
 * asked. What they give must be what `root.find` gives: the same nodes in the same order, the same
 * NodePath objects (a later `find` or `get` reaches the very paths handed out), and the tree left as
 * ast-types' visitor leaves it (a field the parser left out gets its default value). Checked on every
 * fixture source, on the parse the codemods read (oxc's reshaped into Babel's) and on jscodeshift's
 * own (the one they get under the jscodeshift CLI).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ASTPath, Collection, JSCodeshift } from 'jscodeshift';
import { describe, expect, it } from 'vitest';
import { nodesInside, typed, typedNodes, typedPath } from '../codemods/lib/codemod-api.js';
import { toBabelFile } from '../src/source/babel-shape.js';
import { langOf, parseProgram } from '../src/source/facts.js';

const load = createRequire(import.meta.url);
const jscodeshift = load('jscodeshift') as JSCodeshift;
const root = join(import.meta.dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Babel nodes of every type
type AnyPath = ASTPath<any>;

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.[cm]?[jt]sx?$/.test(f) && !/\.d\.[cm]?ts$/.test(f) && !f.includes('node_modules'))
    .map((f) => join(dir, f));
}

/** The file as a codemod gets it from ecsfix (oxc's parse reshaped), or from the jscodeshift CLI. */
function parsed(j: JSCodeshift, path: string, text: string, how: 'oxc' | 'jscodeshift'): Collection | null {
  if (how === 'jscodeshift') return j(text);
  const { program, error } = parseProgram(path, text);
  const file = error ? null : toBabelFile(program, text, (type) => type in j.types.namedTypes);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a Babel File node
  return file ? j(file as any) : null;
}

/** Two separate parses of a fixture source (one to ask root.find, one to ask the index), with its jscodeshift; null for one that does not parse. */
function twoParses(file: string, how: 'oxc' | 'jscodeshift'): { j: JSCodeshift; one: Collection; other: Collection } | null {
  const text = readFileSync(join(root, file), 'utf8');
  const j = jscodeshift.withParser(langOf(file) === 'tsx' || langOf(file) === 'jsx' ? 'tsx' : 'ts');
  try {
    const one = parsed(j, file, text, how);
    const other = parsed(j, file, text, how);
    return one && other ? { j, one, other } : null;
  } catch {
    return null; // a fixture written not to parse
  }
}

/** A path as the names that lead to it from the root, with its node's type and range. */
function where(path: AnyPath): string {
  const names: unknown[] = [];
  for (let p: AnyPath | null = path; p; p = p.parentPath as AnyPath | null) names.push(p.name);
  const node = path.node as { type: string; start?: number; end?: number };
  return `${names.reverse().join('/')} ${node.type} ${node.start}-${node.end}`;
}

/** The tree as text, with what the parser left out and a walk filled in (`undefined` kept visible). */
function dump(root: Collection): string {
  return JSON.stringify(root.get().node, (key, value) => (key === 'loc' || key === 'tokens' ? undefined : value === undefined ? '(undefined)' : value));
}

function byType(paths: AnyPath[]): Map<string, AnyPath[]> {
  const out = new Map<string, AnyPath[]>();
  for (const p of paths) out.set(p.node.type, [...(out.get(p.node.type) ?? []), p]);
  return out;
}

describe('typed lookups of the codemods', () => {
  const files = [...sources('fixtures/transforms'), ...sources('fixtures/corpus'), ...sources('fixtures/kodingcaravan')];

  it.each(['oxc', 'jscodeshift'] as const)('give what root.find gives, on the %s parse of every fixture source', (how) => {
    let compared = 0;
    let lazily = 0;
    for (const file of files) {
      const two = twoParses(file, how);
      if (!two) continue;
      const { j, one: viaFind, other: viaIndex } = two;
      const expected = byType(viaFind.find(j.Node).paths());
      const types = [...expected.keys()];
      // Some paths first made alone (and their ancestors), before the whole list of their type.
      for (const type of types) {
        const nodes = typedNodes(j, viaIndex, type);
        for (let i = nodes.length - 1; i >= 0; i -= 3) {
          expect(typedPath(j, viaIndex, type, i).node).toBe(nodes[i]);
          lazily++;
        }
      }
      for (const type of [...types].reverse()) {
        const got = typed(j, viaIndex, type);
        expect(got.map(where), `${file} ${type}`).toEqual((expected.get(type) ?? []).map(where));
        expect(typedNodes(j, viaIndex, type)).toEqual(got.map((p) => p.node));
        got.forEach((p, i) => expect(typedPath(j, viaIndex, type, i)).toBe(p));
        compared += got.length;
      }
      expect(dump(viaIndex), file).toBe(dump(viaFind));
      // The same objects root.find reaches afterwards (ast-types caches a path's children).
      const again = byType(viaIndex.find(j.Node).paths());
      for (const type of types) expect(again.get(type)?.every((p, i) => p === typed(j, viaIndex, type)[i]), `${file} ${type}`).toBe(true);
    }
    // Not vacuous.
    expect(compared).toBeGreaterThan(how === 'oxc' ? 50_000 : 40_000);
    expect(lazily).toBeGreaterThan(10_000);
  });

  it.each(['oxc', 'jscodeshift'] as const)('nodesInside gives what j(node).find gives, below every function and call of the %s parse', (how) => {
    let compared = 0;
    let optional = 0; // `a?.b()`: find takes a subtype too
    for (const file of files) {
      const two = twoParses(file, how);
      if (!two) continue;
      const { j, one: viaFind, other: viaWalk } = two;
      const underFind = holders(viaFind.get().node);
      const underWalk = holders(viaWalk.get().node);
      expect(underWalk.length).toBe(underFind.length);
      underFind.forEach((node, i) => {
        for (const type of ['CallExpression', 'AssignmentExpression']) {
          const want = viaFindNodes(j, node, type);
          expect(nodesInside(j, underWalk[i], type).map(span), `${file} ${type} below #${i}`).toEqual(want.map(span));
          compared += want.length;
          optional += want.filter((n) => n.type === 'OptionalCallExpression').length;
        }
      });
      // The same defaults filled in below them as the visitor fills in.
      expect(dump(viaWalk), file).toBe(dump(viaFind));
    }
    expect(compared).toBeGreaterThan(10_000);
    expect(optional).toBeGreaterThan(0);
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Babel nodes of every type
type AnyNode = any;

function viaFindNodes(j: JSCodeshift, node: AnyNode, type: string): AnyNode[] {
  return j(node)
    .find((j.types.namedTypes as AnyNode)[type])
    .nodes();
}

function span(node: AnyNode): string {
  return `${node.type} ${node.start}-${node.end}`;
}

/** The functions and calls of a tree, in the order of its own keys (the two parses compared are alike). */
function holders(tree: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  const walk = (value: AnyNode): void => {
    if (!value || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach(walk);
    if (/Function|Method|CallExpression$/.test(value.type ?? '')) out.push(value);
    for (const key of Object.keys(value)) if (key !== 'loc' && key !== 'tokens' && key !== 'comments') walk(value[key]);
  };
  walk(tree);
  return out;
}
