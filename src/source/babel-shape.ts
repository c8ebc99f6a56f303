/**
 * oxc's program, reshaped into the Babel AST that jscodeshift's `ts`/`tsx` parser builds (without the
 * token list and attached comments, as ecsfix asks babel for them: see src/run/codemod.ts), so the
 * codemods — jscodeshift transforms written against Babel's node types — run on the parse the repo
 * model already made instead of parsing the file again with babel (which, cold, costs twice oxc's
 * parse).
 *
 * The reshaping is done in place on a program nobody else reads afterwards. It covers what differs
 * between ESTree/TS-ESTree and Babel for code: literals, object and class members, private names,
 * optional chains, parentheses, directives, dynamic import, `export * as`, template elements,
 * decorated classes, and
 * the type nodes whose names or child fields differ. A program that still holds a node type
 * jscodeshift's ast-types does not know (syntax newer than it) is given up: `null`, and the caller
 * parses with babel as before. test/babel-shape.test.ts compares every node's type and range with
 * babel's own parse over the fixture and corpus sources. (Not reproduced, as no codemod reads it: Babel
 * decodes HTML entities in a JSXText's value.)
 */
import { visitorKeys } from 'oxc-parser';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ESTree and Babel nodes alike
type Node = any;

export interface BabelFile {
  type: 'File';
  program: Node;
  start: number;
  end: number;
  loc: Node;
  comments: [];
}

/** Line start offsets, for `loc` (1-based lines, 0-based UTF-16 columns, as Babel's). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/**
 * A node's Babel `loc`, worked out from its offsets when read: the codemods read the lines of a few
 * nodes, and a position pair made for every node cost more than the rest of the reshaping.
 */
class Location {
  constructor(
    private readonly node: Node,
    private readonly starts: number[],
  ) {}
  get start(): { line: number; column: number } {
    return positionIn(this.starts, this.node.start);
  }
  get end(): { line: number; column: number } {
    return positionIn(this.starts, this.node.end);
  }
}

function positionIn(starts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (starts[lo] as number) };
}

/** The Babel literal node for an ESTree `Literal`. */
function literal(n: Node): Node {
  const base = { start: n.start, end: n.end };
  if (n.regex) return { type: 'RegExpLiteral', ...base, pattern: n.regex.pattern, flags: n.regex.flags, extra: { raw: n.raw } };
  if (n.bigint !== undefined && n.bigint !== null) {
    const digits = n.raw.slice(0, -1).replace(/_/g, ''); // Babel keeps the literal's base: 0x1f, not 31
    return { type: 'BigIntLiteral', ...base, value: digits, extra: { rawValue: digits, raw: n.raw } };
  }
  if (typeof n.value === 'string') return { type: 'StringLiteral', ...base, value: n.value, extra: { rawValue: n.value, raw: n.raw } };
  if (typeof n.value === 'number') return { type: 'NumericLiteral', ...base, value: n.value, extra: { rawValue: n.value, raw: n.raw } };
  if (typeof n.value === 'boolean') return { type: 'BooleanLiteral', ...base, value: n.value };
  return { type: 'NullLiteral', ...base };
}

/** `#x` -> PrivateName { id: Identifier x } (Babel's id starts after the `#`). */
function privateName(n: Node, located: (n: Node) => Node): Node {
  return { type: 'PrivateName', start: n.start, end: n.end, id: located({ type: 'Identifier', start: n.start + 1, end: n.end, name: n.name }) };
}

/** The function fields Babel puts on a method node itself. */
function methodParts(fn: Node): Node {
  return { params: fn.params, body: fn.body, async: fn.async, generator: fn.generator, returnType: fn.returnType ?? null, typeParameters: fn.typeParameters ?? null, id: null };
}

/** An ESTree `Property` (object literal or pattern member) -> ObjectProperty or ObjectMethod. */
function objectMember(n: Node): Node {
  if (n.method || n.kind === 'get' || n.kind === 'set')
    return { type: 'ObjectMethod', start: n.start, end: n.end, kind: n.kind === 'init' ? 'method' : n.kind, key: n.key, computed: n.computed, method: n.method, ...methodParts(n.value) };
  return { type: 'ObjectProperty', start: n.start, end: n.end, key: n.key, value: n.value, computed: n.computed, shorthand: n.shorthand, method: false };
}

/** An ESTree class method -> ClassMethod, ClassPrivateMethod or (no body) TSDeclareMethod. */
function classMethod(n: Node): Node {
  const fn = n.value;
  const bodiless = fn.type === 'TSEmptyBodyFunctionExpression' || !fn.body;
  const type = bodiless ? 'TSDeclareMethod' : n.key.type === 'PrivateName' ? 'ClassPrivateMethod' : 'ClassMethod';
  const flags = { static: n.static, computed: n.computed, accessibility: n.accessibility ?? undefined, override: n.override, optional: n.optional, abstract: n.type === 'TSAbstractMethodDefinition' };
  return { type, start: n.start, end: n.end, kind: n.kind, key: n.key, decorators: n.decorators, ...flags, ...methodParts(fn) };
}

