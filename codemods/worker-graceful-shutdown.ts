/**
 * worker-graceful-shutdown: a queue worker stops consuming on SIGTERM and exits within ECS's stop
 * timeout (seed 000 5.2-5.3, seed 001 A.7, B.1).
 *
 * - Finds the consumer however it is made: kafkajs `kafka.consumer({ groupId })`, a workspace
 *   wrapper (`createKafkaConsumer({...})`, `createConsumer(kafka, id)`, `new KafkaConsumerRunner()`
 *   — the stop method comes from the wrapper's declaration, read by the repo model), BullMQ
 *   `new Worker(...)`, a Bull (v3/v4) queue the file `.process(...)`es (`new Queue('email', url)`
 *   of `bull`; a queue that only `.add()`s is a producer), amqplib/amqp-connection-manager channels and connections; at module level or
 *   inside `main()`/`start()`/a class method/an async IIFE; ESM or CommonJS; TS or JS.
 * - Keeps a module-level reference (`consumerRef`, typed from the factory) assigned right after
 *   creation, unless the consumer already lives in a module-level variable.
 * - No SIGTERM handler: adds one shutdown (SIGTERM and SIGINT through `process.once`, a second
 *   signal does not start a second shutdown) that stops the consumer (several BullMQ workers or Bull
 *   queues together: each close waits for its active jobs, and none takes a new one meanwhile), closes what the file owns
 *   (producers, publishers, pools, clients — each in its own try/catch, logged with the file's
 *   logger), exits 0, and is forced out by an unref'd timer before the 30 s stop timeout.
 * - A handler that does not stop the consumer gains the stop at its start and keeps what it did;
 *   a complete handler is left alone; there is never a second handler.
 * - A handler for SIGINT only (the Ctrl-C of development) is registered for SIGTERM too: a named one
 *   on the next line; an inline one becomes a named const registered for both (its body untouched).
 * - A workspace lifecycle helper the file calls (`onShutdown(() => worker.close())`) whose module
 *   registers the SIGTERM handler is that handler: nothing is added (ECS316), and when what the file
 *   registers with it does not stop the consumer, that is reported (ECS317), not patched.
 * - A consumer whose service also starts a health/metrics side server (Service.sideServer) is still a
 *   worker: its shutdown closes that server when a module-level variable holds it (the exit ends it
 *   otherwise), and a repaired handler that does not exit closes it too.
 * - NestJS: `app.enableShutdownHooks()` in the bootstrap when a provider closes the consumer in
 *   `onModuleDestroy`/`beforeApplicationShutdown`, instead of a raw `process.on`.
 *
 * A core NATS subscription (`nc.subscribe(...)` of a `connect()` of nats) or a Redis pub/sub subscriber
 * (`sub.subscribe(...)` with a 'message' listener) in a file without a SIGTERM handler: nothing
 * changes and ECS318 says what is not stopped and how to stop it (both deliver at most once; ecsfix
 * cannot establish that stopping them lets the message being processed finish).
 *
 * When the stop method cannot be established (a wrapper whose declaration is out of reach — always
 * the case under the jscodeshift CLI, which has no repo model), nothing changes and a note says why.
 */
import { posix } from 'node:path';
import type { API, ASTPath, Collection, FileInfo, JSCodeshift } from 'jscodeshift';
import type { CodemodMeta } from '../src/run/codemod.ts';
import { servicesReading, type RepoModel } from '../src/repo/model.ts';
import { relativeSource } from '../src/repo/relativeSource.ts';
import type { ImportedConsumer } from '../src/repo/importedConsumers.ts';
import { innermostPackage } from '../src/repo/packageIndex.ts';
import { CONSUMER_CLASS, KAFKA_WRAPPER_FACTORY, QUEUE_WORKER_FACTORY } from '../src/source/patterns.ts';
import { closeMethod, stopMethod, type FactoryApi, type ModuleApi } from '../src/source/module-api.ts';
import { workspaceApis, workspaceSources } from './lib/workspace-apis.ts';
import { typedApi } from './lib/type-api.ts';
import { afterImports, parseFile, typed, typedNodes, typedPath, nodesInside, calleeText, fileLogger, fileStyle, isServiceSource, lineStartWithComments, logCall, noteTo, quoted, splice, type CodemodOptions, type FileStyle } from './lib/codemod-api.ts';

export const parser = 'ts';

