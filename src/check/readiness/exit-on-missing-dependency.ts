/**
 * ECS401 (seed 001 B.2-B.4, E): a service or worker whose start-up connects to a dependency or
 * requires an environment variable, and whose start-up failure handler calls `process.exit(<non-zero>)`:
 * `main().catch(() => process.exit(1))` after `await initialize()` that pings Redis, or
 * `async function start() { try { await getMongoConnection(); app.listen() } catch { process.exit(1) } }`,
 * or the same as a promise chain on the connect call itself (`mongoose.connect(uri).then(() =>
 * app.listen(port)).catch(() => process.exit(1))`: mongoose rejects after its server selection timeout).
 * Only the start-up path is followed (functions of the same file called from it, not callbacks such
 * as a consumer's `eachMessage`), so an exit in a signal or server-error handler is not reported.
 * The start-up function may be one relative import away (`new App().start().catch(exit)` in main.ts,
 * `class App { async start() { await redis.connect(); ... } }` in ./app), and a chain may start at
 * the dependency's connects themselves (`Promise.all([pub.connect(), sub.connect()]).then(listen).catch(exit)`).
 */
import type { Finding } from '../../findings/finding.js';
import { runsUnderPm2 } from '../../repo/detaches.js';
import { startsOf } from './detached-start.js';
import { finding, type CheckContext } from '../context.js';
import { throwingEnvHelpers, type EnvHelper } from '../env-helpers.js';
import { relativeSource } from '../../repo/relativeSource.js';
import { calleeName, dottedName, exitCode, importOf, isFunction, isJsFile, isNode, moduleInit, namedFunctions, parseJs, walk, type JsSource, type Node } from '../js-source.js';

interface Dependency {
  what: string;
  line: number;
  /** The file, when it is not the one that exits. */
  file?: string;
}

/** Loads the file a relative import names, parsed; null when it is not in the repo or does not parse. */
type ImportLoader = (from: string, spec: string) => JsSource | null;

const DEPENDENCIES: [string, RegExp][] = [
  ['MongoDB', /mongo/i],
  ['Redis', /redis/i],
  ['Kafka', /kafka|^(?:\w+\.)*(?:consumer|producer)\.connect$/i],
  ['Postgres', /getPool$|\bpool\.(?:query|connect)$|postgres|^pg\.|prisma\.\$connect|sequelize\.authenticate/i],
  ['RabbitMQ', /amqp|rabbit/i],
];

/** Packages whose clients connect to a dependency, by the dependency. */
const CLIENT_PACKAGES: Record<string, string> = { redis: 'Redis', '@redis/client': 'Redis', ioredis: 'Redis', mongodb: 'MongoDB', pg: 'Postgres' };
/** The calls on such a client that fail while the dependency is down. */
const CLIENT_CALLS = /^(?:connect|ping|query)$/;

export function exitOnMissingDependency(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const service of ctx.repo.services) {
    if (service.language !== 'node') continue;
    const load: ImportLoader = (from, spec) => {
      const file = relativeSource(from, spec, ctx.repo.files);
      const text = file === null ? null : ctx.read(file);
      return file === null || text === null ? null : parseJs(file, text);
    };
    // Read once, when a finding needs it.
    let pm2: boolean | undefined;
    const underPm2 = () => (pm2 ??= startsOf(ctx, service).some((start) => runsUnderPm2(start.text)));
    for (const path of service.sourceFiles.filter(isJsFile)) {
      const text = ctx.read(path);
      // Only a file that exits can report; most files are never parsed.
      const source = text === null || !text.includes('process.exit') ? null : parseJs(path, text);
      if (!source) continue;
      for (const exit of startupExits(source, load)) {
        const needs = dependenciesOf(exit.startup, exit.source, throwingEnvHelpers(ctx));
        if (needs.length === 0) continue;
        const what = needs.map((d) => `${d.what} (${d.file && d.file !== exit.file ? `${d.file}:` : 'line '}${d.line})`).join(', ');
        // Blocking for workers too (seed 001 B.4: cache-worker exits when Redis is not available): the
        // scheduler replaces the task, but while the dependency is down it crash-loops instead of
        // waiting for it.
        findings.push(
          finding(ctx, 'ECS401', {
            service: service.name,
            file: exit.file,
            line: exit.line,
            message: `${service.name} exits with code ${exit.code} when start-up fails, and start-up needs ${what}: ${
              underPm2() ? 'an unavailable dependency or unset variable makes pm2, which the start command runs it under, restart it inside the task over and over (ECS sees a running task)' : 'an unavailable dependency or unset variable crashes the task (ECS replaces it, and the new task crashes the same way until it is back)'
            }`,
          }),
        );
      }
    }
  }
  return findings;
}

interface StartupExit {
  /** The file and line of the exit. */
  file: string;
  line: number;
  code: number;
  /** The code whose failure leads to the exit (a start-up function body or a try block), and its file. */
  startup: Node[];
  source: JsSource;
}