/** An ESTree class field -> ClassProperty, ClassPrivateProperty or ClassAccessorProperty. */
function classField(n: Node): Node {
  const type = n.type === 'AccessorProperty' || n.type === 'TSAbstractAccessorProperty' ? 'ClassAccessorProperty' : n.key.type === 'PrivateName' ? 'ClassPrivateProperty' : 'ClassProperty';
  const { type: _t, ...rest } = n;
  return { ...rest, type, abstract: n.type.startsWith('TSAbstract') };
}

/** Marks the members and calls of an optional chain the way Babel types them (from the first `?.` on). */
function markOptional(n: Node): boolean {
  if (n.type === 'MemberExpression' || n.type === 'CallExpression') {
    const inner = markOptional(n.type === 'MemberExpression' ? n.object : n.callee);
    if (inner || n.optional) {
      n.type = n.type === 'MemberExpression' ? 'OptionalMemberExpression' : 'OptionalCallExpression';
      return true;
    }
    return false;
  }
  if (n.type === 'TSNonNullExpression') return markOptional(n.expression);
  return false;
}

/**
 * Babel's template elements span their raw text only; oxc's include the delimiters around it (`` ` ``,
 * `${`, `}`) in some versions and languages, which the first element's start gives away.
 */
function unwrapQuasis(n: Node): void {
  if (n.quasis[0]?.start !== n.start) return;
  for (const q of n.quasis) {
    q.start += 1;
    q.end -= q.tail ? 1 : 2;
  }
}

/** `"use strict"` and other prologue strings: Babel's `directives`, out of the body. */
function splitDirectives(holder: Node): void {
  const body: Node[] = holder.body;
  let count = 0;
  while (count < body.length && body[count].type === 'ExpressionStatement' && typeof body[count].directive === 'string') count++;
  if (!count) {
    holder.directives = [];
    return;
  }
  holder.directives = body.slice(0, count).map((s: Node) => {
    const lit = s.expression; // already a StringLiteral
    const raw: string = lit.extra.raw;
    const value = { type: 'DirectiveLiteral', start: lit.start, end: lit.end, loc: lit.loc, value: raw.slice(1, -1), extra: { raw, rawValue: raw.slice(1, -1) } };
    return { type: 'Directive', start: s.start, end: s.end, loc: s.loc, value };
  });
  holder.body = body.slice(count);
}

/** Child fields whose name differs (ESTree/TS-ESTree name -> Babel name), per node type. */
const RENAMED: Record<string, [string, string][]> = {
  CallExpression: [['typeArguments', 'typeParameters']],
  NewExpression: [['typeArguments', 'typeParameters']],
  TaggedTemplateExpression: [['typeArguments', 'typeParameters']],
  TSTypeReference: [['typeArguments', 'typeParameters']],
  TSTypeQuery: [['typeArguments', 'typeParameters']],
  TSImportType: [['typeArguments', 'typeParameters']],
  TSInstantiationExpression: [['typeArguments', 'typeParameters']],
  JSXOpeningElement: [['typeArguments', 'typeParameters']],
  ClassDeclaration: [['superTypeArguments', 'superTypeParameters']],
  ClassExpression: [['superTypeArguments', 'superTypeParameters']],
  TSMethodSignature: [['params', 'parameters'], ['returnType', 'typeAnnotation']],
  TSCallSignatureDeclaration: [['params', 'parameters'], ['returnType', 'typeAnnotation']],
  TSConstructSignatureDeclaration: [['params', 'parameters'], ['returnType', 'typeAnnotation']],
  TSFunctionType: [['params', 'parameters'], ['returnType', 'typeAnnotation']],
  TSConstructorType: [['params', 'parameters'], ['returnType', 'typeAnnotation']],
};

/** Moves a child to Babel's field name (the old field is emptied, not deleted: `delete` would slow every later read of the node). */
function rename(n: Node, pairs: [string, string][]): void {
  for (const [from, to] of pairs)
    if (n[from] !== undefined) {
      n[to] = n[from];
      n[from] = undefined;
    }
}