export const meta: CodemodMeta = {
  id: 'worker-graceful-shutdown',
  title: 'Workers stop their consumer on SIGTERM and exit before the ECS stop timeout',
  safety: 'behavior-changing',
  fixes: 'a worker that ignores SIGTERM, or whose handler leaves the consumer running',
  // Each change names what its consumer does when stopped (verifyLine); this is the general line for `list`.
  verify: 'stop the task (or send SIGTERM locally) and check the consumer stops and the process exits 0',
  // `Worker(`/`Worker<`: new Worker(...), or a workspace function that makes one (createWorker(...)).
  tokens: /consumer|Consumer|Worker\s*[(<]|\.consume\s*\(|NestFactory|x[rR]ead|XREAD|ReceiveMessage|receiveMessage|['"]bull['"]|\.p?subscribe\s*\(/,
  appliesTo: (path, repo) => isServiceSource(path, repo),
};

/* eslint-disable @typescript-eslint/no-explicit-any -- babel AST nodes through jscodeshift */
type Node = any;
type Edit = { start: number; end: number; text: string };

interface Consumer {
  kind: 'kafka' | 'bullmq' | 'bull' | 'amqp-channel' | 'amqp-connection' | 'amqp-class' | 'redis-stream' | 'sqs-poll';
  what: string;
  line: number;
  /** The statement that creates it (the ref is assigned right after it). */
  statement: ASTPath;
  /** How the creating code refers to it: `consumer`, `this.consumer`. */
  target: string;
  /** The module-level name the shutdown uses: the variable itself, or the new ref. */
  ref: string;
  needsRef: boolean;
  /** The ref is a module-level `const` set where it is declared: never null when a signal arrives, so no `?.`. */
  alwaysSet?: boolean;
  /** TS type of the ref (`Consumer | null` ...), null in JavaScript. */
  type: string | null;
  stop: string;
  /** A Redis-streams read loop: stopped through a flag it checks, not a method. */
  loop?: StreamLoop;
}

/**
 * A `while (true)`/`while (running)` loop around XREADGROUP/XREAD. The shutdown sets the flag the
 * loop checks, waits for the loop to finish its batch (the promise of the call that started it),
 * and only then closes the Redis client, so no entry is left half-processed or un-acked.
 */
interface StreamLoop {
  node: Node;
  /** The flag the loop checks, and the value that stops it. */
  flag: string;
  stopValue: 'true' | 'false';
  /** `while (true)`/`for (;;)`: the flag is new and the loop's head becomes `while (!flag)`. */
  newFlag: boolean;
  /** Module-level name of the running loop's promise; `start` is the top-level statement that starts it. */
  promise: string;
  newPromise: boolean;
  start: Node | null;
  /** The top-level statement the loop lives in (its function), before which new declarations go. */
  owner: Node;
  /** How long one read blocks (ms); null when it does not block. */
  blockMs: number | null;
  /** What the loop reads: `Redis stream loop`, `SQS poll loop`. */
  label: string;
}

interface Closer {
  call: string;
  what: string;
  /** An import specifier to add (`closePool` from the module `getPool` came from). */
  addImport?: { from: string; name: string };
  /** Called, not awaited: `server.close()` returns the server, and waits for open connections only through its callback. */
  sync?: boolean;
}

const TS_FILE = /\.[cm]?tsx?$/;

export default function workerGracefulShutdown(file: FileInfo, api: API, options: CodemodOptions): string | undefined {
  const source = file.source;
  if (!meta.tokens.test(source)) return undefined;
  const repo = options.repo;
  // The service whose compose command runs this very file (a worker on its API's image) before the image's own.
  const readers = repo ? servicesReading(repo, file.path) : [];
  const service = readers.find((s) => s.serverReplacedBy?.runs?.includes(file.path)) ?? readers[0];
  const nest = /NestFactory\s*\.\s*create/.test(source);
  // Decided before any parse: only workers get a raw signal handler (a worker whose only server is its
  // health/metrics side server too), only Nest bootstraps get hooks.
  if (service && service.role !== 'worker' && !service.sideServer && !nest) return undefined;
  const j = api.jscodeshift;
  const root = parseFile(j, source, options);
  const note = noteTo(api, options, file.path);
  const isTs = TS_FILE.test(file.path);
  const imports = importsOf(j, root);
  const edits: Edit[] = [];

  if (nest) return nestShutdownHooks(j, root, file, repo, note, fileStyle(source));
  // A NestJS provider that stops its consumer in a lifecycle hook is complete: the bootstrap enables the hooks.
  if (lifecycleClosersIn(source).length > 0) return undefined;

  // The workspace libraries' APIs: from the repo model, or (jscodeshift CLI) read the same way from disk.
  const apis: Apis = repo ? (repo.moduleApis ?? {}) : workspaceApis(file.path, j);
  // Where the declarations alone do not say (re-exports, a default class, an inherited stop()): the type checker, lazily.
  const byType = (imported: { from: string; imported: string }): FactoryApi | null => {
    const sources = repo ? (repo.moduleSources ?? {}) : workspaceSources(file.path, j);
    const pkg = packageOf(sources, imported.from);
    return pkg ? typedApi(options, pkg, imported.imported) : null;
  };
  // review6 R15: a consumer class of this service that another file makes is stopped there (`await consumer.stop()`).
  const local: LocalConsumers = {
    ownConsumer: (from) => consumesOnItsOwn(service, file.path, from),
    stoppedByImporter: (service?.importedConsumers ?? []).some((r) => r.file === file.path),
    madeHere: (name) => service?.importedConsumers?.find((r) => r.importer === file.path && r.className === name) ?? null,
  };
  const consumers = findConsumers(j, root, imports, apis, byType, isTs, note, local, kafkaRefType(imports, repo ? packageDeclares(repo, file.path, 'kafkajs') : null));
  if (consumers === null || consumers.length === 0) return undefined;
  // review9 R33: one process, one shutdown. A handler per module would race to process.exit.
  const shared = service?.processShutdown;
  if (shared?.consumers.some((c) => c.file === file.path)) {
    note({ severity: 'warning', code: 'ECS319', line: consumers[0]?.line, message: sharedProcessMessage(shared, file.path, consumers) });
    return undefined;
  }
  // The file's style, read only for a file with consumers to stop.
  const style = fileStyle(source);
  const logger = fileLogger(j, root, source);
  const handlers = signalHandlers(j, root);
  // A workspace lifecycle helper the file calls (`onShutdown(() => worker.close())`) already handles SIGTERM: never a second handler.
  const helper = handlers.length === 0 ? signalHelperCall(j, root, imports, apis) : null;
  if (helper) {
    const where = `${helper.name}() from ${helper.from}${helper.file ? ` (its SIGTERM handler: ${helper.file}:${helper.line})` : ''}`;
    // The hook as written in the call, or a function of this file it names (`onShutdown(stopWorker)`).
    const hooks = [helper.call, ...helper.call.arguments.filter((a: Node) => a.type === 'Identifier').map((a: Node) => functionNamed(j, root, a.name)).filter(Boolean)];
    if (hooks.some((h) => stopsConsumer(j, h, consumers, refsAssigned(j, root, consumers))))
      note({ severity: 'info', code: 'ECS316', line: helper.call.loc?.start.line, message: `SIGTERM is handled by ${where}, and what this file registers with it stops the ${consumers.map((c) => c.what).join(' and ')}: no second handler added` });
    else
      note({ severity: 'warning', code: 'ECS317', line: helper.call.loc?.start.line, message: `SIGTERM is handled by ${where}, but ecsfix cannot see this file's call stop the ${consumers.map((c) => c.what).join(' and ')} (line ${consumers[0]?.line}): register its stop with the helper; no second handler added` });
    return undefined;
  }

  if (handlers.length > 0) {
    // SIGINT alone (Ctrl-C in development): ECS stops a task with SIGTERM, which then kills node as PID 1 by default.
    if (!handlers.some((h) => h.signal === 'SIGTERM')) {
      const also = sigtermRegistration(handlers[0] as Handler, source, style) ?? namedForBoth(j, root, handlers[0] as Handler, source, style);
      if (!also) {
        note({ severity: 'warning', code: 'ECS312', line: handlers[0]?.line, message: `only SIGINT is handled, and its handler is not registered as a statement of its own: ECS stops the task with SIGTERM, which this file does not handle; register the same shutdown for SIGTERM (name the handler and pass it to both)` });
        return undefined;
      }
      edits.push(...also);
      note({ severity: 'warning', code: 'ECS310', line: handlers[0]?.line, message: `only SIGINT was handled; ECS stops the task with SIGTERM: the same handler is now registered for SIGTERM too` });
    }
    // Repair: the existing handler (never a second one) must stop the consumer first.
    const sigterm = handlers.find((h) => h.signal === 'SIGTERM') ?? handlers[0];
    const body = handlerBody(j, root, source, style, sigterm?.fn);
    if (!body) {
      note({ severity: 'warning', code: 'ECS312', line: sigterm?.line, message: 'a signal handler exists but ecsfix cannot follow it to its body; check that it stops the consumer' });
      return edits.length ? splice(source, edits) : undefined;
    }
    if (stopsConsumer(j, body.fn, consumers, refsAssigned(j, root, consumers))) return edits.length ? splice(source, edits) : undefined;
    addRefs(consumers, edits, root, j, source, style, isTs, imports);
    addStreamLoopEdits(consumers, edits, source, style, isTs);
    // A handler that does not exit would leave the process running while the side server listens: close it too.
    const servers = exitCalls(j, body.fn).length === 0 ? sideServers(j, root) : [];
    const stmts = [...stopSteps(consumers, style, logger), ...servers.flatMap((sv) => (sv.closer ? [closeStep(sv.closer, style, logger)] : []))].join('\n');
    const indent = body.indent;
    // The same forced exit a fresh shutdown has (review9 R21), unless the handler already sets one.
    const timer = hasForcedExit(j, body.fn) ? '' : `// Exit before the stop timeout even if a close hangs.\nsetTimeout(() => process.exit(1), 25000).unref()${style.semi}\n`;
    const block = indentBlock(`${timer}${stopComment(consumers)}\n${stmts}`, indent);
    if (body.expression) {
      edits.push({ start: body.fn.start, end: body.fn.end, text: `async () => {\n${block}\n${indent}${source.slice(body.fn.body.start, body.fn.body.end)}${style.semi}\n${body.outerIndent}}` });
    } else {
      if (!body.fn.async) edits.push({ start: body.fn.start, end: body.fn.start, text: 'async ' });
      edits.push({ start: body.insertAt, end: body.insertAt, text: `\n${block}` });
    }
    options.verify?.(verifyLine(consumers, repairedExit(j, body.fn, root)));
    const unclosed = servers.filter((sv) => !sv.closer);
    note({ severity: 'warning', code: 'ECS311', line: sigterm?.line, message: `the ${sigterm?.signal} handler did not stop the ${consumers.map((c) => c.what).join(' and ')}; it now ${describeStops(consumers)}${servers.some((sv) => sv.closer) ? ', closes the health/metrics server' : ''} first${timer ? ', exits 1 if that takes more than 25 s,' : ''} and keeps what it did${unclosed.length ? `; the health/metrics server started at line ${unclosed[0]?.line} is not kept in a variable, and the handler does not exit: the process keeps running until SIGKILL unless it calls process.exit` : ''}` });
    return splice(source, edits);
  }

  addRefs(consumers, edits, root, j, source, style, isTs, imports);
  addStreamLoopEdits(consumers, edits, source, style, isTs);
  const servers = sideServers(j, root);
  const closers = [...findClosers(j, root, imports, apis, consumers), ...servers.flatMap((sv) => (sv.closer ? [sv.closer] : []))];
  const unclosedServer = servers.find((sv) => !sv.closer);
  const added = closers.flatMap((c) => (c.addImport ? [c.addImport] : [])).sort((a, b) => a.name.localeCompare(b.name));
  for (const add of added) addImportSpecifier(j, root, source, add, edits);
  const names = freeNames(j, root);
  // The file's own "connection lost" listener also runs when the shutdown closes the connection on
  // purpose: a block-bodied one returns while shutting down; another is reported (ECS315).
  const exitsOnClose = closeListenerExit(j, root);
  const guardsListener = exitsOnClose?.fn.body.type === 'BlockStatement' && exitsOnClose.fn.body.body.length > 0;
  if (exitsOnClose && guardsListener) {
    const first = exitsOnClose.fn.body.body[0];
    const indent = /^[ \t]*/.exec(source.slice(source.lastIndexOf('\n', first.start - 1) + 1))?.[0] ?? '';
    edits.push({ start: exitsOnClose.fn.body.start + 1, end: exitsOnClose.fn.body.start + 1, text: `\n${indent}if (${names.flag}) return${style.semi} // closed by the shutdown, not lost` });
  }
  const exitsNonZero = exitsOnClose && !guardsListener ? exitsOnClose : null;
  const shutdown = shutdownCode({ names, consumers, closers, logger, style, isTs, exitsZero: !exitsNonZero });
  const at = startCallOffset(root, source, consumers) ?? source.length;
  const before = source.slice(0, at);
  const lead = at === source.length ? (before.endsWith('\n') ? '\n' : '\n\n') : '';
  const trail = at === source.length ? (before.endsWith('\n') ? '' : '\n') : '\n';
  edits.push({ start: at, end: at, text: `${lead}${shutdown}\n${trail}` });
  options.verify?.(verifyLine(consumers, exitsNonZero ? `the process exits (with ${exitsNonZero.call} from the ${exitsNonZero.event} listener at line ${exitsNonZero.line}, which the shutdown's close runs)` : 'the process exits 0'));
  note({
    severity: 'warning',
    code: 'ECS310',
    line: consumers[0]?.line,
    message: `no SIGTERM handler: added one shutdown that ${describeStops(consumers)}${closers.length ? `, closes ${closers.map((c) => c.what).join(', ')}` : ''} and exits${exitsNonZero ? '' : ' 0'} within 25 s${exitsOnClose && guardsListener ? `; the ${exitsOnClose.event} listener at line ${exitsOnClose.line} no longer exits while shutting down` : ''}${unclosedServer ? `; the health/metrics server started at line ${unclosedServer.line} is not kept in a variable, so the exit closes it` : ''}`,
  });
  if (exitsNonZero)
    note({ severity: 'warning', code: 'ECS315', line: exitsNonZero.line, message: `the ${exitsNonZero.event} listener calls ${exitsNonZero.call}, and the shutdown's close makes it run: the task stops with that exit code instead of 0; make it return while ${names.flag} is set if the exit code matters` });
  return splice(source, edits);
}

/** Why a consumer module of a process with several consumers, or with a handler elsewhere, gets no shutdown of its own. */
function sharedProcessMessage(shared: NonNullable<RepoModel['services'][number]['processShutdown']>, path: string, consumers: Consumer[]): string {
  const others = shared.consumers.filter((c) => c.file !== path).map((c) => `${c.file}:${c.line}`);
  const handler = shared.handlers[0];
  const parts = [
    others.length ? `${shared.entry} also loads the consumer module${others.length > 1 ? 's' : ''} ${others.join(', ')} into this process` : '',
    handler ? `SIGTERM is already handled at ${handler.file}:${handler.line}${handler.exits ? ', which calls process.exit without stopping this consumer' : ''}` : '',
  ].filter(Boolean);
  return `${parts.join('; ')}: a shutdown in this module would race the process's other handlers (the first process.exit ends the ${consumers.map((c) => c.what).join(' and ')} while it is still finishing its work), so none is added; write one SIGTERM/SIGINT handler for the process${handler ? ` (extend the one at ${handler.file}:${handler.line})` : ` (in ${shared.entry})`} that stops every consumer and exits 0 when all have closed`;
}

// ---------------------------------------------------------------------------
// Consumers
// ---------------------------------------------------------------------------

interface ImportInfo {
  /** local name -> { module, imported name } */
  names: Map<string, { from: string; imported: string; typeOnly: boolean }>;
  /** import declarations by module */
  decls: Map<string, Node[]>;
}

function importsOf(j: JSCodeshift, root: Collection): ImportInfo {
  const info: ImportInfo = { names: new Map(), decls: new Map() };
  typedNodes(j, root, 'ImportDeclaration').forEach((n: Node) => {
    const from = n.source.value;
    info.decls.set(from, [...(info.decls.get(from) ?? []), n]);
    for (const s of n.specifiers ?? [])
      info.names.set(s.local.name, { from, imported: s.type === 'ImportSpecifier' ? s.imported.name : s.type === 'ImportDefaultSpecifier' ? 'default' : '*', typeOnly: n.importKind === 'type' || s.importKind === 'type' });
  });
  // const { a, b: c } = require('x'); const x = require('x')
  typedNodes(j, root, 'VariableDeclarator').forEach((n: Node) => {
    const init = n.init;
    if (init?.type !== 'CallExpression' || init.callee?.name !== 'require' || init.arguments[0]?.type !== 'StringLiteral') return;
    const from = init.arguments[0].value;
    if (n.id.type === 'Identifier') info.names.set(n.id.name, { from, imported: 'default', typeOnly: false });
    if (n.id.type === 'ObjectPattern')
      for (const prop of n.id.properties) if (prop.value?.type === 'Identifier') info.names.set(prop.value.name, { from, imported: prop.key.name, typeOnly: false });
  });
  return info;
}

type Apis = Record<string, ModuleApi>;

/** The workspace package an import specifier names (the package itself or a subpath of it). */
function packageOf<T>(byPackage: Record<string, T>, from: string): T | null {
  const pkg = Object.keys(byPackage).find((p) => from === p || from.startsWith(p + '/'));
  return pkg ? (byPackage[pkg] ?? null) : null;
}

/** What `name` imported from `from` returns, as its declaration in the workspace package says. */
function importedApi(apis: Apis, from: string, name: string): FactoryApi | null {
  return packageOf(apis, from)?.factories[name] ?? null;
}


/** The statement a creation belongs to, and the name it is stored in. */
function storage(path: ASTPath): { statement: ASTPath; target: string | null; declaredIn: Node | null } | null {
  let p: ASTPath | null = path.parent;
  while (p && (p.node.type === 'AwaitExpression' || p.node.type === 'TSAsExpression' || p.node.type === 'ParenthesizedExpression')) p = p.parent;
  if (!p) return null;
  const n: Node = p.node;
  if (n.type === 'VariableDeclarator' && n.id.type === 'Identifier') return { statement: p.parent, target: n.id.name, declaredIn: p.parent.parent?.node ?? null };
  if (n.type === 'AssignmentExpression') return { statement: p.parent, target: calleeText(n.left) || null, declaredIn: null };
  return null;
}

/** A module-level `const name = ...`: set before any handler of the module can run. */
function isModuleConst(root: Collection, name: string): boolean {
  return root.get().node.program.body.some((s: Node) => s.type === 'VariableDeclaration' && s.kind === 'const' && s.declarations.some((d: Node) => d.id?.type === 'Identifier' && d.id.name === name && d.init));
}

function isTopLevel(root: Collection, name: string): boolean {
  return root.get().node.program.body.some((s: Node) => s.type === 'VariableDeclaration' && s.declarations.some((d: Node) => d.id?.name === name));
}

type ByType = (imported: { from: string; imported: string }) => FactoryApi | null;

/** The API of an imported factory or class: from its declaration, else (when that gives no stop method) from its type. */
function factoryApi(apis: Apis, byType: ByType, imported: { from: string; imported: string } | undefined): FactoryApi | null {
  if (!imported) return null;
  const declared = importedApi(apis, imported.from, imported.imported);
  if (declared && stopMethod(declared)) return declared;
  return byType(imported) ?? declared;
}

/**
 * Whether a module this file imports (`./consumer`) is a source file of the same service that
 * consumes a queue itself (review6 R15: `class OrderConsumer` opening its amqplib channel in
 * `start()`): this codemod's run on that file stops its consumer, or says there why it cannot.
 */
function consumesOnItsOwn(service: RepoModel['services'][number] | undefined, path: string, from: string): boolean {
  const target = service?.consumerFiles?.length ? relativeSource(path, from, service.sourceFiles) : null;
  return target !== null && (service?.consumerFiles ?? []).includes(target);
}

/** What the repo model says about the service's own consumer classes, for {@link findConsumers}. */
interface LocalConsumers {
  /** The module an import names is a source of this service that consumes a queue itself. */
  ownConsumer: (from: string) => boolean;
  /** This file's consumer class is made and stopped by another file (its channel and connection are not this file's to close). */
  stoppedByImporter: boolean;
  /** The consumer class of another module of the service that this file makes, with its stop method. */
  madeHere: (name: string) => ImportedConsumer | null;
}

function findConsumers(j: JSCodeshift, root: Collection, imports: ImportInfo, apis: Apis, byType: ByType, isTs: boolean, note: (n: import('./lib/codemod-api.ts').CodemodNote) => void, local: LocalConsumers, kafkaType: (callee: Node) => string): Consumer[] | null {
  const found: Consumer[] = [];
  let unknown = false;
  const addAt = (statement: ASTPath, target: string, line: number, kind: Consumer['kind'], what: string, stop: string, type: string | null) => {
    const moduleLevel = !target.includes('.') && isTopLevel(root, target);
    const alwaysSet = moduleLevel && isModuleConst(root, target);
    found.push({ kind, what, line, statement, target, ref: moduleLevel ? target : '', needsRef: !moduleLevel, type: isTs ? type : null, stop, ...(alwaysSet ? { alwaysSet } : {}) });
  };
  const add = (path: ASTPath, kind: Consumer['kind'], what: string, stop: string, type: string | null) => {
    const stored = storage(path);
    const line = (path.node as Node).loc?.start.line ?? 1;
    if (!stored?.target) {
      note({ severity: 'warning', code: 'ECS312', line, message: `the ${what} is not stored in a variable, so a shutdown cannot reach it` });
      unknown = true;
      return;
    }
    addAt(stored.statement, stored.target, line, kind, what, stop, type);
  };
  // A Bull queue is a consumer only when the file processes it (`queue.process(5, fn)`, `new Queue(...).process(fn)`).
  const processed = new Set<Node>();
  const processedNames = new Set<string>();
  typedNodes(j, root, 'CallExpression').forEach((n: Node) => {
    const callee: Node = n.callee;
    if (callee.type !== 'MemberExpression' || callee.property?.name !== 'process' || n.arguments.length === 0) return;
    processed.add(callee.object);
    const text = calleeText(callee.object);
    if (text) processedNames.add(text);
  });
  const processes = (made: ASTPath) => processed.has(made.node) || processedNames.has(storage(made)?.target ?? '');
  // A call's path (for where its result is stored) is made only for a call that makes a consumer.
  typedNodes(j, root, 'CallExpression').forEach((n: Node, i) => {
    const path = () => typedPath(j, root, 'CallExpression', i);
    const callee = n.callee;
    // kafkajs: kafka.consumer({ groupId })
    if (callee.type === 'MemberExpression' && callee.property?.name === 'consumer' && n.arguments[0]?.type === 'ObjectExpression') {
      add(path(), 'kafka', 'Kafka consumer', 'disconnect', kafkaType(callee));
      return;
    }
    // A workspace function that opens an amqplib channel and consumes: startConsumer('orders', handler).
    const amqpMaker = callee.type === 'Identifier' ? imports.names.get(callee.name) : undefined;
    const amqp = amqpMaker && !amqpMaker.typeOnly ? importedApi(apis, amqpMaker.from, amqpMaker.imported)?.amqpConsumer : undefined;
    if (amqpMaker && amqp) {
      const held = amqpHandles(path(), amqp);
      if (held.length === 0) {
        note({ severity: 'warning', code: 'ECS312', line: n.loc?.start.line, message: `${callee.name}() (from ${amqpMaker.from}) consumes from an AMQP channel, but ecsfix cannot establish that this file holds the channel or connection it opens (${amqp.channel === null && amqp.connection === null ? 'it does not return them' : 'the result is not kept in a variable'}): close them on SIGTERM by hand` });
        unknown = true;
        return;
      }
      for (const h of held) addAt(h.statement, h.target, n.loc?.start.line ?? 1, h.kind, h.kind === 'amqp-channel' ? 'AMQP channel' : 'AMQP connection', 'close', '{ close(): Promise<void> } | null');
      return;
    }
    // A wrapper: createKafkaConsumer({...}), createConsumer(kafka, groupId)
    if (callee.type === 'Identifier' && KAFKA_WRAPPER_FACTORY.test(callee.name)) {
      const imported = imports.names.get(callee.name);
      const factory = factoryApi(apis, byType, imported);
      const stop = factory ? stopMethod(factory) : null;
      if (!stop) {
        note({ severity: 'warning', code: 'ECS312', line: n.loc?.start.line, message: `cannot establish how to stop the consumer made by ${callee.name}()${imported ? ` (from ${imported.from})` : ''}: its declaration is out of reach or has no stop/disconnect/close method` });
        unknown = true;
        return;
      }
      const ret = `ReturnType<typeof ${callee.name}>`;
      add(path(), 'kafka', 'Kafka consumer', stop, `${factory?.async ? `Awaited<${ret}>` : ret} | null`);
      return;
    }
    // Bull makes the instance when called without `new`: `Queue('email', url)`.
    const imported = callee.type === 'Identifier' ? imports.names.get(callee.name) : undefined;
    if (imported?.from === 'bull' && processes(path())) {
      add(path(), 'bull', bullQueueName(n), 'close', `${callee.name}.Queue | null`);
      return;
    }
    // A workspace function that makes a queue worker: createWorker('emails', handler) from a shared queue package.
    if (imported && !imported.typeOnly) {
      const worker = queueWorkerOf(callee.name, imported, apis);
      if (worker && 'stop' in worker) add(path(), 'bullmq', worker.what, worker.stop, worker.type);
      else if (worker) {
        note({ severity: 'warning', code: 'ECS312', line: n.loc?.start.line, message: worker.refused });
        unknown = true;
      }
    }
  });
  typedNodes(j, root, 'NewExpression').forEach((n: Node, i) => {
    const path = () => typedPath(j, root, 'NewExpression', i);
    const name = n.callee.type === 'Identifier' ? n.callee.name : '';
    const imported = imports.names.get(name);
    if (name === 'Worker' && (imported?.from === 'bullmq' || (!imported && n.arguments.length >= 2 && n.arguments[0]?.type === 'StringLiteral'))) {
      add(path(), 'bullmq', 'BullMQ worker', 'close', 'Worker | null');
      return;
    }
    if (imported?.from === 'bull' && processes(path())) {
      add(path(), 'bull', bullQueueName(n), 'close', `${name}.Queue | null`);
      return;
    }
    // review6 R15: an amqplib consumer class of this service whose stopath() closes what its start() opens.
    const made = imported ? local.madeHere(name) : null;
    if (made) {
      add(path(), 'amqp-class', name, made.stop, `${name} | null`);
      return;
    }
    if (CONSUMER_CLASS.test(name) && imported) {
      const factory = factoryApi(apis, byType, imported);
      const stop = factory ? stopMethod(factory) : null;
      // The class's own module consumes (and is rewritten or reported in its own run): not this file's consumer.
      if (!stop && local.ownConsumer(imported.from)) return;
      if (!stop) {
        note({ severity: 'warning', code: 'ECS312', line: n.loc?.start.line, message: `cannot establish how to stop ${name} (from ${imported.from}): its declaration is out of reach` });
        unknown = true;
        return;
      }
      add(path(), 'kafka', `${name}`, stop, `${name} | null`);
    }
  });
  // amqplib / amqp-connection-manager: the channel that consumes, and its connection.
  const consuming = new Set<string>();
  typedNodes(j, root, 'CallExpression').filter((n: Node) => n.callee?.property?.name === 'consume').forEach((n: Node) => {
    const obj = calleeText(n.callee.object);
    if (obj && n.arguments.length >= 2) consuming.add(obj);
  });
  if (consuming.size > 0) {
    typed(j, root, 'CallExpression').forEach((p) => {
      const n: Node = p.node;
      const method = n.callee.type === 'MemberExpression' ? n.callee.property?.name : '';
      const stored = storage(p);
      // The class's own channel and connection: the file that makes the class stops them with its stop() (review6 R15).
      if (local.stoppedByImporter && stored?.target?.startsWith('this.')) return;
      if (/^create(?:Confirm)?Channel$/.test(method) && stored?.target && consuming.has(stored.target)) add(p, 'amqp-channel', 'AMQP channel', 'close', '{ close(): Promise<void> } | null');
      // amqp-connection-manager: connection.createChannel({ setup: (channel) => channel.consume(...) }) gives a ChannelWrapper.
      else if (method === 'createChannel' && setupConsumes(n.arguments[0], consuming)) add(p, 'amqp-channel', 'AMQP channel wrapper', 'close', '{ close(): Promise<void> } | null');
      const connectFrom = method === 'connect' ? imports.names.get(calleeText(n.callee.object))?.from : n.callee.type === 'Identifier' && imports.names.get(n.callee.name)?.imported === 'connect' ? imports.names.get(n.callee.name)?.from : undefined;
      if (/amqp/.test(connectFrom ?? '')) add(p, 'amqp-connection', 'AMQP connection', 'close', '{ close(): Promise<void> } | null');
    });
  }
  // At-most-once subscribers: reported, not stopped, when the file handles no signal (a handler it has is its own business).
  const subscribers = signalHandlers(j, root).length === 0 && !signalHelperCall(j, root, imports, apis) ? pubSubSubscribers(j, root, imports) : [];
  for (const sub of subscribers) {
    unknown = true;
    note({ severity: 'warning', code: 'ECS318', line: sub.line, message: sub.kind === 'nats' ? `a core NATS subscription (${sub.call}): NATS does not redeliver a message lost when ECS kills the task, and ecsfix cannot establish that stopping it lets the message being processed finish, so it adds no shutdown; on SIGTERM, await ${sub.connection}.drain() (no new messages, the received ones are delivered, then the connection closes) and exit` : `a Redis pub/sub subscriber (${sub.call}): Redis does not redeliver a message lost when ECS kills the task, and ecsfix cannot wait for the 'message' listener's running work, so it adds no shutdown; on SIGTERM, unsubscribe, let the running listener finish, quit ${sub.connection} and exit` });
  }
  for (const loop of streamLoops(j, root, note)) {
    if (loop === null) {
      unknown = true;
      continue;
    }
    found.push({ kind: loop.loop.label === SQS_LOOP ? 'sqs-poll' : 'redis-stream', what: loop.loop.label, line: loop.node.loc?.start.line ?? 1, statement: loop.path, target: loop.loop.flag, ref: loop.loop.flag, needsRef: false, type: null, stop: '', loop: loop.loop });
  }
  if (unknown) return null;
  // The channel closes before its connection.
  found.sort((a, b) => Number(a.kind === 'amqp-connection') - Number(b.kind === 'amqp-connection'));
  // Names for the refs: consumerRef for the first, <target>Ref for the others.
  const taken = new Set<string>();
  typedNodes(j, root, 'Identifier').forEach((n: Node) => void taken.add(n.name));
  for (const c of found) {
    if (!c.needsRef) continue;
    const base = c.kind === 'kafka' || c.kind === 'bullmq' || c.kind === 'bull' ? 'consumerRef' : `${c.target.split('.').pop()}Ref`;
    let name = base;
    for (let k = 2; taken.has(name); k++) name = `${base}${k}`;
    taken.add(name);
    c.ref = name;
  }
  return found;
}

/**
 * Core NATS and Redis pub/sub subscriptions: `nc.subscribe(subject)` where `nc` is a `connect(...)`
 * of nats, and `sub.subscribe(channel)`/`psubscribe` of a file that uses ioredis/redis whose client
 * takes the messages (`sub.on('message', fn)`, or node-redis 4's listener argument). As the model's
 * facts (src/source/facts.ts subscriberKind) read them.
 */
function pubSubSubscribers(j: JSCodeshift, root: Collection, imports: ImportInfo): { kind: 'nats' | 'redis-pubsub'; line: number; call: string; connection: string }[] {
  const listeners = new Set<string>();
  const calls: Node[] = [];
  typedNodes(j, root, 'CallExpression').forEach((n: Node) => {
    const method = n.callee.type === 'MemberExpression' ? n.callee.property?.name : '';
    if (method === 'on' && n.arguments[0]?.type === 'StringLiteral' && /^p?message(?:Buffer)?$/.test(n.arguments[0].value)) listeners.add(calleeText(n.callee.object));
    if ((method === 'subscribe' || method === 'psubscribe') && /^(?:StringLiteral|TemplateLiteral|Identifier)$/.test(n.arguments[0]?.type ?? '')) calls.push(n);
  });
  const made = (name: string): string => {
    const d: Node = typedNodes(j, root, 'VariableDeclarator').find((v: Node) => v.id?.type === 'Identifier' && v.id.name === name);
    const init = d?.init?.type === 'AwaitExpression' ? d.init.argument : d?.init;
    return init?.type === 'CallExpression' ? calleeText(init.callee) : '';
  };
  const redis = [...imports.names.values()].some((i) => /^(?:ioredis|redis|@redis\/client)$/.test(i.from));
  const out: { kind: 'nats' | 'redis-pubsub'; line: number; call: string; connection: string }[] = [];
  for (const n of calls) {
    const receiver = calleeText(n.callee.object);
    const [ns, fn] = made(receiver).includes('.') ? made(receiver).split('.') : ['', made(receiver)];
    const line = n.loc?.start.line ?? 1;
    const call = `${receiver}.${n.callee.property.name}()`;
    if (fn === 'connect' && imports.names.get(ns || 'connect')?.from === 'nats') out.push({ kind: 'nats', line, call, connection: receiver });
    else if (redis && (listeners.has(receiver) || n.arguments.slice(1).some((a: Node) => /Function/.test(a.type)))) out.push({ kind: 'redis-pubsub', line, call, connection: receiver });
  }
  return out;
}

/** `Bull queue email`, from `new Queue('email', url)`; `Bull queue` when the name is not a literal. */
function bullQueueName(made: Node): string {
  const first = made.arguments[0];
  return first?.type === 'StringLiteral' ? `Bull queue ${first.value}` : 'Bull queue';
}

/**
 * A call of a queue-worker factory of the repo's own code (a workspace package or a relative module):
 * how to stop what it returns, or why that cannot be established; null when it is no such factory.
 */
function queueWorkerOf(name: string, imported: { from: string; imported: string }, apis: Apis): { what: string; stop: string; type: string } | { refused: string } | null {
  const maker = importedApi(apis, imported.from, imported.imported);
  const ret = `ReturnType<typeof ${name}>`;
  const type = `${maker?.async ? `Awaited<${ret}>` : ret} | null`;
  if (maker?.bullmqWorker === 'returned') return { what: 'BullMQ worker', stop: 'close', type };
  if (maker?.bullmqWorker === 'kept') return { refused: `${name}() (from ${imported.from}) creates a BullMQ worker but does not return it, so a shutdown here cannot close it: return the worker and close() it on SIGTERM` };
  const own = imported.from.startsWith('.') || packageOf(apis, imported.from) !== null;
  if (!own || !QUEUE_WORKER_FACTORY.test(name)) return null;
  const stop = maker ? stopMethod(maker) : null;
  if (stop) return { what: 'queue worker', stop, type };
  return { refused: `${name}() (from ${imported.from}) looks like a queue worker, but ecsfix cannot find its declaration returning one it can stop (new Worker(...), or an object with close/stop): stop it on SIGTERM by hand` };
}

/**
 * The channel and connection a workspace consumer factory returns, as this file holds them:
 * `const { connection } = await startConsumer(...)` (a destructured property),
 * `const consumer = await startConsumer(...)` (`consumer.channel`), `const channel = await startChannelConsumer(...)`.
 */
function amqpHandles(call: ASTPath, returned: { channel: string | null; connection: string | null }): { kind: 'amqp-channel' | 'amqp-connection'; target: string; statement: ASTPath }[] {
  let p: ASTPath | null = call.parent;
  while (p && (p.node.type === 'AwaitExpression' || p.node.type === 'TSAsExpression' || p.node.type === 'ParenthesizedExpression')) p = p.parent;
  const n: Node = p?.node;
  if (!p || n.type !== 'VariableDeclarator') return [];
  const out: { kind: 'amqp-channel' | 'amqp-connection'; target: string; statement: ASTPath }[] = [];
  for (const [kind, key] of [['amqp-channel', returned.channel], ['amqp-connection', returned.connection]] as const) {
    if (key === null) continue;
    let target: string | null = null;
    if (n.id.type === 'Identifier') target = key === '' ? n.id.name : `${n.id.name}.${key}`;
    else if (n.id.type === 'ObjectPattern' && key !== '') {
      const prop = n.id.properties.find((q: Node) => !q.computed && q.key?.name === key && q.value?.type === 'Identifier');
      target = prop?.value.name ?? null;
    }
    if (target) out.push({ kind, target, statement: p.parent });
  }
  return out;
}

/** amqp-connection-manager's `{ setup(channel) { ... channel.consume(q, fn) } }`: the wrapper consumes through its setup. */
function setupConsumes(options: Node, consuming: Set<string>): boolean {
  if (options?.type !== 'ObjectExpression') return false;
  const setup: Node = options.properties.find((p: Node) => p.key?.name === 'setup');
  const fn = setup?.type === 'ObjectMethod' ? setup : setup?.value;
  const param = fn?.params?.[0];
  return param?.type === 'Identifier' && consuming.has(param.name);
}

/** A consumer whose close waits for its active jobs (a BullMQ worker, a Bull queue). */
const closesAfterActiveJobs = (c: Consumer) => c.kind === 'bullmq' || c.kind === 'bull';

/**
 * The steps that stop the consumers, in order. Several workers/queues whose close waits for their
 * active jobs are closed together: closed one after the other, the second would keep taking new
 * jobs while the first waits, and the stop timeout would have to cover their sum.
 */
function stopSteps(consumers: Consumer[], style: FileStyle, logger: { name: string; pino: boolean }): string[] {
  const together = consumers.filter(closesAfterActiveJobs);
  if (together.length < 2) return consumers.map((c) => stopStep(c, style, logger));
  const i = style.indent;
  const closes = together.map((c) => `${i}${c.ref}${c.alwaysSet ? '.' : '?.'}${c.stop}().catch((error) => ${logCall(logger, 'error', `Failed to stop the ${c.what}`, style, 'error')}),`);
  const all = [`// Close the ${together.every((c) => c.kind === 'bull') ? 'queues' : 'workers'} together: each close waits for its active jobs, and none takes a new job meanwhile.`, `await Promise.all([`, ...closes, `])${style.semi}`].join('\n');
  const first = consumers.indexOf(together[0] as Consumer);
  return consumers.flatMap((c, k) => (k === first ? [all] : together.includes(c) ? [] : [stopStep(c, style, logger)]));
}

/** The statement(s) a shutdown or a repaired handler runs to stop one consumer. */
function stopStep(c: Consumer, style: FileStyle, logger: { name: string; pino: boolean }): string {
  if (c.loop) {
    const wait = guarded(style, logger, `await ${c.loop.promise}`, `The ${c.what} failed while stopping`);
    return `// Stop reading: the loop leaves after its current batch${c.loop.blockMs ? ` (a read blocks at most ${c.loop.blockMs} ms)` : ''}.\n${c.loop.flag} = ${c.loop.stopValue}${style.semi}\n${wait}`;
  }
  return guarded(style, logger, `await ${c.ref}${c.alwaysSet ? '.' : '?.'}${c.stop}()`, `Failed to ${c.kind.startsWith('amqp') ? 'close' : 'stop'} the ${c.what}`);
}

function verifyLine(consumers: Consumer[], exit: string): string {
  return `stop the task (or send SIGTERM locally) and check that ${[...new Set(consumers.map(stopsHow))].join(' and ')}, and ${exit}`;
}

/** The `process.exit(...)` calls in a function, as written. */
function exitCalls(j: JSCodeshift, fn: Node): string[] {
  return nodesInside(j, fn, 'CallExpression')
    .filter((n: Node) => calleeText(n.callee) === 'process.exit')
    .map((n: Node) => `process.exit(${n.arguments[0]?.type === 'NumericLiteral' || n.arguments[0]?.type === 'Literal' ? n.arguments[0].value : n.arguments.length ? '…' : ''})`);
}

/** Why the repaired handler stops the consumer first, in the consumer's own terms (review9 R21: no Kafka words for a BullMQ worker). */
function stopComment(consumers: Consumer[]): string {
  if (consumers.some((c) => c.kind === 'kafka')) return '// Stop consuming first, so the group rebalances now and no message is left half-processed.';
  if (consumers.every((c) => c.kind === 'bullmq' || c.kind === 'bull')) return '// Stop taking jobs first: close() waits for the active jobs to finish.';
  if (consumers.every((c) => c.loop)) return '// Stop the read loop first: it finishes its batch, and no new one is read.';
  return '// Stop consuming first, so no new message is taken.';
}

/** The handler already arms a timer that exits (`setTimeout(() => process.exit(1), 10000)`). */
function hasForcedExit(j: JSCodeshift, handler: Node): boolean {
  return nodesInside(j, handler, 'CallExpression').some((n: Node) => calleeText(n.callee) === 'setTimeout' && exitCalls(j, n).length > 0);
}

/** What the verify line may say about the exit after a repaired handler: only what its body shows. */
function repairedExit(j: JSCodeshift, handler: Node, root: Collection): string {
  const calls = exitCalls(j, handler);
  const exitsOnClose = closeListenerExit(j, root);
  if (calls.length > 0 && calls.every((c) => c === 'process.exit(0)' || c === 'process.exit()') && !exitsOnClose) return 'the process exits 0';
  if (calls.length > 0) return `the process exits (the handler calls ${[...new Set(calls)].join(', ')}${exitsOnClose ? `; the ${exitsOnClose.event} listener at line ${exitsOnClose.line} calls ${exitsOnClose.call}` : ''})`;
  return 'the process exits before the stop timeout (the handler does not call process.exit: a timer or socket still open keeps it running until ECS sends SIGKILL)';
}

/**
 * A `x.on('close' | 'end' | 'disconnect', ...)` listener that exits with a non-zero code (amqplib's
 * "connection lost, let the orchestrator restart me"): a deliberate close at shutdown runs it too.
 */
function closeListenerExit(j: JSCodeshift, root: Collection): { line: number; event: string; call: string; fn: Node } | null {
  for (const n of typedNodes(j, root, 'CallExpression')) {
    if (n.callee.type !== 'MemberExpression' || calleeText(n.callee.object) === 'process' || !/^(?:on|once|addListener)$/.test(n.callee.property?.name ?? '')) continue;
    const event = n.arguments[0];
    const fn = n.arguments[1];
    if (!(event?.type === 'StringLiteral' || event?.type === 'Literal') || !/^(?:close|end|disconnect|disconnected)$/.test(String(event.value)) || !/Function/.test(fn?.type ?? '')) continue;
    const nonZero = exitCalls(j, fn).find((c) => c !== 'process.exit(0)' && c !== 'process.exit()');
    if (nonZero) return { line: n.loc?.start.line ?? 1, event: `'${event.value}'`, call: nonZero, fn };
  }
  return null;
}

/** What stopping this consumer shows, for the verify line: only a Kafka consumer has a group to leave. */
function stopsHow(c: Consumer): string {
  if (c.kind === 'kafka') return 'the consumer leaves its group';
  if (c.kind === 'bullmq') return 'the worker finishes its active job';
  if (c.kind === 'bull') return 'the queue finishes its active jobs';
  if (c.kind === 'redis-stream' || c.kind === 'sqs-poll') return 'the read loop finishes its batch';
  return 'the AMQP channel and connection close (unacknowledged messages return to the queue)';
}

/** What the stop steps do, for the finding: the consumers {@link stopSteps} closes together are named together. */
function describeStops(consumers: Consumer[]): string {
  const together = consumers.filter(closesAfterActiveJobs);
  if (together.length < 2) return consumers.map(describeStop).join(', ');
  const first = consumers.indexOf(together[0] as Consumer);
  const refs = together.map((c) => c.ref);
  const all = `closes ${refs.slice(0, -1).join(', ')} and ${refs[refs.length - 1]} together (one Promise.all of their ${[...new Set(together.map((c) => c.stop))].join('/')}())`;
  return consumers.flatMap((c, k) => (k === first ? [all] : together.includes(c) ? [] : [describeStop(c)])).join(', ');
}

function describeStop(c: Consumer): string {
  return c.loop ? `sets ${c.loop.flag} = ${c.loop.stopValue} and waits for the ${c.loop.label}` : `calls ${c.ref}.${c.stop}()`;
}

const STREAM_READ = /^xread(?:group)?$/i;
/** The longest a read may block and still let the loop see the flag before the 25 s forced exit. */
const MAX_BLOCK_MS = 20_000;

/** The XREADGROUP/XREAD call of a node, as a method (`redis.xReadGroup(...)`) or a raw command (`redis.call('XREADGROUP', ...)`, `sendCommand(['XREAD', ...])`). */
const SQS_LOOP = 'SQS poll loop';

/**
 * An SQS receive: `client.send(new ReceiveMessageCommand({...}))` (SDK v3) or `sqs.receiveMessage({...})`
 * (v2): its parameters, where WaitTimeSeconds (the long poll) is read.
 */
function sqsReceiveArgs(n: Node): Node[] | null {
  const callee = n.callee;
  const method = callee?.type === 'MemberExpression' || callee?.type === 'OptionalMemberExpression' ? callee.property?.name : '';
  const first = n.arguments[0];
  if (method === 'send' && first?.type === 'NewExpression' && first.callee?.type === 'Identifier' && first.callee.name === 'ReceiveMessageCommand') return first.arguments;
  if (method === 'receiveMessage' && first?.type === 'ObjectExpression') return n.arguments;
  return null;
}

/** SQS's long poll: `WaitTimeSeconds: 20` as ms, null for a short poll; undefined when it cannot be established. */
function waitOf(root: Collection, args: Node[]): number | null | undefined {
  const params = args[0];
  if (params?.type !== 'ObjectExpression' || params.properties.some((p: Node) => p.type === 'SpreadElement')) return undefined;
  const prop = params.properties.find((p: Node) => (p.key?.name ?? p.key?.value) === 'WaitTimeSeconds');
  if (!prop) return null;
  const seconds = blockOf(root, [stringNode('BLOCK'), prop.value]);
  return typeof seconds === 'number' ? seconds * 1000 : seconds;
}

/** A StringLiteral node, for reading a value through {@link blockOf}. */
function stringNode(value: string): Node {
  return { type: 'StringLiteral', value };
}

function streamReadArgs(n: Node): Node[] | null {
  const callee = n.callee;
  const method = callee?.type === 'MemberExpression' || callee?.type === 'OptionalMemberExpression' ? callee.property?.name : '';
  if (STREAM_READ.test(method ?? '')) return n.arguments;
  const first = n.arguments[0];
  if (/^(?:call|send_command|sendCommand)$/.test(method ?? '')) {
    if (first?.type === 'StringLiteral' && STREAM_READ.test(first.value)) return n.arguments.slice(1);
    if (first?.type === 'ArrayExpression' && first.elements[0]?.type === 'StringLiteral' && STREAM_READ.test(first.elements[0].value)) return first.elements.slice(1);
  }
  return null;
}

/** The BLOCK of a read: `{ BLOCK: 5000 }` (node-redis) or `'BLOCK', 5000` (ioredis, raw commands); undefined when it cannot be established. */
function blockOf(root: Collection, args: Node[]): number | null | undefined {
  let value: Node = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a?.type === 'ObjectExpression') {
      const prop = a.properties.find((p: Node) => (p.key?.name ?? p.key?.value) === 'BLOCK');
      if (prop) value = prop.value;
    } else if (a?.type === 'StringLiteral' && a.value.toUpperCase() === 'BLOCK') value = args[i + 1] ?? null;
    else if (a?.type === 'SpreadElement') return undefined;
  }
  if (!value) return null;
  if (value.type === 'Identifier') {
    // A module-level `const BLOCK_MS = 5_000`.
    for (const st of root.get().node.program.body as Node[])
      if (st.type === 'VariableDeclaration' && st.kind === 'const') for (const d of st.declarations) if (d.id?.name === value.name) value = d.init;
  }
  if (value?.type === 'NumericLiteral') return value.value;
  if (value?.type === 'StringLiteral' && /^\d+$/.test(value.value)) return Number(value.value);
  return undefined;
}

/** The module-level `let` a loop test names: `running` (stopped by false) or `!stopping` (stopped by true). */
function loopFlag(root: Collection, test: Node): { flag: string; stopValue: 'true' | 'false' } | null {
  const negated = test?.type === 'UnaryExpression' && test.operator === '!';
  const id = negated ? test.argument : test;
  if (id?.type !== 'Identifier') return null;
  const moduleLet = (root.get().node.program.body as Node[]).some((st) => st.type === 'VariableDeclaration' && st.kind !== 'const' && st.declarations.some((d: Node) => d.id?.name === id.name));
  return moduleLet ? { flag: id.name, stopValue: negated ? 'true' : 'false' } : null;
}

/**
 * The Redis-streams read loops of the file, each with how the shutdown stops it; null for a loop
 * that cannot be stopped safely (noted with its line).
 */
function streamLoops(j: JSCodeshift, root: Collection, note: (n: import('./lib/codemod-api.ts').CodemodNote) => void): ({ path: ASTPath; node: Node; loop: StreamLoop } | null)[] {
  const loops = new Map<Node, { path: ASTPath; read: Node; args: Node[]; sqs: boolean }>();
  typedNodes(j, root, 'CallExpression').forEach((n: Node, i) => {
    const sqsArgs = sqsReceiveArgs(n);
    const args = sqsArgs ?? streamReadArgs(n);
    if (!args) return;
    let up: ASTPath | null = typedPath(j, root, 'CallExpression', i).parent;
    while (up && !/^(?:WhileStatement|ForStatement|DoWhileStatement|Function\w*|ArrowFunctionExpression|ObjectMethod|ClassMethod)$/.test(up.node.type)) up = up.parent;
    if (up && /Statement$/.test(up.node.type) && !loops.has(up.node)) loops.set(up.node, { path: up, read: n, args, sqs: sqsArgs !== null });
  });
  if (loops.size === 0) return [];
  const taken = new Set<string>();
  typedNodes(j, root, 'Identifier').forEach((n: Node) => void taken.add(n.name));
  const fresh = (options: string[]) => {
    const name = options.find((o) => !taken.has(o)) ?? `${options[0]}_`;
    taken.add(name);
    return name;
  };
  const out: ({ path: ASTPath; node: Node; loop: StreamLoop } | null)[] = [];
  for (const [node, { path, read, args, sqs }] of loops) {
    const label = sqs ? SQS_LOOP : 'Redis stream loop';
    const line = node.loc?.start.line ?? 1;
    const readLine = read.loc?.start.line ?? line;
    const forever = (node.type === 'WhileStatement' && node.test?.type === 'BooleanLiteral' && node.test.value === true) || (node.type === 'ForStatement' && !node.test && !node.init && !node.update);
    const existing = node.type === 'WhileStatement' ? loopFlag(root, node.test) : null;
    if (!forever && !existing) {
      note({ severity: 'warning', code: 'ECS312', line, message: `a ${sqs ? 'loop around an SQS receive' : 'Redis stream loop'} whose condition is not \`true\` or a module-level flag: ecsfix cannot make the shutdown stop it` });
      out.push(null);
      continue;
    }
    const blockMs = sqs ? waitOf(root, args) : blockOf(root, args);
    if (sqs && (blockMs === undefined || (blockMs ?? 0) > MAX_BLOCK_MS)) {
      note({ severity: 'warning', code: 'ECS312', line: readLine, message: `the SQS receive's WaitTimeSeconds ${blockMs === undefined ? 'cannot be established' : `(${(blockMs ?? 0) / 1000} s) outlasts the stop timeout`}, so a stop flag might be seen too late: stop this loop on SIGTERM by hand` });
      out.push(null);
      continue;
    }
    if (blockMs === undefined || (!sqs && blockMs === 0) || (blockMs ?? 0) > MAX_BLOCK_MS) {
      const why = blockMs === 0 ? 'BLOCK 0 waits until an entry arrives' : blockMs === undefined ? 'its BLOCK timeout cannot be established' : `BLOCK ${blockMs} ms outlasts the stop timeout`;
      note({ severity: 'warning', code: 'ECS314', line: readLine, message: `the stream read blocks too long for a stop flag to be seen before ECS's 30 s stop timeout (${why}); use a BLOCK of a few seconds, then ecsfix can add the shutdown` });
      out.push(null);
      continue;
    }
    const owner = topLevelStatementOf(path);
    const start = owner ? loopStart(root, owner.node) : null;
    if (!owner || owner.node === node || !start) {
      note({ severity: 'warning', code: 'ECS312', line, message: `ecsfix cannot find the top-level call that starts this ${label}, so a shutdown could not wait for it` });
      out.push(null);
      continue;
    }
    const flag = existing ?? { flag: fresh(['stopRequested', 'stopReading', sqs ? 'stopPolling' : 'stopStreamLoop']), stopValue: 'true' as const };
    const loop: StreamLoop = { node, flag: flag.flag, stopValue: flag.stopValue, newFlag: !existing, promise: start.ref ?? fresh(sqs ? ['pollLoop', 'readLoop', 'pollLoopRun'] : ['streamLoop', 'readLoop', 'streamLoopRun']), newPromise: !start.ref, start: start.statement, owner: owner.node, blockMs, label };
    out.push({ path, node, loop });
  }
  return out;
}

/**
 * The top-level statement that starts the function owning a loop (directly, or through functions of
 * this file that call it: `main()` calling `consume()`), and the module-level name already holding
 * its promise (`const loop = run()`), if any.
 */
function loopStart(root: Collection, owner: Node): { statement: Node; ref: string | null } | null {
  const body = root.get().node.program.body as Node[];
  const names = new Set<string>();
  const fnName = (st: Node): string | null => {
    if (st.type === 'FunctionDeclaration') return st.id?.name ?? null;
    if (st.type === 'VariableDeclaration' && st.declarations.length === 1 && /Function/.test(st.declarations[0].init?.type ?? '')) return st.declarations[0].id?.name ?? null;
    return null;
  };
  if (owner.type === 'ExpressionStatement') return { statement: owner, ref: null }; // an async IIFE
  const first = fnName(owner);
  if (!first) return null;
  names.add(first);
  const calls = (n: Node): string[] => {
    const out: string[] = [];
    const walk = (x: Node) => {
      if (!x || typeof x !== 'object') return;
      if (Array.isArray(x)) return x.forEach(walk);
      if (x.type === 'CallExpression' && x.callee?.type === 'Identifier') out.push(x.callee.name);
      for (const k of Object.keys(x)) if (k !== 'loc' && k !== 'comments' && k !== 'leadingComments' && k !== 'trailingComments' && x[k] && typeof x[k] === 'object') walk(x[k]);
    };
    walk(n);
    return out;
  };
  for (let round = 0; round < 3; round++)
    for (const st of body) {
      const name = fnName(st);
      if (name && !names.has(name) && calls(st).some((c) => names.has(c))) names.add(name);
    }
  // The innermost callee of `run()`, `run().catch(...)`, `void main()`, `await main()`.
  const started = (e: Node): boolean => {
    let x = e?.type === 'UnaryExpression' && e.operator === 'void' ? e.argument : e?.type === 'AwaitExpression' ? e.argument : e;
    while (x?.type === 'CallExpression' && x.callee?.type === 'MemberExpression' && /^(?:catch|then|finally)$/.test(x.callee.property?.name)) x = x.callee.object;
    return x?.type === 'CallExpression' && x.callee?.type === 'Identifier' && names.has(x.callee.name);
  };
  for (const st of body) {
    if (st.type === 'ExpressionStatement' && started(st.expression)) return { statement: st, ref: null };
    if (st.type === 'VariableDeclaration' && st.declarations.length === 1 && st.declarations[0].id?.type === 'Identifier' && started(st.declarations[0].init)) return { statement: st, ref: st.declarations[0].id.name };
  }
  return null;
}

/** The flag and loop-promise declarations, the loop's new head, and the start call keeping its promise. */
function addStreamLoopEdits(consumers: Consumer[], edits: Edit[], source: string, style: FileStyle, isTs: boolean): void {
  for (const c of consumers) {
    const loop = c.loop;
    if (!loop) continue;
    const node = loop.node;
    if (loop.newFlag) {
      if (node.type === 'WhileStatement') edits.push({ start: node.test.start, end: node.test.end, text: `!${loop.flag}` });
      else edits.push({ start: node.start, end: node.body.start, text: `while (!${loop.flag}) ` });
    }
    const declarations: string[] = [];
    if (loop.newFlag) declarations.push(`/** Set by the shutdown: the ${loop.label} leaves after its current batch. */\nlet ${loop.flag} = false${style.semi}`);
    if (loop.newPromise) declarations.push(`/** The running ${loop.label}, for the shutdown to wait for. */\nlet ${loop.promise}${isTs ? ': Promise<unknown> | null' : ''} = null${style.semi}`);
    if (declarations.length) {
      const at = lineStartWithComments(source, loop.owner.start);
      edits.push({ start: at, end: at, text: `${declarations.join('\n')}\n\n` });
    }
    const start = loop.start;
    if (loop.newPromise && start?.type === 'ExpressionStatement') {
      const e = start.expression;
      // A replacement, not an insertion, so the shutdown inserted before this statement stays before it.
      if (e.type === 'UnaryExpression' && e.operator === 'void') edits.push({ start: e.start, end: e.argument.start, text: `${loop.promise} = ` });
      else edits.push({ start: e.start, end: e.start + 1, text: `${loop.promise} = ${source[e.start]}` });
    }
  }
}

/** Declares each ref at module level and assigns it right after the consumer is created. */
function addRefs(consumers: Consumer[], edits: Edit[], root: Collection, j: JSCodeshift, source: string, style: FileStyle, isTs: boolean, imports: ImportInfo): void {
  const needing = consumers.filter((c) => c.needsRef);
  if (needing.length === 0) return;
  const declarations: string[] = [];
  for (const c of needing) {
    const stmt: Node = c.statement.node;
    const lineStart = source.lastIndexOf('\n', stmt.start - 1) + 1;
    const indent = /^[ \t]*/.exec(source.slice(lineStart))?.[0] ?? '';
    // A class field may be undefined by its type: the ref holds null instead.
    const value = c.target.includes('.') ? `${c.target} ?? null` : c.target;
    edits.push({ start: stmt.end, end: stmt.end, text: `\n${indent}${c.ref} = ${value}${style.semi}` });
    const type = c.type ? `: ${c.type}` : '';
    const jsType = c.kind === 'kafka' && c.type === KAFKA_CONSUMER_TYPE ? "import('kafkajs').Consumer | null" : c.kind === 'bullmq' ? "import('bullmq').Worker | null" : null;
    const jsdoc = !isTs && jsType ? `/**\n * The ${c.what}, for the shutdown to stop.\n * @type {${jsType}}\n */\n` : '';
    declarations.push(`${jsdoc}let ${c.ref}${isTs ? type : ''} = null${style.semi}`);
  }
  if (needing.some((c) => c.type === KAFKA_CONSUMER_TYPE)) addTypeImport(j, root, source, imports, edits);
  const first = topLevelStatementOf(needing[0]?.statement);
  const at = first ? lineStartWithComments(source, (first.node as Node).start) : afterImports(j, root);
  const header = isTs ? `/** The consumer${needing.length > 1 ? 's' : ''}, for the shutdown to stop. */\n` : '';
  edits.push({ start: at, end: at, text: `${header}${declarations.join('\n')}\n\n` });
}

function topLevelStatementOf(path: ASTPath | undefined): ASTPath | null {
  let p: ASTPath | null = path ?? null;
  while (p && p.parent && p.parent.node.type !== 'Program') p = p.parent;
  return p;
}

/**
 * The TS type of a Kafka consumer's ref: kafkajs' `Consumer` (imported by addTypeImport), unless the
 * file does not import kafkajs, its package does not declare it (`declared` false: a consumer made
 * through a workspace package's client, whose package brings kafkajs) and the consumer is made from an
 * imported name: under pnpm's strict node_modules `import type ... from 'kafkajs'` would not resolve
 * there and the build would fail, so the type is read off the call (`ReturnType<typeof bus.consumer>`).
 */
function kafkaRefType(imports: ImportInfo, declared: boolean | null): (callee: Node) => string {
  return (callee) => {
    const made = calleeText(callee);
    const importedFrom = imports.names.get(made.split('.')[0] ?? '');
    if (imports.decls.has('kafkajs') || declared !== false || !importedFrom || importedFrom.typeOnly) return KAFKA_CONSUMER_TYPE;
    return `ReturnType<typeof ${made}> | null`;
  };
}

const KAFKA_CONSUMER_TYPE = 'Consumer | null';

/** Whether the workspace package holding `path` declares `dependency` (any kind); null when no package holds it. */
function packageDeclares(repo: RepoModel, path: string, dependency: string): boolean | null {
  const pkg = innermostPackage(repo.workspacePackages, path);
  return pkg ? dependency in pkg.dependencies : null;
}

/** `Consumer` from kafkajs: added to an existing kafkajs import, or a new `import type`. */
function addTypeImport(j: JSCodeshift, root: Collection, source: string, imports: ImportInfo, edits: Edit[]): void {
  if (imports.names.get('Consumer')?.from === 'kafkajs') return;
  const decl = (imports.decls.get('kafkajs') ?? []).find((d: Node) => d.specifiers?.some((s: Node) => s.type === 'ImportSpecifier'));
  if (decl) {
    insertSpecifier(source, decl, 'Consumer', edits);
    return;
  }
  const at = afterImports(j, root);
  edits.push({ start: at, end: at, text: `${at ? '\n' : ''}import type { Consumer } from 'kafkajs';${at ? '' : '\n'}` });
}

/** Adds `name` to an `import { a, b } from 'x'` in sorted position, keeping the list's layout. */
function insertSpecifier(source: string, decl: Node, name: string, edits: Edit[]): void {
  const specs: Node[] = decl.specifiers.filter((s: Node) => s.type === 'ImportSpecifier');
  const next = specs.find((s) => s.imported.name.localeCompare(name) > 0);
  const multiline = source.slice(decl.start, decl.end).includes('\n');
  if (next) {
    const lineStart = source.lastIndexOf('\n', next.start - 1) + 1;
    const indent = source.slice(lineStart, next.start);
    edits.push({ start: next.start, end: next.start, text: multiline && /^\s*$/.test(indent) ? `${name},\n${indent}` : `${name}, ` });
  } else {
    const last = specs[specs.length - 1];
    const lineStart = source.lastIndexOf('\n', last.start - 1) + 1;
    const indent = source.slice(lineStart, last.start);
    const trailingComma = source.slice(last.end).match(/^\s*,/);
    if (trailingComma) edits.push({ start: last.end + trailingComma[0].length, end: last.end + trailingComma[0].length, text: multiline ? `\n${indent}${name},` : ` ${name},` });
    else edits.push({ start: last.end, end: last.end, text: multiline && /^\s*$/.test(indent) ? `,\n${indent}${name}` : `, ${name}` });
  }
}

function addImportSpecifier(j: JSCodeshift, root: Collection, source: string, add: { from: string; name: string }, edits: Edit[]): void {
  let done = false;
  typedNodes(j, root, 'ImportDeclaration').filter((n: Node) => n.source.value === add.from).forEach((n: Node) => {
    if (done || n.importKind === 'type' || !n.specifiers?.some((s: Node) => s.type === 'ImportSpecifier')) return;
    insertSpecifier(source, n, add.name, edits);
    done = true;
  });
  if (done) return;
  // CommonJS: const { a, b } = require('x')
  typedNodes(j, root, 'VariableDeclarator').forEach((n: Node) => {
    if (done || n.id.type !== 'ObjectPattern' || n.init?.callee?.name !== 'require' || n.init.arguments[0]?.value !== add.from) return;
    const last = n.id.properties[n.id.properties.length - 1];
    edits.push({ start: last.end, end: last.end, text: `, ${add.name}` });
    done = true;
  });
}

// ---------------------------------------------------------------------------
// Existing handlers
// ---------------------------------------------------------------------------

/**
 * The first call of a workspace helper whose module handles SIGTERM (module-api's signalHelpers):
 * `onShutdown(...)` imported by name, `lifecycle.onShutdown(...)` through the module's binding, or
 * `require('@shop/shared/lifecycle').onShutdown(...)`.
 */
function signalHelperCall(j: JSCodeshift, root: Collection, imports: ImportInfo, apis: Apis): { call: Node; name: string; from: string; file?: string; line: number } | null {
  for (const call of typedNodes(j, root, 'CallExpression')) {
    const callee: Node = call.callee;
    let from: string | undefined;
    let name: string | undefined;
    if (callee.type === 'Identifier') {
      const imported = imports.names.get(callee.name);
      if (imported && !imported.typeOnly) ({ from, imported: name } = imported);
    } else if (callee.type === 'MemberExpression' && !callee.computed && callee.property?.type === 'Identifier') {
      const obj: Node = callee.object;
      const required = obj.type === 'CallExpression' && obj.callee?.name === 'require' && obj.arguments[0]?.type === 'StringLiteral' ? obj.arguments[0].value : undefined;
      const binding = obj.type === 'Identifier' ? imports.names.get(obj.name) : undefined;
      from = required ?? (binding && (binding.imported === 'default' || binding.imported === '*') ? binding.from : undefined);
      name = callee.property.name;
    }
    const helper = from && name ? packageOf(apis, from)?.signalHelpers?.[name] : undefined;
    if (helper && from && name) return { call, name, from, line: helper.line, ...(helper.file ? { file: helper.file } : {}) };
  }
  return null;
}

interface Handler {
  signal: string;
  fn: Node;
  line: number;
  /** The `process.on(...)` call that registers it. */
  call: Node;
}

/**
 * `process.on('SIGINT', shutdown)` as a statement of its own with a named handler: the same
 * registration for SIGTERM on the next line. Null for an inline handler (registering it twice would
 * mean copying it) or a registration inside an expression.
 */
function sigtermRegistration(handler: Handler, source: string, style: FileStyle): Edit[] | null {
  const { call, fn } = handler;
  if (fn?.type !== 'Identifier') return null;
  const statement = ownStatement(call, source);
  if (!statement) return null;
  const method = call.callee.property.name;
  return [{ start: statement.lineEnd, end: statement.lineEnd, text: `\n${statement.indent}process.${method}(${quoted(style, 'SIGTERM')}, ${fn.name})${style.semi} // ECS stops a task with SIGTERM` }];
}

/** A `process.on(signal, fn)` call that is a statement of its own on its lines: its indent and where its last line ends. */
function ownStatement(call: Node, source: string): { indent: string; lineEnd: number } | null {
  if (call.arguments.length !== 2) return null;
  const lineEnd = source.indexOf('\n', call.end);
  const rest = source.slice(call.end, lineEnd === -1 ? source.length : lineEnd);
  if (!/^;?[ \t]*(?:\/\/.*)?$/.test(rest)) return null;
  const lineStart = source.lastIndexOf('\n', call.start - 1) + 1;
  const indent = source.slice(lineStart, call.start);
  return /^[ \t]*$/.test(indent) ? { indent, lineEnd: lineEnd === -1 ? source.length : lineEnd } : null;
}

/**
 * An inline SIGINT handler (`process.on('SIGINT', async () => { ... })` as a statement of its own):
 * the function becomes a named const, registered for SIGINT and SIGTERM, its body untouched.
 */
function namedForBoth(j: JSCodeshift, root: Collection, handler: Handler, source: string, style: FileStyle): Edit[] | null {
  const { call, fn } = handler;
  const statement = ownStatement(call, source);
  if (!statement || !/^(?:Arrow)?FunctionExpression$/.test(fn?.type ?? '') || (fn.type === 'FunctionExpression' && fn.id)) return null;
  const taken = new Set<string>();
  typedNodes(j, root, 'Identifier').forEach((n: Node) => void taken.add(n.name));
  const name = ['shutdown', 'shutdownOnSignal', 'handleShutdownSignal'].find((n) => !taken.has(n));
  if (!name) return null;
  const method = call.callee.property.name;
  const register = (signal: string) => `${statement.indent}process.${method}(${quoted(style, signal)}, ${name})${style.semi}`;
  const tail = source.slice(fn.end, statement.lineEnd).replace(/^\s*\)\s*;?/, '');
  return [
    { start: call.start, end: fn.start, text: `const ${name} = ` },
    { start: fn.end, end: statement.lineEnd, text: `${style.semi}${tail}\n${register('SIGINT')}\n${register('SIGTERM')} // ECS stops a task with SIGTERM` },
  ];
}

