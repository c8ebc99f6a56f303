/**
 * What every codemod shares: the options ecsfix passes (the repo model, a note sink), and the
 * file's own style (quotes, semicolons, indentation, logger) so generated code reads like its
 * neighbours. Run by the jscodeshift CLI the options carry no repo: a codemod then decides from
 * the file alone, and its notes go to jscodeshift's report.
 *
 * This module and the codemods import each other with `.ts` specifiers and use no `import.meta`:
 * the jscodeshift CLI loads them through @babel/register as CommonJS.
 */
import type { API, ASTPath, Collection, JSCodeshift } from 'jscodeshift';

export type { CodemodNote, CodemodOptions } from '../../src/codemod.ts';
import type { CodemodNote, CodemodOptions } from '../../src/codemod.ts';
import type { RepoModel } from '../../src/repo/model.ts';

/** The file as a jscodeshift collection, parsed the fast way when ecsfix offers it. */
export function parseFile(j: JSCodeshift, source: string, options: CodemodOptions): Collection {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a Babel File node
  return options.parse ? j(options.parse(source) as any) : j(source);
}

/** Sends a note to ecsfix, or to jscodeshift's report when run standalone. */
export function noteTo(api: API, options: CodemodOptions, path: string) {
  return (note: CodemodNote) => {
    if (options.note) options.note(note);
    else api.report(`${path}${note.line ? `:${note.line}` : ''} ${note.code} ${note.message}`);
  };
}

export interface FileStyle {
  quote: "'" | '"';
  semi: string;
  indent: string;
  eol: string;
}