/** `process.exit(non-zero)` calls reached when the start-up called at module level fails. */
function startupExits(source: JsSource, load: ImportLoader): StartupExit[] {
  const fns = namedFunctions(source.program);
  const exits: StartupExit[] = [];
  const seen = new Set<string>();
  /** `handler` (in `at`) exits when `startup` (in `of`) fails. */
  const add = (handler: Node, startup: Node[], of = source, at = source) => {
    for (const call of nonZeroExits(handler)) {
      if (seen.has(`${at.path}:${call.start}`)) continue;
      seen.add(`${at.path}:${call.start}`);
      exits.push({ file: at.path, line: at.line(call.start), code: exitCode(call) ?? 1, startup, source: of });
    }
  };
  const processHandlers = failureHandlers(source.program);
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
    const local = name ? fns.get(name.split('.').pop() ?? '') : undefined;
    // `mongoose.connect(uri).then(listen).catch(exit)`: the chain starts at the connect call itself.
    if (!local && current && handlers.length && name && connectsDependency(current, source)) for (const handler of handlers) add(handler, [current]);
    const found = local ? { fn: local, source } : current?.type === 'CallExpression' ? importedStartup(current, source, load) : null;
    if (!found) continue;
    for (const handler of handlers) add(handler, [found.fn], found.source);
    // An unhandled `init()` (hapi's getting-started shape): its rejection (a sync throw) reaches the
    // module's process.on('unhandledRejection' | 'uncaughtException') handler.
    const unhandled = handlers.length === 0 && isNode(statement.expression) && statement.expression.type !== 'AwaitExpression';
    if (unhandled) for (const handler of processHandlers.get(found.fn.async ? 'unhandledRejection' : 'uncaughtException') ?? []) add(handler, [found.fn], found.source);
    // start() whose own try/catch exits: the try block is the start-up that can fail.
    walkOwnBody(found.fn, (node) => {
      if (node.type === 'TryStatement' && isNode(node.handler)) add(node.handler, [node.block as Node], found.source, found.source);
    });
  }
  return exits;
}

/**
 * The function a module-level start-up call runs when a relative import defines it (one hop):
 * `main()` of `import { main } from './main'`, `app.start()` of `const app = new App()` or
 * `new App().start()` with `import { App } from './app'`, `server.start()` of an imported instance.
 */
function importedStartup(call: Node, source: JsSource, load: ImportLoader): { fn: Node; source: JsSource } | null {
  const callee = isNode(call.callee) ? call.callee : null;
  const method = callee?.type === 'MemberExpression' && !callee.computed && isNode(callee.property) ? (callee.property.name as string) : null;
  let receiver = method && callee ? (callee.object as Node) : callee;
  if (receiver?.type === 'Identifier' && method) receiver = moduleInit(source.program, receiver.name as string) ?? receiver;
  if (receiver?.type === 'NewExpression' && isNode(receiver.callee)) receiver = receiver.callee;
  if (receiver?.type !== 'Identifier') return null;
  const imported = importOf(source.program, receiver.name as string);
  const target = imported ? load(source.path, imported.spec) : null;
  if (!imported || !target) return null;
  const fns = namedFunctions(target.program);
  const fn = fns.get(method ?? imported.imported) ?? (method ? undefined : fns.get(receiver.name as string));
  return fn ? { fn, source: target } : null;
}

/** Whether a chain head connects to a dependency: the call itself, or `Promise.all([...])` of calls one of which does. */
function connectsDependency(call: Node, source: JsSource): boolean {
  const connects = (c: unknown) => isNode(c) && c.type === 'CallExpression' && (DEPENDENCIES.some(([, pattern]) => pattern.test(calleeName(c) ?? '')) || clientCall(c, source) !== null);
  if (calleeName(call) !== 'Promise.all') return connects(call);
  const list = (call.arguments as Node[])[0];
  return list?.type === 'ArrayExpression' && (list.elements as unknown[]).some(connects);
}

/**
 * The dependency a call on a client connects to, by how the client was made, whatever its name:
 * `pubClient.connect()` of `createClient(...)` from 'redis' (or `.duplicate()` of one), `new Redis()`
 * of ioredis, `new MongoClient()`, `new Pool()` of pg (module-level clients).
 */
function clientCall(call: Node, source: JsSource): string | null {
  const callee = isNode(call.callee) && call.callee.type === 'MemberExpression' ? call.callee : null;
  const method = callee && isNode(callee.property) ? (callee.property.name as string) : '';
  return callee && CLIENT_CALLS.test(method) ? clientOf(callee.object as Node, source, 0) : null;
}

function clientOf(node: Node, source: JsSource, depth: number): string | null {
  if (depth > 3) return null;
  if (node.type === 'Identifier') {
    const init = moduleInit(source.program, node.name as string);
    return init ? clientOf(init, source, depth + 1) : null;
  }
  if (node.type !== 'CallExpression' && node.type !== 'NewExpression') return null;
  const callee = node.callee as Node;
  // `pubClient.duplicate()`: a client like the one it duplicates.
  if (node.type === 'CallExpression' && callee.type === 'MemberExpression' && isNode(callee.property) && callee.property.name === 'duplicate') return clientOf(callee.object as Node, source, depth + 1);
  // `createClient(...)`, `new Redis(...)`, or `redis.createClient(...)` of the package's namespace.
  const factory = callee.type === 'MemberExpression' ? (callee.object as Node) : callee;
  const imported = factory.type === 'Identifier' ? importOf(source.program, factory.name as string) : null;
  return imported ? (CLIENT_PACKAGES[imported.spec] ?? null) : null;
}

/** The module-level `process.on('unhandledRejection' | 'uncaughtException', handler)` handlers, by event. */
function failureHandlers(program: Node): Map<string, Node[]> {
  const out = new Map<string, Node[]>();
  for (const statement of program.body as Node[]) {
    const call = topLevelCall(statement);
    const name = call ? calleeName(call) : null;
    if (!call || (name !== 'process.on' && name !== 'process.once')) continue;
    const [event, handler] = call.arguments as Node[];
    if (event?.type === 'Literal' && (event.value === 'unhandledRejection' || event.value === 'uncaughtException') && handler && isFunction(handler))
      out.set(event.value as string, [...(out.get(event.value as string) ?? []), handler]);
  }
  return out;
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
      const client = node.type === 'CallExpression' ? clientCall(node, source) : null;
      if (client) note(client, node.start);
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
  return [...found].map(([what, line]) => ({ what, line, file: source.path })).sort((a, b) => a.line - b.line);
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