function signalHandlers(j: JSCodeshift, root: Collection): Handler[] {
  const out: Handler[] = [];
  typedNodes(j, root, 'CallExpression').forEach((n: Node) => {
    const callee = n.callee;
    if (callee.type !== 'MemberExpression' || callee.object?.name !== 'process' || !/^(?:on|once|addListener|prependListener)$/.test(callee.property?.name)) return;
    const signal = n.arguments[0];
    if (signal?.type === 'StringLiteral' && /^SIG(?:TERM|INT)$/.test(signal.value)) out.push({ signal: signal.value, fn: n.arguments[1], line: n.loc?.start.line ?? 1, call: n });
    else if (signal && signal.type !== 'StringLiteral') out.push({ signal: 'SIGTERM', fn: n.arguments[1], line: n.loc?.start.line ?? 1, call: n }); // ['SIGTERM','SIGINT'].forEach(sig => process.on(sig, ...))
  });
  return out;
}

/**
 * The function that really handles the signal (the inline one, or the function its body calls), and
 * where its new first step goes: after the leading double-signal guard and log lines.
 */
function handlerBody(j: JSCodeshift, root: Collection, source: string, style: FileStyle, fn: Node): { fn: Node; insertAt: number; indent: string; expression: boolean; outerIndent: string } | null {
  const resolve = (node: Node, depth: number): Node | null => {
    if (!node || depth > 3) return null;
    if (node.type === 'Identifier') return functionNamed(j, root, node.name);
    if (node.type !== 'ArrowFunctionExpression' && node.type !== 'FunctionExpression' && node.type !== 'FunctionDeclaration') return null;
    // () => shutdown('SIGTERM') / () => void shutdown(...) / () => { shutdown(...) }: follow the call.
    const single = node.body.type === 'BlockStatement' ? (node.body.body.length === 1 && node.body.body[0].type === 'ExpressionStatement' ? node.body.body[0].expression : null) : node.body;
    const call = single?.type === 'UnaryExpression' ? single.argument : single?.type === 'AwaitExpression' ? single.argument : single;
    if (call?.type === 'CallExpression' && call.callee.type === 'Identifier' && call.callee.name !== 'process') {
      const target = functionNamed(j, root, call.callee.name);
      if (target) return resolve(target, depth + 1) ?? target;
    }
    return node;
  };
  const target = resolve(fn, 0);
  if (!target) return null;
  const indentAt = (offset: number) => /^[ \t]*/.exec(source.slice(source.lastIndexOf('\n', offset - 1) + 1))?.[0] ?? '';
  const outerIndent = indentAt(target.start);
  if (target.body.type !== 'BlockStatement') return { fn: target, insertAt: target.body.start, indent: outerIndent + style.indent, expression: true, outerIndent };
  const stmts: Node[] = target.body.body;
  let insertAt = target.body.start + 1;
  for (const st of stmts) {
    const text = source.slice(st.start, st.end);
    const guard = st.type === 'IfStatement' && /^if\s*\([^)]*\)\s*(?:\{\s*)?return\b/.test(text);
    const flag = st.type === 'ExpressionStatement' && st.expression.type === 'AssignmentExpression' && /^(?:true|false)$/.test(source.slice(st.expression.right.start, st.expression.right.end));
    const log = st.type === 'ExpressionStatement' && /^(?:\w+\.)?(?:log|logger|console|\w*[lL]ogger)\.(?:info|warn|log|debug)\(/.test(text);
    if (!guard && !flag && !log) break;
    insertAt = st.end;
  }
  const first = stmts[0];
  return { fn: target, insertAt, indent: first ? indentAt(first.start) : outerIndent + style.indent, expression: false, outerIndent };
}

function functionNamed(j: JSCodeshift, root: Collection, name: string): Node | null {
  let found: Node | null = null;
  typedNodes(j, root, 'FunctionDeclaration').filter((n: Node) => n.id?.name === name).forEach((n: Node) => void (found ??= n));
  typedNodes(j, root, 'VariableDeclarator').filter((n: Node) => n.id?.name === name).forEach((n: Node) => {
    const init: Node = n.init;
    if (init && /Function/.test(init.type)) found ??= init;
  });
  return found;
}

/** Whether a handler already stops one of the consumers (by its variable or ref), directly or through a helper. */
/** Module-level names a consumer is already copied into (`consumerRef = consumer`, `chRef = ch ?? null`): an earlier run's refs. */
function refsAssigned(j: JSCodeshift, root: Collection, consumers: Consumer[]): string[] {
  const targets = new Set(consumers.map((c) => c.target));
  return typedNodes(j, root, 'AssignmentExpression')
    .filter((n) => n.left.type === 'Identifier' && targets.has(calleeText(n.right.type === 'LogicalExpression' ? n.right.left : n.right)))
    .map((n) => n.left.name as string);
}

function stopsConsumer(j: JSCodeshift, fn: Node, consumers: Consumer[], aliases: string[]): boolean {
  const names = new Set([...consumers.filter((c) => !c.loop).flatMap((c) => [c.target, c.ref, c.target.replace(/^this\./, '')]), ...aliases].filter(Boolean));
  let stops = false;
  // A stream loop is stopped by setting the flag it checks.
  nodesInside(j, fn, 'AssignmentExpression').forEach((n: Node) => {
    if (consumers.some((c) => c.loop && !c.loop.newFlag && n.left.type === 'Identifier' && n.left.name === c.loop.flag && n.right.type === 'BooleanLiteral' && String(n.right.value) === c.loop.stopValue)) stops = true;
  });
  nodesInside(j, fn, 'CallExpression').forEach((n: Node) => {
    const callee: Node = n.callee;
    if ((callee.type !== 'MemberExpression' && callee.type !== 'OptionalMemberExpression') || !/^(?:stop|disconnect|close|shutdown|pause)$/.test(callee.property?.name)) return;
    const obj = calleeText(callee.object);
    if (names.has(obj) || names.has(obj.replace(/^this\./, '')) || /consumer|worker|channel/i.test(obj)) stops = true;
  });
  return stops;
}

// ---------------------------------------------------------------------------
// What the file owns
// ---------------------------------------------------------------------------

const CONSTRUCTED: Record<string, { method: string; what: string }> = {
  MongoClient: { method: 'close', what: 'MongoDB client' },
  Pool: { method: 'end', what: 'Postgres pool' },
  PrismaClient: { method: '$disconnect', what: 'Prisma client' },
  Redis: { method: 'quit', what: 'Redis client' },
  IORedis: { method: 'quit', what: 'Redis client' },
  Sequelize: { method: 'close', what: 'Sequelize connection' },
};

function findClosers(j: JSCodeshift, root: Collection, imports: ImportInfo, apis: Apis, consumers: Consumer[]): Closer[] {
  const closers: Closer[] = [];
  const seen = new Set<string>();
  const consumerTargets = new Set(consumers.map((c) => c.target));
  const addVar = (name: string, method: string, what: string) => {
    if (seen.has(name) || consumerTargets.has(name) || !isTopLevel(root, name)) return;
    seen.add(name);
    closers.push({ call: `${name}${isModuleConst(root, name) ? '.' : '?.'}${method}()`, what });
  };
  // How a value made here is closed when a variable holds it.
  const closes = (value: Node): { method: string; what: string }[] => {
    const v = value.type === 'AwaitExpression' ? value.argument : value;
    // new Pool(...), or through the package's default export: new pg.Pool(...)
    const constructed = v.type === 'NewExpression' ? (v.callee.type === 'Identifier' ? v.callee.name : v.callee.type === 'MemberExpression' && v.callee.object.type === 'Identifier' ? v.callee.property?.name : '') : '';
    if (constructed && CONSTRUCTED[constructed]) {
      const c = CONSTRUCTED[constructed];
      return c ? [{ method: c.method, what: c.what }] : [];
    }
    if (v.type !== 'CallExpression') return [];
    const callee = v.callee;
    if (callee.type === 'MemberExpression' && callee.property?.name === 'producer') return [{ method: 'disconnect', what: 'Kafka producer' }];
    if (callee.type !== 'Identifier') return [];
    const out: { method: string; what: string }[] = [];
    const imported = imports.names.get(callee.name);
    const factory = imported ? importedApi(apis, imported.from, imported.imported) : null;
    const method = factory && !factory.kafkaConsumer ? closeMethod(factory) : null;
    if (method && /Publisher|Producer|Client|Pool|Connection/i.test(callee.name)) out.push({ method, what: describeClient(callee.name.replace(/^(?:create|get|make|new)/, '')) });
    if (/^createClient$/.test(callee.name) && /redis/.test(imported?.from ?? '')) out.push({ method: 'quit', what: 'Redis client' });
    return out;
  };
  // The variable that holds it, from the node's path: made only for a value that has a close.
  const visit = (type: string) =>
    typedNodes(j, root, type).forEach((value: Node, i) => {
      const how = closes(value);
      if (how.length === 0) return;
      const stored = storage(typedPath(j, root, type, i));
      if (!stored?.target || stored.target.includes('.')) return;
      for (const c of how) addVar(stored.target, c.method, c.what);
    });
  visit('NewExpression');
  visit('CallExpression');
  // mongoose.connect(...) in this file: mongoose.disconnect()
  if (imports.names.get('mongoose')?.from === 'mongoose' && typedNodes(j, root, 'CallExpression').some((n: Node) => calleeText(n.callee) === 'mongoose.connect'))
    closers.push({ call: 'mongoose.disconnect()', what: 'Mongoose connection' });
  // Shared singletons: getPool() from a module that also exports closePool().
  for (const [local, imp] of imports.names) {
    const stem = /^get(\w+)$/.exec(imp.imported)?.[1];
    if (!stem || !typedNodes(j, root, 'CallExpression').some((n: Node) => n.callee?.name === local)) continue;
    const exported = packageOf(apis, imp.from)?.exports ?? [];
    const closer = exported.find((e) => {
      const s = /^close(\w+)$/.exec(e)?.[1];
      return s && (stem.startsWith(s) || s.startsWith(stem));
    });
    if (!closer || seen.has(closer)) continue;
    seen.add(closer);
    const localName = [...imports.names.entries()].find(([, v]) => v.from === imp.from && v.imported === closer)?.[0];
    closers.push({ call: `${localName ?? closer}()`, what: describeClient(closer.replace(/^close/, '')), ...(localName ? {} : { addImport: { from: imp.from, name: closer } }) });
  }
  return closers;
}

/** `Pool` -> `Postgres pool`, `DlqPublisher` -> `DLQ publisher`, for log messages. */
function describeClient(stem: string): string {
  const known: Record<string, string> = { Pool: 'Postgres pool', Redis: 'Redis client', RedisClient: 'Redis client', Mongo: 'MongoDB client', MongoClient: 'MongoDB client', Prisma: 'Prisma client' };
  if (known[stem]) return known[stem];
  return stem
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .split(' ')
    .map((w) => (/^(?:Dlq|Sqs|Sns|Kafka|Redis)$/.test(w) ? (w.length === 3 ? w.toUpperCase() : w) : w.toLowerCase()))
    .join(' ');
}

// ---------------------------------------------------------------------------
// The shutdown
// ---------------------------------------------------------------------------

function freeNames(j: JSCodeshift, root: Collection): { flag: string; fn: string } {
  const taken = new Set<string>();
  typedNodes(j, root, 'Identifier').forEach((n: Node) => void taken.add(n.name));
  const pick = (options: string[]) => options.find((o) => !taken.has(o)) ?? `${options[0]}_`;
  return { flag: pick(['shuttingDown', 'isShuttingDown', 'shutdownStarted']), fn: pick(['shutdown', 'gracefulShutdown', 'shutdownWorker']) };
}

function guarded(style: FileStyle, logger: { name: string; pino: boolean }, call: string, failure: string): string {
  const i = style.indent;
  return [`try {`, `${i}${call}${style.semi}`, `} catch (error) {`, `${i}${logCall(logger, 'error', failure, style, 'error')}${style.semi}`, `}`].join('\n');
}

function closeStep(c: Closer, style: FileStyle, logger: { name: string; pino: boolean }): string {
  return guarded(style, logger, `${c.sync ? '' : 'await '}${c.call}`, `Failed to close the ${c.what}`);
}

/**
 * The HTTP servers this file starts (a worker's health/metrics side server: the codemod runs on a
 * service with a listening server only when it is that), each with the close call the shutdown makes
 * when a module-level variable holds it: `const server = app.listen(9100)`,
 * `const server = http.createServer(...)` then `server.listen(...)`. `closer` is absent otherwise.
 */
function sideServers(j: JSCodeshift, root: Collection): { line: number; closer?: Closer }[] {
  const out: { line: number; closer?: Closer }[] = [];
  const seen = new Set<string>();
  typedNodes(j, root, 'CallExpression').forEach((n: Node, i) => {
    if ((n.callee.type !== 'MemberExpression' && n.callee.type !== 'OptionalMemberExpression') || n.callee.property?.name !== 'listen') return;
    const line = n.loc?.start.line ?? 1;
    const stored = storage(typedPath(j, root, 'CallExpression', i))?.target;
    const receiver = n.callee.object.type === 'Identifier' ? n.callee.object.name : null;
    // The receiver is the server itself when it was made by createServer (an app's listen returns the server instead).
    const made = receiver && createsServer(root, receiver) ? receiver : null;
    const name = stored && !stored.includes('.') && isTopLevel(root, stored) ? stored : made;
    if (!name) {
      out.push({ line });
      return;
    }
    if (seen.has(name)) return;
    seen.add(name);
    out.push({ line, closer: { call: `${name}${isModuleConst(root, name) ? '.' : '?.'}close()`, what: 'health/metrics server', sync: true } });
  });
  return out;
}

/** A module-level `const name = http.createServer(...)` / `createServer(...)` / `new Server(...)`. */
function createsServer(root: Collection, name: string): boolean {
  return root.get().node.program.body.some(
    (s: Node) =>
      s.type === 'VariableDeclaration' &&
      s.declarations.some((d: Node) => d.id?.type === 'Identifier' && d.id.name === name && ((d.init?.type === 'CallExpression' && /(?:^|\.)create(?:Secure)?Server$/.test(calleeText(d.init.callee))) || (d.init?.type === 'NewExpression' && /(?:^|\.)Server$/.test(calleeText(d.init.callee))))),
  );
}

function indentBlock(text: string, indent: string): string {
  return text
    .split('\n')
    .map((l) => (l ? indent + l : l))
    .join('\n');
}

function shutdownCode(args: { names: { flag: string; fn: string }; consumers: Consumer[]; closers: Closer[]; logger: { name: string; pino: boolean }; style: FileStyle; isTs: boolean; exitsZero: boolean }): string {
  const { names, consumers, closers, logger, style, isTs, exitsZero } = args;
  const s = style.semi;
  const i = style.indent;
  const q = style.quote;
  const steps = [
    ...stopSteps(consumers, style, logger),
    ...closers.map((c) => closeStep(c, style, logger)),
  ];
  const signalType = isTs ? ': string' : '';
  const returnType = isTs ? ': Promise<void>' : '';
  const template = '`${signal} received, shutting down`';
  return [
    `// Graceful shutdown: ECS sends SIGTERM, then SIGKILL after its 30 s stop timeout. Stop consuming`,
    `// first ${stopFirstReason(consumers)}, then close what this worker owns, then exit${exitsZero ? ' 0' : ''}.`,
    `let ${names.flag} = false${s}`,
    ``,
    `async function ${names.fn}(signal${signalType})${returnType} {`,
    `${i}if (${names.flag}) return${s} // a second signal does not start a second shutdown`,
    `${i}${names.flag} = true${s}`,
    `${i}${logger.name === 'console' ? `console.info(${template})` : logger.pino ? `${logger.name}.info(${template})` : `${logger.name}.info(${template})`}${s}`,
    `${i}// Exit before the stop timeout even if a close hangs.`,
    `${i}setTimeout(() => process.exit(1), 25000).unref()${s}`,
    ``,
    indentBlock(steps.join('\n'), i),
    `${i}process.exit(0)${s}`,
    `}`,
    ``,
    `process.once(${q}SIGTERM${q}, () => void ${names.fn}(${q}SIGTERM${q}))${s}`,
    `process.once(${q}SIGINT${q}, () => void ${names.fn}(${q}SIGINT${q}))${s}`,
  ].join('\n');
}

/** Why the consumer is stopped first, in its kind's terms: only Kafka has a group that rebalances; BullMQ's close waits for the active job. */
function stopFirstReason(consumers: Consumer[]): string {
  return consumers.some((c) => c.kind === 'kafka') ? 'so the group rebalances at once' : consumers.every((c) => c.loop) ? '(the read loop finishes its batch)' : 'so no new message is taken';
}

/** Offset of the top-level statement that starts the worker (`main().catch(...)`), so the shutdown sits before it. */
function startCallOffset(root: Collection, source: string, consumers: Consumer[]): number | null {
  const loopStart = consumers.find((c) => c.loop?.start)?.loop?.start;
  if (loopStart) return lineStartWithComments(source, loopStart.start);
  const owners = new Set<string>();
  for (const c of consumers) {
    const top = topLevelStatementOf(c.statement);
    const n: Node = top?.node;
    if (n?.type === 'FunctionDeclaration' && n.id) owners.add(n.id.name);
    if (n?.type === 'VariableDeclaration') for (const d of n.declarations) if (d.id?.name && /Function/.test(d.init?.type ?? '')) owners.add(d.id.name);
    if (n?.type === 'ClassDeclaration' && n.id) owners.add(n.id.name);
  }
  for (const stmt of root.get().node.program.body as Node[]) {
    if (stmt.type !== 'ExpressionStatement') continue;
    const text = JSON.stringify(stmt.expression, ['type', 'callee', 'object', 'name', 'expression', 'argument']);
    if ([...owners].some((o) => text.includes(`"name":"${o}"`)) || /"type":"(?:Arrow)?FunctionExpression"/.test(text)) return lineStartWithComments(source, stmt.start);
  }
  return null;
}

// ---------------------------------------------------------------------------
// NestJS
// ---------------------------------------------------------------------------

function nestShutdownHooks(j: JSCodeshift, root: Collection, file: FileInfo, repo: RepoModel | undefined, note: (n: import('./lib/codemod-api.ts').CodemodNote) => void, style: FileStyle): string | undefined {
  if (/\.enableShutdownHooks\s*\(/.test(file.source)) return undefined;
  const service = (repo ? servicesReading(repo, file.path)[0] : undefined);
  const hooks = service ? (service.shutdownHooks ?? []) : lifecycleClosersIn(file.source);
  // A broker microservice (`app.connectMicroservice({ transport: Transport.KAFKA })`, or an app made by
  // createMicroservice): Nest disconnects its consumer in app.close(), which SIGTERM runs only with the hooks.
  const transport = /\btransport\s*:\s*Transport\.(KAFKA|RMQ|NATS|REDIS|MQTT)\b/.exec(file.source)?.[1];
  const broker = transport && /\b(?:connectMicroservice|createMicroservice)\s*[(<]/.test(file.source) ? BROKER_LABEL[transport] : null;
  if (hooks.length === 0 && !broker) return undefined;
  let edit: Edit | null = null;
  let line = 1;
  typedNodes(j, root, 'VariableDeclarator').forEach((n: Node, i) => {
    const init: Node = n.init;
    const call = init?.type === 'AwaitExpression' ? init.argument : init;
    if (edit || call?.type !== 'CallExpression' || !/^NestFactory\.(?:create|createMicroservice)$/.test(calleeText(call.callee)) || n.id.type !== 'Identifier') return;
    const stmt: Node = typedPath(j, root, 'VariableDeclarator', i).parent.node;
    const lineStart = file.source.lastIndexOf('\n', stmt.start - 1) + 1;
    const indent = /^[ \t]*/.exec(file.source.slice(lineStart))?.[0] ?? '';
    const app = n.id.name;
    line = stmt.loc?.start.line ?? 1;
    const comment = hooks.length > 0 ? 'Run onModuleDestroy/beforeApplicationShutdown on SIGTERM, so providers stop their consumers.' : `Close the app on SIGTERM, so the ${broker} microservice's consumer disconnects from the broker.`;
    edit = { start: stmt.end, end: stmt.end, text: `\n${indent}// ${comment}\n${indent}${app}.enableShutdownHooks()${style.semi}` };
  });
  if (!edit) {
    note({ severity: 'warning', code: 'ECS312', message: 'a NestJS bootstrap whose app object ecsfix cannot find: call app.enableShutdownHooks() by hand' });
    return undefined;
  }
  note({
    severity: 'warning',
    code: 'ECS313',
    line,
    message:
      hooks.length > 0
        ? 'providers close their consumers in lifecycle hooks, which Nest runs on SIGTERM only with enableShutdownHooks(): enabled'
        : `Nest closes the ${broker} microservice (its consumer leaves the broker) in app.close(), which it runs on SIGTERM only with enableShutdownHooks(): enabled`,
  });
  return splice(file.source, [edit]);
}

/** Nest's broker transports, as the comments name them. */
const BROKER_LABEL: Record<string, string> = { KAFKA: 'Kafka', RMQ: 'RabbitMQ', NATS: 'NATS', REDIS: 'Redis', MQTT: 'MQTT' };

/** Standalone: lifecycle hooks in this very file that close something. */
function lifecycleClosersIn(source: string): { file: string; line: number }[] {
  return /(?:onModuleDestroy|beforeApplicationShutdown|onApplicationShutdown)\s*\([^)]*\)[^{]*\{[^}]*\.(?:disconnect|close|stop)\s*\(/.test(source) ? [{ file: '', line: 1 }] : [];
}
