/**
 * ECS401 (seed 001 B.2-B.4, E): a service or worker whose start-up connects to a dependency or
 * requires an environment variable, and whose start-up failure handler calls `process.exit(<non-zero>)`:
 * `main().catch(() => process.exit(1))` after `await initialize()` that pings Redis, or
 * `async function start() { try { await getMongoConnection(); app.listen() } catch { process.exit(1) } }`,
 * or the same as a promise chain on the connect call itself (`mongoose.connect(uri).then(() =>
 * app.listen(port)).catch(() => process.exit(1))`: mongoose rejects after its server selection timeout).
 * Only the start-up path is followed (functions of the same file called from it, not callbacks such
 * as a consumer's `eachMessage`), so an exit in a signal or server-error handler is not reported.
 */
import type { Finding } from '../../findings/finding.js';
import { finding, type CheckContext } from '../context.js';
import { throwingEnvHelpers, type EnvHelper } from '../env-helpers.js';
import { calleeName, dottedName, exitCode, isFunction, isJsFile, isNode, namedFunctions, parseJs, walk, type JsSource, type Node } from '../js-source.js';

interface Dependency {
  what: string;
  line: number;
}

const DEPENDENCIES: [string, RegExp][] = [
  ['MongoDB', /mongo/i],
  ['Redis', /redis/i],
  ['Kafka', /kafka|^(?:\w+\.)*(?:consumer|producer)\.connect$/i],
  ['Postgres', /getPool$|\bpool\.(?:query|connect)$|postgres|^pg\.|prisma\.\$connect|sequelize\.authenticate/i],
  ['RabbitMQ', /amqp|rabbit/i],
];

export function exitOnMissingDependency(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const service of ctx.repo.services) {
    if (service.language !== 'node') continue;
    for (const path of service.sourceFiles.filter(isJsFile)) {
      const text = ctx.read(path);
      // Only a file that exits can report; most files are never parsed.
      const source = text === null || !text.includes('process.exit') ? null : parseJs(path, text);
      if (!source) continue;
      for (const exit of startupExits(source)) {
        const needs = dependenciesOf(exit.startup, source, throwingEnvHelpers(ctx));
        if (needs.length === 0) continue;
        const what = needs.map((d) => `${d.what} (line ${d.line})`).join(', ');
        // Blocking for workers too (seed 001 B.4: cache-worker exits when Redis is not available): the
        // scheduler replaces the task, but while the dependency is down it crash-loops instead of
        // waiting for it.
        findings.push(
          finding(ctx, 'ECS401', {
            service: service.name,
            file: path,
            line: exit.line,
            message: `${service.name} exits with code ${exit.code} when start-up fails, and start-up needs ${what}: an unavailable dependency or unset variable crashes the task (ECS replaces it, and the new task crashes the same way until it is back)`,
          }),
        );
      }
    }
  }
  return findings;
}

interface StartupExit {
  line: number;
  code: number;
  /** The code whose failure leads to the exit (a start-up function body or a try block). */
  startup: Node[];
}

/** `process.exit(non-zero)` calls reached when the start-up called at module level fails. */
function startupExits(source: JsSource): StartupExit[] {
  const fns = namedFunctions(source.program);
  const exits: StartupExit[] = [];
  const seen = new Set<number>();
  const add = (handler: Node, startup: Node[]) => {
    for (const call of nonZeroExits(handler)) {
      if (seen.has(call.start)) continue;
      seen.add(call.start);
      exits.push({ line: source.line(call.start), code: exitCode(call) ?? 1, startup });
    }
  };
  for (const statement of source.program.body as Node[]) {
    const call = topLevelCall(statement);
    if (!call) continue;
    // main().catch(handler), main().then(...).catch(handler), new Worker().start().catch(handler)
    let current: Node | null = call;
    const handlers: Node[] = [];
    while (current && current.type === 'CallExpression' && isNode(current.callee) && current.callee.type === 'MemberExpression') {
      const method = isNode(current.callee.property) ? (current.callee.property.name as string) : '';
      if (method === 'catch' || method === 'then') {
        const handler = (current.arguments as Node[])[method === 'catch' ? 0 : 1];
        if (handler) handlers.push(handler);
        current = current.callee.object as Node;
      } else break;
    }
    // The function called: `main`, or the method of `worker.start()` / `new Worker().start()`.
    const callee = current?.type === 'CallExpression' && isNode(current.callee) ? current.callee : null;
    const name = callee?.type === 'MemberExpression' && isNode(callee.property) ? (callee.property.name as string) : current ? calleeName(current) : null;
    const fn = name ? fns.get(name.split('.').pop() ?? '') : undefined;
    // `mongoose.connect(uri).then(listen).catch(exit)`: the chain starts at the connect call itself.
    if (!fn && current && handlers.length && name && DEPENDENCIES.some(([, pattern]) => pattern.test(calleeName(current as Node) ?? ''))) for (const handler of handlers) add(handler, [current]);
    if (!fn) continue;
    for (const handler of handlers) add(handler, [fn]);
    // start() whose own try/catch exits: the try block is the start-up that can fail.
    walkOwnBody(fn, (node) => {
      if (node.type === 'TryStatement' && isNode(node.handler)) add(node.handler, [node.block as Node]);
    });
  }
  return exits;
}