/** The file's quote style, semicolons and indentation, by majority. */
export function fileStyle(source: string): FileStyle {
  const single = (source.match(/(?<![\w\\])'[^'\n]*'/g) ?? []).length;
  const double = (source.match(/(?<![\w\\])"[^"\n]*"/g) ?? []).length;
  let statementEnds = 0;
  let withSemi = 0;
  let indents = 0;
  let tabs = 0;
  let smallest = 8;
  // One pass over the lines. A line's last character before trailing white space is what a
  // `/X\s*$/` test looks at: trimEnd drops exactly the characters \s matches.
  for (const line of source.split('\n')) {
    const trimmed = line.trimEnd();
    const last = trimmed.charAt(trimmed.length - 1);
    if (last === ';') withSemi++;
    if (last !== '' && /[\w)\]'"`]/.test(last) && !/^\s*(?:\/\/|\*|import\b|export\b.*\{$)/.test(line)) statementEnds++;
    if (/^\s*\*/.test(line)) continue;
    const indent = /^( +|\t+)\S/.exec(line)?.[1];
    if (!indent) continue;
    indents++;
    if (indent.startsWith('\t')) tabs++;
    else smallest = Math.min(smallest, indent.length);
  }
  return {
    quote: double > single ? '"' : "'",
    semi: withSemi >= statementEnds / 2 || withSemi > 0 ? ';' : '',
    indent: tabs > indents / 2 ? '\t' : ' '.repeat(smallest === 8 ? 2 : smallest),
    eol: '\n',
  };
}

/** A string literal in the file's quote style. */
export function quoted(style: FileStyle, value: string): string {
  const q = style.quote;
  return q + value.replace(/\\/g, '\\\\').replace(new RegExp(q, 'g'), `\\${q}`) + q;
}

/**
 * The logger the file uses (`log`, `logger`, a Fastify instance's `fastify.log`/`app.log`, or
 * `console`), and whether it takes (message, meta) like winston/our shared loggers or (meta,
 * message) like pino (Fastify's logger is pino).
 */
export function fileLogger(j: JSCodeshift, root: Collection, source: string): { name: string; pino: boolean } {
  const counts = new Map<string, number>();
  const metaFirst = new Set<string>();
  const fastify = fastifyInstances(j, root);
  typedNodes(j, root, 'CallExpression').forEach((call) => {
    const callee = call.callee;
    if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier') return;
    if (!/^(?:info|warn|error)$/.test(callee.property.name)) return;
    const obj = callee.object;
    const name = obj.type === 'Identifier' ? obj.name : null;
    if (name && /^(?:log|logger|console|LOG|LOGGER|\w*[lL]ogger)$/.test(name)) counts.set(name, (counts.get(name) ?? 0) + 1);
    // logger.error({ jobId }, 'failed'): the file calls it pino's way (meta first), wherever the logger is made.
    const [first, second] = call.arguments;
    if (name && first?.type === 'ObjectExpression' && (second?.type === 'StringLiteral' || second?.type === 'TemplateLiteral')) metaFirst.add(name);
    // fastify.log.error(...): used here, so the instance's logger is on (with `logger: false` the file would not log through it).
    const instance = obj.type === 'MemberExpression' && obj.object.type === 'Identifier' && obj.property.type === 'Identifier' && obj.property.name === 'log' ? obj.object.name : null;
    if (instance && fastify.has(instance)) counts.set(`${instance}.log`, (counts.get(`${instance}.log`) ?? 0) + 1);
  });
  const best = [...counts.entries()].filter(([n]) => n !== 'console').sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'console';
  const pino = best !== 'console' && (/\.log$/.test(best) || metaFirst.has(best) || /from ['"]pino['"]|require\(['"]pino['"]\)/.test(source));
  return { name: best, pino };
}

/** Names bound to a Fastify instance made in this file: `Fastify({...})`, `fastify()`, `require('fastify')({...})`. */
export function fastifyInstances(j: JSCodeshift, root: Collection): Set<string> {
  const factories = new Set<string>();
  typedNodes(j, root, 'ImportDeclaration').forEach((decl) => {
    if (decl.source.value !== 'fastify') return;
    for (const s of decl.specifiers ?? []) if (s.type === 'ImportDefaultSpecifier' || (s.type === 'ImportSpecifier' && s.imported.name === 'fastify')) factories.add(s.local.name);
  });
  const isRequireFastify = (n: { type: string; callee?: { type: string; name?: string }; arguments?: { type: string; value?: unknown }[] }) =>
    n.type === 'CallExpression' && n.callee?.type === 'Identifier' && n.callee.name === 'require' && n.arguments?.[0]?.type === 'StringLiteral' && n.arguments[0].value === 'fastify';
  const instances = new Set<string>();
  typedNodes(j, root, 'VariableDeclarator').forEach((decl) => {
    const { id, init } = decl;
    if (id.type !== 'Identifier' || !init) return;
    if (isRequireFastify(init)) factories.add(id.name);
    else if (init.type === 'CallExpression' && ((init.callee.type === 'Identifier' && factories.has(init.callee.name)) || isRequireFastify(init.callee))) instances.add(id.name);
  });
  return instances;
}

/** `logger.error('msg', { error })` in the logger's own argument order. */
export function logCall(logger: { name: string; pino: boolean }, level: 'info' | 'warn' | 'error', message: string, style: FileStyle, errorVar?: string): string {
  const msg = quoted(style, message);
  if (!errorVar) return `${logger.name}.${level}(${msg})`;
  const meta = `{ error: ${errorVar} instanceof Error ? ${errorVar}.message : String(${errorVar}) }`;
  if (logger.name === 'console') return `console.${level}(${msg}, ${errorVar})`;
  return logger.pino ? `${logger.name}.${level}(${meta}, ${msg})` : `${logger.name}.${level}(${msg}, ${meta})`;
}

/** Offset after the last top-level import/require statement (0 when there is none). */
export function afterImports(j: JSCodeshift, root: Collection): number {
  let end = 0;
  for (const stmt of root.get().node.program.body) {
    const isImport = stmt.type === 'ImportDeclaration';
    const isRequire =
      stmt.type === 'VariableDeclaration' &&
      stmt.declarations.some((d: { init?: { type: string; callee?: { name?: string } } | null }) => d.init?.type === 'CallExpression' && d.init.callee?.name === 'require');
    if (isImport || isRequire) end = (stmt as { end?: number }).end ?? end;
    else if (end > 0) break;
  }
  return end;
}

/** The repo service whose name the env-var stem names (TRAINER -> trainer-service). */
export function serviceNamed(repo: RepoModel, stem: string) {
  const norm = (n: string) => n.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  return repo.services.find((s) => {
    const names = [s.name, s.packageName?.split('/').pop() ?? ''].filter(Boolean).map(norm);
    return names.some((n) => n === stem || n === `${stem}_SERVICE` || n.replace(/_SERVICE$/, '') === stem);
  });
}

/** Applies string splices (start, end, text) to the source; insertions at one offset keep their given order. */
export function splice(source: string, edits: { start: number; end: number; text: string }[]): string {
  let out = source;
  const ordered = edits.map((e, index) => ({ e, index })).sort((a, b) => b.e.start - a.e.start || b.e.end - a.e.end || b.index - a.index);
  for (const { e } of ordered) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

const COMPILED_OR_VENDORED = /(?:^|\/)(?:dist|build|out|\.next|node_modules)\//;
const JS_SOURCE = /\.(?:[cm]?[jt]sx?)$/;

const sourceRoles = new WeakMap<RepoModel, Map<string, Set<string>>>();

/** The roles of the services each source file belongs to: built once per model, not searched per file. */
function rolesOfSources(repo: RepoModel): Map<string, Set<string>> {
  let roles = sourceRoles.get(repo);
  if (!roles) {
    roles = new Map();
    for (const s of repo.services)
      for (const f of s.sourceFiles) {
        const set = roles.get(f) ?? new Set<string>();
        set.add(s.role);
        roles.set(f, set);
      }
    sourceRoles.set(repo, roles);
  }
  return roles;
}

/** A JS/TS source file of a service (of one of `roles`, when given); compiled output and dependencies never. */
export function isServiceSource(path: string, repo: RepoModel, roles?: string[]): boolean {
  if (!JS_SOURCE.test(path) || COMPILED_OR_VENDORED.test(path) || /\.d\.[cm]?ts$/.test(path)) return false;
  const of = rolesOfSources(repo).get(path);
  return of !== undefined && (!roles || roles.some((r) => of.has(r)));
}

/** Start of the line where the comment lines directly above `offset`'s line begin (or of its own line). */
export function lineStartWithComments(source: string, offset: number): number {
  let start = source.lastIndexOf('\n', offset - 1) + 1;
  while (start > 0) {
    const prevStart = source.lastIndexOf('\n', start - 2) + 1;
    if (!/^\s*(?:\/\/|\/\*|\*)/.test(source.slice(prevStart, start - 1))) break;
    start = prevStart;
  }
  return start;
}

/** The dotted name of a callee or receiver (`kafka.consumer`, `this.channel`), '' for anything else. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- babel AST nodes
export function calleeText(node: any): string {
  if (!node) return '';
  if (node.type === 'Identifier') return node.name;
  if (node.type === 'ThisExpression') return 'this';
  if (node.type === 'MemberExpression' || node.type === 'OptionalMemberExpression') return `${calleeText(node.object)}.${node.property?.name ?? '?'}`;
  return '';
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- babel AST nodes through jscodeshift
type AnyPath = ASTPath<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a babel AST node
type Node = any;

/**
 * Every object of the file one walk reached (nodes, arrays, other objects), in pre-order: how each
 * was reached (the index of the object it is a field or element of, and that field's name or the
 * element's index), and the indexes of the nodes of each type. A NodePath is made only for an
 * object whose type a codemod asks for (and its ancestors'), when it asks.
 */
interface TypeIndex {
  values: object[];
  parents: number[];
  keys: (string | number)[];
  /** The NodePath of an object, once made (the root paths from the start). */
  paths: (AnyPath | undefined)[];
  byType: Map<string, number[]>;
  pathsByType: Map<string, AnyPath[]>;
  nodesByType: Map<string, Node[]>;
}

const indexes = new WeakMap<Collection, TypeIndex>();

function indexOf(j: JSCodeshift, root: Collection): TypeIndex {
  let index = indexes.get(root);
  if (!index) {
    index = indexByType(j, root);
    indexes.set(root, index);
  }
  return index;
}

/**
 * The paths of every node of a type, from one traversal of the file shared by all the lookups of a
 * codemod (each `root.find` walks the whole tree again, which dominates a codemod's run time).
 */
export function typed(j: JSCodeshift, root: Collection, type: string): AnyPath[] {
  const index = indexOf(j, root);
  let paths = index.pathsByType.get(type);
  if (!paths) {
    paths = (index.byType.get(type) ?? []).map((at) => pathAt(index, at));
    index.pathsByType.set(type, paths);
  }
  return paths;
}

/**
 * The nodes {@link typed} gives the paths of, in the same order, without making any path: for a
 * lookup that reads the nodes (making a path for every node of a common type, and for its
 * ancestors, cost more than the walk itself).
 */
export function typedNodes(j: JSCodeshift, root: Collection, type: string): Node[] {
  const index = indexOf(j, root);
  let nodes = index.nodesByType.get(type);
  if (!nodes) {
    nodes = (index.byType.get(type) ?? []).map((at) => index.values[at] as Node);
    index.nodesByType.set(type, nodes);
  }
  return nodes;
}

/** `typed(j, root, type)[i]` (the path of `typedNodes(j, root, type)[i]`), made alone. */
export function typedPath(j: JSCodeshift, root: Collection, type: string, i: number): AnyPath {
  const index = indexOf(j, root);
  const at = index.byType.get(type)?.[i];
  if (at === undefined) throw new RangeError(`no ${type} #${i} in the file`);
  return pathAt(index, at);
}

/**
 * The NodePath of the object at `at`: made as the walk of `root.find` makes it, by its parent's
 * `get(key)`, which caches it (so a later `find` or `get` gives the same object), its ancestors' first.
 */
function pathAt(index: TypeIndex, at: number): AnyPath {
  const missing: number[] = [];
  let known = at;
  while (!index.paths[known]) {
    missing.push(known);
    known = index.parents[known] as number;
  }
  let path = index.paths[known] as AnyPath;
  for (let i = missing.length - 1; i >= 0; i--) {
    const child = missing[i] as number;
    path = path.get(index.keys[child]);
    index.paths[child] = path;
  }
  return path;
}

/**
 * What `root.find(j.Node)` collects, in its order (pre-order, ast-types' field order) and with the
 * same NodePath objects (see pathAt), without the visitor machinery.
 */
function indexByType(j: JSCodeshift, root: Collection): TypeIndex {
  const index: TypeIndex = { values: [], parents: [], keys: [], paths: [], byType: new Map(), pathsByType: new Map(), nodesByType: new Map() };
  const { values, parents, keys, byType } = index;
  const isNode = matcher(j, j.Node);
  const reach = (value: object, parent: number, key: string | number): number => {
    parents.push(parent);
    keys.push(key);
    const at = values.push(value) - 1;
    const type = (value as { type?: unknown }).type;
    if (typeof type === 'string' && isNode(type, value)) {
      const list = byType.get(type);
      if (list) list.push(at);
      else byType.set(type, [at]);
    }
    return at;
  };
  for (const path of root.paths()) {
    const at = values.push(path.value) - 1;
    parents.push(-1);
    keys.push('');
    index.paths[at] = path;
    walkBelow(j, path.value, at, reach);
  }
  return index;
}

/**
 * The nodes of a type (or of a subtype, as `find` takes them: OptionalCallExpression for
 * CallExpression) below `node`, not `node` itself: `j(node).find(j[type]).nodes()`, without a
 * visitor or a NodePath per node.
 */
export function nodesInside(j: JSCodeshift, node: Node, type: string): Node[] {
  // As jscodeshift says for a value that is no node.
  if (!j.Node.check(node)) throw new TypeError(`Received an unexpected value ${Object.prototype.toString.call(node)}`);
  const wanted = matcher(j, j.types.namedTypes[type as keyof typeof j.types.namedTypes] as { check(value: unknown): boolean });
  const out: Node[] = [];
  walkBelow(j, node, 0, (value) => {
    const t = (value as { type?: unknown }).type;
    if (typeof t === 'string' && wanted(t, value)) out.push(value);
    return 0;
  });
  return out;
}

/** Whether an object of a type is a `kind` (a subtype too): asked of ast-types once per type name. */
function matcher(j: JSCodeshift, kind: { check(value: unknown): boolean }): (type: string, value: object) => boolean {
  const known = new Map<string, boolean>();
  return (type, value) => {
    let is = known.get(type);
    if (is === undefined) {
      is = kind.check(value);
      known.set(type, is);
    }
    return is;
  };
}

const fieldsOfType = new WeakMap<object, Map<string, string[]>>();

/**
 * Walks the objects below `value` as ast-types' PathVisitor does: pre-order, each object's fields in
 * ast-types' order, array elements in order, and a field the parser left out given its default value
 * on the way (as the visitor does; the codemods may read it). `reach` is told of every object
 * (node, array or other) with the id of the one it hangs from and its field name or index, and gives
 * the id its own children are told of.
 */
function walkBelow(j: JSCodeshift, value: object, at: number, reach: (child: object, parent: number, key: string | number) => number): void {
  const { getFieldNames, getFieldValue } = j.types;
  let fields = fieldsOfType.get(j.types);
  if (!fields) fieldsOfType.set(j.types, (fields = new Map()));
  const byType = fields;
  const hasOwn = Object.prototype.hasOwnProperty;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a node, an array or another object of the AST
  const below = (value: any, at: number): void => {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) if (value[i] && typeof value[i] === 'object') below(value[i], reach(value[i], at, i));
      return;
    }
    const type = value.type;
    // A typed object's field names are its type's (ast-types' own answer, asked once per type).
    let names = typeof type === 'string' ? byType.get(type) : undefined;
    if (!names) {
      names = getFieldNames(value);
      if (typeof type === 'string') byType.set(type, names);
    }
    for (const name of names) {
      if (!hasOwn.call(value, name)) value[name] = getFieldValue(value, name);
      const child = value[name];
      if (child && typeof child === 'object') below(child, reach(child, at, name));
    }
  };
  below(value, at);
}
