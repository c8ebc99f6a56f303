/**
 * The syntax tree of JS/TS sources for the readiness rules, through the source layer's parser
 * (src/source: oxc-parser, ESTree-shaped), plus the few walkers the rules need to follow start-up
 * code. The facts the source layer already extracts (env reads, listen) are read from it directly.
 */
import { parseProgram } from '../source/facts.js';
import { lineStarts } from '../text.js';

/** An ESTree node as oxc-parser returns it (loosely typed: the rules read a few node kinds). */
export interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

export interface JsSource {
  path: string;
  text: string;
  program: Node;
  line(offset: number): number;
}

const cache = new Map<string, JsSource | null>();

/** Parses a JS/TS file once per text; null when it does not parse (the model reports such files). */
export function parseJs(path: string, text: string): JsSource | null {
  const key = `${path}\0${text}`;
  if (cache.has(key)) return cache.get(key) ?? null;
  let source: JsSource | null = null;
  try {
    const result = parseProgram(path, text);
    if (result.error === null) {
      const starts = lineStarts(text);
      source = { path, text, program: result.program as unknown as Node, line: (offset) => lineAt(starts, offset) };
    }
  } catch {
    source = null;
  }
  if (cache.size > 500) cache.clear();
  cache.set(key, source);
  return source;
}

export const isJsFile = (path: string) => /\.(?:[cm]?[jt]sx?)$/.test(path) && !/\.d\.[cm]?ts$/.test(path);

export function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';
}

/** Children of a node, in source order. */
export function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'parent') continue;
    if (Array.isArray(value)) {
      for (const v of value) if (isNode(v)) out.push(v);
    } else if (isNode(value)) out.push(value);
  }
  return out;
}

/** Depth-first walk with the ancestors of each node (nearest last). */
export function walk(node: Node, visit: (node: Node, ancestors: Node[]) => void, ancestors: Node[] = []): void {
  visit(node, ancestors);
  ancestors.push(node);
  for (const child of children(node)) walk(child, visit, ancestors);
  ancestors.pop();
}

const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);
export const isFunction = (node: Node) => FUNCTION_TYPES.has(node.type);

/** `a.b.c` for a member chain / identifier, null for anything else. */
export function dottedName(node: unknown): string | null {
  if (!isNode(node)) return null;
  if (node.type === 'Identifier') return node.name as string;
  if (node.type === 'ThisExpression') return 'this';
  if (node.type === 'MemberExpression' && !node.computed) {
    const object = dottedName(node.object);
    const property = isNode(node.property) ? (node.property.name as string | undefined) : undefined;
    return object && property ? `${object}.${property}` : null;
  }
  if (node.type === 'MemberExpression' && node.computed && isNode(node.property) && node.property.type === 'Literal') {
    const object = dottedName(node.object);
    return object ? `${object}.${String(node.property.value)}` : null;
  }
  return null;
}

/** The callee's dotted name of a call (`process.exit`, `main`, `app.listen`). */
export const calleeName = (call: Node) => (call.type === 'CallExpression' ? dottedName(call.callee) : null);

/** Named functions and class methods of a file, by name (the start-up code the rules follow). */
export function namedFunctions(program: Node): Map<string, Node> {
  const fns = new Map<string, Node>();
  walk(program, (node) => {
    if (node.type === 'FunctionDeclaration' && isNode(node.id)) fns.set(node.id.name as string, node);
    else if (node.type === 'VariableDeclarator' && isNode(node.id) && node.id.type === 'Identifier' && isNode(node.init) && isFunction(node.init))
      fns.set(node.id.name as string, node.init);
    else if (node.type === 'MethodDefinition' && isNode(node.key) && isNode(node.value)) fns.set(node.key.name as string, node.value);
  });
  return fns;
}

/** The exit code of a `process.exit(n)` call: n for a numeric literal, null otherwise (0 when absent). */
export function exitCode(call: Node): number | null {
  if (calleeName(call) !== 'process.exit') return null;
  const arg = (call.arguments as Node[])[0];
  if (!arg) return 0;
  return arg.type === 'Literal' && typeof arg.value === 'number' ? arg.value : null;
}

/** 1-based line of an offset, by binary search over the line starts. */
function lineAt(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** Where a module-level name comes from: `import { App } from './app'`, `import App from './app'`, `const { App } = require('./app')`, `const App = require('./app')` ('default'). */
export function importOf(program: Node, local: string): { spec: string; imported: string } | null {
  for (const statement of program.body as Node[]) {
    if (statement.type === 'ImportDeclaration' && isNode(statement.source)) {
      for (const s of (statement.specifiers as Node[]) ?? [])
        if (isNode(s.local) && s.local.name === local)
          return { spec: String(statement.source.value), imported: s.type === 'ImportSpecifier' && isNode(s.imported) ? String(s.imported.name ?? s.imported.value) : 'default' };
    }
    if (statement.type !== 'VariableDeclaration') continue;
    for (const d of statement.declarations as Node[]) {
      const spec = requiredSpec(d.init);
      if (spec === null || !isNode(d.id)) continue;
      if (d.id.type === 'Identifier' && d.id.name === local) return { spec, imported: 'default' };
      if (d.id.type !== 'ObjectPattern') continue;
      for (const p of d.id.properties as Node[])
        if (isNode(p.value) && p.value.type === 'Identifier' && p.value.name === local && isNode(p.key)) return { spec, imported: String(p.key.name ?? p.key.value) };
    }
  }
  return null;
}

/** `require('x')` -> 'x'. */
function requiredSpec(node: unknown): string | null {
  if (!isNode(node) || node.type !== 'CallExpression' || calleeName(node) !== 'require') return null;
  const arg = (node.arguments as Node[])[0];
  return arg?.type === 'Literal' && typeof arg.value === 'string' ? arg.value : null;
}

/** The initializer of a module-level `const name = <init>` (an `await` unwrapped); null for none. */
export function moduleInit(program: Node, name: string): Node | null {
  for (const statement of program.body as Node[]) {
    const declaration = statement.type === 'ExportNamedDeclaration' && isNode(statement.declaration) ? statement.declaration : statement;
    if (declaration.type !== 'VariableDeclaration') continue;
    for (const d of declaration.declarations as Node[]) {
      if (!isNode(d.id) || d.id.type !== 'Identifier' || d.id.name !== name || !isNode(d.init)) continue;
      return d.init.type === 'AwaitExpression' && isNode(d.init.argument) ? d.init.argument : d.init;
    }
  }
  return null;
}