/** The call a module-level statement makes: `main()`, `void start()`, `await main()`, `main().catch(...)`. */
function topLevelCall(statement: Node): Node | null {
  if (statement.type !== 'ExpressionStatement') return null;
  let expr = statement.expression as Node;
  while (expr.type === 'UnaryExpression' || expr.type === 'AwaitExpression') expr = expr.argument as Node;
  return expr.type === 'CallExpression' ? expr : null;
}

function nonZeroExits(node: Node): Node[] {
  const out: Node[] = [];
  walk(node, (n) => {
    if (n.type === 'CallExpression' && exitCode(n) !== null && exitCode(n) !== 0) out.push(n);
  });
  return out;
}

/** Walks a function's or block's own code, not the callbacks and nested functions inside it. */
function walkOwnBody(root: Node, visit: (node: Node) => void): void {
  walk(root, (node, ancestors) => {
    if (ancestors.some((a) => a !== root && isFunction(a))) return;
    if (node !== root && isFunction(node)) return;
    visit(node);
  });
}

/** What the start-up code connects to or requires, following same-file functions it calls. */
function dependenciesOf(startup: Node[], source: JsSource, helpers: Map<string, EnvHelper>): Dependency[] {
  const fns = namedFunctions(source.program);
  const found = new Map<string, number>();
  const visited = new Set<Node>();
  const note = (what: string, offset: number) => {
    if (!found.has(what)) found.set(what, source.line(offset));
  };
  const visit = (root: Node, depth: number) => {
    if (visited.has(root) || depth > 5) return;
    visited.add(root);
    const envOfVar = new Map<string, string[]>();
    walkOwnBody(root, (node) => {
      if (node.type === 'VariableDeclarator' && isNode(node.id) && node.id.type === 'Identifier' && isNode(node.init)) {
        const names = envNames(node.init);
        if (names.length) envOfVar.set(node.id.name as string, names);
      }
      if (node.type === 'IfStatement' && throwsOrExits(node.consequent as Node)) {
        const names = [...envNames(node.test as Node)];
        walk(node.test as Node, (n) => {
          if (n.type === 'Identifier') names.push(...(envOfVar.get(n.name as string) ?? []));
        });
        if (names.length) note(`environment variable ${[...new Set(names)].join(' / ')}`, node.start);
      }
      const name = node.type === 'CallExpression' ? calleeName(node) : node.type === 'NewExpression' ? dottedName(node.callee) : null;
      if (!name) return;
      for (const [what, pattern] of DEPENDENCIES) if (pattern.test(name)) note(what, node.start);
      const local = fns.get(name.split('.').pop() ?? '');
      // A helper of another file that throws when its variable is unset (`requireEnv('REDIS_URL')`).
      const helper = local ? undefined : helpers.get(name.split('.').pop() ?? '');
      if (helper && node.type === 'CallExpression') {
        const arg = (node.arguments as Node[]).find((a) => a.type === 'Literal' && typeof a.value === 'string' && /^[A-Z_][A-Z0-9_]*$/.test(a.value as string));
        note(`environment variable ${arg ? String(arg.value) : `read by ${helper.name}()`} (${helper.file}:${helper.line} throws without it)`, node.start);
      }
      if (local && node.type === 'CallExpression' && (!name.includes('.') || name.startsWith('this.'))) visit(local, depth + 1);
    });
  };
  for (const root of startup) visit(root, 0);
  return [...found].map(([what, line]) => ({ what, line })).sort((a, b) => a.line - b.line);
}

function throwsOrExits(node: Node): boolean {
  let hit = false;
  walk(node, (n) => {
    if (n.type === 'ThrowStatement' || (n.type === 'CallExpression' && (exitCode(n) ?? 0) !== 0)) hit = true;
  });
  return hit;
}

/** `process.env.X` / `process.env['X']` names read in an expression. */
function envNames(node: Node): string[] {
  const names: string[] = [];
  walk(node, (n) => {
    const name = n.type === 'MemberExpression' ? dottedName(n) : null;
    const m = name ? /^process\.env\.(\w+)$/.exec(name) : null;
    if (m?.[1]) names.push(m[1]);
  });
  return names;
}