/** The Babel node for one ESTree node whose children are already reshaped. */
function reshape(n: Node, text: string, located: (n: Node) => Node): Node {
  const renamed = RENAMED[n.type];
  if (renamed) rename(n, renamed);
  switch (n.type) {
    case 'Literal':
      return literal(n);
    case 'PrivateIdentifier':
      return privateName(n, located);
    case 'Property':
      return objectMember(n);
    case 'MethodDefinition':
    case 'TSAbstractMethodDefinition':
      return classMethod(n);
    case 'PropertyDefinition':
    case 'TSAbstractPropertyDefinition':
    case 'AccessorProperty':
    case 'TSAbstractAccessorProperty':
      return classField(n);
    case 'ChainExpression':
      markOptional(n.expression);
      return n.expression;
    case 'ParenthesizedExpression': {
      const inner = n.expression;
      inner.extra = { ...inner.extra, parenthesized: true, parenStart: n.start };
      return inner;
    }
    case 'ImportExpression':
      return { type: 'CallExpression', start: n.start, end: n.end, callee: located({ type: 'Import', start: n.start, end: n.start + 6 }), arguments: n.options ? [n.source, n.options] : [n.source] };
    case 'ExportAllDeclaration':
      if (!n.exported) return n;
      return {
        type: 'ExportNamedDeclaration',
        start: n.start,
        end: n.end,
        declaration: null,
        specifiers: [located({ type: 'ExportNamespaceSpecifier', start: text.indexOf('*', n.start), end: n.exported.end, exported: n.exported })],
        source: n.source,
        exportKind: n.exportKind,
        attributes: n.attributes,
      };
    case 'TemplateLiteral':
      unwrapQuasis(n);
      return n;
    case 'ClassDeclaration':
    case 'ClassExpression':
      // Babel's class starts at its first decorator (`@Module(...) export class X`: so does the export).
      if (n.decorators?.length && n.decorators[0].start < n.start) n.start = n.decorators[0].start;
      return n;
    case 'ExportNamedDeclaration':
    case 'ExportDefaultDeclaration':
      if (n.declaration && n.declaration.start < n.start) n.start = n.declaration.start;
      return n;
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
      if (n.body?.type === 'BlockStatement') splitDirectives(n.body);
      return n;
    case 'TSEnumDeclaration':
      n.members = n.body?.members ?? [];
      delete n.body;
      return n;
    case 'TSClassImplements':
    case 'TSInterfaceHeritage':
      return { type: 'TSExpressionWithTypeArguments', start: n.start, end: n.end, expression: n.expression, typeParameters: n.typeArguments ?? null };
    case 'TSTemplateLiteralType':
      unwrapQuasis(n);
      return { type: 'TSLiteralType', start: n.start, end: n.end, literal: located({ type: 'TemplateLiteral', start: n.start, end: n.end, quasis: n.quasis, expressions: n.types }) };
    case 'TSMappedType':
      if (n.key) {
        n.typeParameter = located({ type: 'TSTypeParameter', start: n.key.start, end: n.constraint.end, name: n.key.name, constraint: n.constraint });
        delete n.key;
        delete n.constraint;
      }
      return n;
    case 'TSTypeParameter':
      n.name = n.name?.name ?? n.name;
      return n;
    default:
      return n;
  }
}

/** Node types with no Babel counterpart that their parent's reshaping takes apart. */
const CONSUMED_BY_PARENT = new Set(['TSEmptyBodyFunctionExpression', 'TSEnumBody']);

/**
 * Reshapes `program` (an oxc program of `text`) in place and wraps it in Babel's File node, or
 * returns null when it holds a node type `known` does not list (the caller then parses with babel).
 */
export function toBabelFile(program: Node, text: string, known: (type: string) => boolean): BabelFile | null {
  const starts = lineStarts(text);
  let unknown = false;
  const loc = (n: Node) => new Location(n, starts);
  const located = (n: Node) => Object.assign(n, { loc: loc(n) });
  const visit = (n: Node): Node => {
    const keys = (visitorKeys as Record<string, string[]>)[n.type] ?? Object.keys(n);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k] as string;
      const child = n[key];
      if (!child || typeof child !== 'object') continue;
      if (Array.isArray(child)) {
        for (let i = 0; i < child.length; i++) if (child[i] && typeof child[i].type === 'string') child[i] = visit(child[i]);
      } else if (typeof child.type === 'string') n[key] = visit(child);
    }
    const out = reshape(n, text, located);
    if (!out.loc) out.loc = loc(out);
    if (!CONSUMED_BY_PARENT.has(out.type) && !known(out.type)) unknown = true;
    return out;
  };
  program.body = program.body.map(visit);
  splitDirectives(program);
  const interpreter = program.hashbang ? { type: 'InterpreterDirective', start: program.hashbang.start, end: program.hashbang.end, value: program.hashbang.value, loc: loc(program.hashbang) } : null;
  delete program.hashbang;
  Object.assign(program, { start: 0, end: text.length, sourceType: 'module', interpreter });
  program.loc = loc(program);
  if (unknown) return null;
  return { type: 'File', program, start: 0, end: text.length, loc: program.loc, comments: [] };
}
