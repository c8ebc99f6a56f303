/**
 * The API a module offers, read from its declarations: what it exports, and for each exported
 * function or class the methods its result has (`createKafkaConsumer(...)` returns an object with
 * `stop()`; `createConsumer(kafka, id)` returns a kafkajs `Consumer`, stopped with `disconnect()`).
 * The shutdown codemod follows a worker's import into its workspace package with this, so the stop
 * method it calls is the one the declaration really has.
 *
 * Parser-agnostic: it reads an ESTree program from oxc (the repo model) or a Babel program from
 * jscodeshift (the codemods under the jscodeshift CLI), so both see the same API. No imports, so the
 * codemods can load it through @babel/register.
 */

/* eslint-disable @typescript-eslint/no-explicit-any -- ESTree nodes */
type Node = any;

export interface FactoryApi {
  /** `async function` / returns a Promise: the result must be awaited. */
  async: boolean;
  /** Methods of what it returns (or of the class's instances). */
  methods: string[];
  /** It returns a kafkajs `Consumer` (its type or a `kafka.consumer(...)` call). */
  kafkaConsumer: boolean;
  /** It returns a kafkajs `Producer`. */
  kafkaProducer: boolean;
  /**
   * It makes a BullMQ `Worker` (`new Worker(...)` of bullmq): `returned` when that worker is what it
   * returns (stopped with `close()`), `kept` when it does not return it (a caller cannot stop it).
   */
  bullmqWorker?: 'returned' | 'kept';
  /**
   * It consumes from an amqplib channel it opens (`amqp.connect` → `createChannel` → `channel.consume`):
   * where its result holds that channel and connection — `''` for the result itself
   * (`return channel`), a property name for `return { connection, channel }` — or null when it does
   * not return it (a caller cannot close it).
   */
  amqpConsumer?: { channel: string | null; connection: string | null };
  /**
   * Methods of a class, in a module that uses mongodb or mongoose, that connect it (their body calls
   * `.connect()`): `await db.connect()` on an instance waits for MongoDB, as `mongoose.connect()` does.
   */
  mongoConnect?: string[];
  /**
   * An amqplib consumer class: the method (stop, close, disconnect, shutdown) that closes the channel
   * and connection its methods open and consume on (`this.channel`, `this.connection`), review6 R15.
   */
  amqpStop?: string;
}

/** A workspace package's own source files (repo- or workspace-relative paths), for the TypeScript checker. */
export interface PackageSources {
  /** The file a default import resolves to (`src/index.ts`), when the package has one. */
  entry: string | null;
  files: Record<string, string>;
}

export interface ModuleApi {
  /** Every name the module exports, re-exports included. */
  exports: string[];
  /** Exported functions that look at MongoDB (directly or through a function of their file): a readiness handler that does reports Mongo. */
  mongoAware?: string[];
  /** Exported functions and classes that return something with methods. */
  factories: Record<string, FactoryApi>;
  /**
   * Exported functions that mean the process handles SIGTERM once a worker calls them: their body
   * registers a handler (`process.on('SIGTERM', ...)`, directly or through a function of their file), or
   * their module does when it loads (a lifecycle helper's hooks list). `file` is set by whoever reads
   * the package (the module alone does not know its path).
   */
  signalHelpers?: Record<string, SignalHelper>;
}

export interface SignalHelper {
  /** Line of the `process.on('SIGTERM', ...)` it relies on. */
  line: number;
  file?: string;
  /** The module registers the handler when it loads, not the function when called. */
  onLoad: boolean;
}

/** The exported API of a parsed module (ESTree from oxc, or Babel from jscodeshift); `text` gives line numbers. */
export function apiOfProgram(program: Node, text?: string): ModuleApi {
  const api: ModuleApi = { exports: [], factories: {} };
  const interfaces = new Map<string, string[]>();
  for (const stmt of program.body) {
    const decl = stmt.type === 'ExportNamedDeclaration' ? stmt.declaration : stmt;
    if (decl?.type === 'TSInterfaceDeclaration') interfaces.set(decl.id.name, decl.body.body.filter((m: Node) => m.key?.name).map((m: Node) => m.key.name));
    if (decl?.type === 'TSTypeAliasDeclaration' && decl.typeAnnotation?.type === 'TSTypeLiteral')
      interfaces.set(decl.id.name, decl.typeAnnotation.members.filter((m: Node) => m.key?.name).map((m: Node) => m.key.name));
  }
  const workers = bullmqWorkerNames(program);
  const usesMongo = moduleNames(program, /^(?:mongodb|mongoose)$/).size > 0;
  const amqp = moduleNames(program, /^(?:amqplib(?:\/callback_api)?)$/);
  const functionApi = (fn: Node, types: Map<string, string[]>) => {
    const api = declaredApi(fn, types, workers);
    const consumer = amqp.size ? amqpConsumerOf(fn, amqp) : null;
    if (consumer) api.amqpConsumer = consumer;
    return api;
  };
  for (const stmt of program.body) {
    if (stmt.type === 'ExportNamedDeclaration') {
      for (const s of stmt.specifiers ?? []) api.exports.push(s.exported?.name ?? s.local?.name);
      const decl = stmt.declaration;
      if (decl?.type === 'FunctionDeclaration' && decl.id) {
        api.exports.push(decl.id.name);
        api.factories[decl.id.name] = functionApi(decl, interfaces);
      } else if (decl?.type === 'ClassDeclaration' && decl.id) {
        api.exports.push(decl.id.name);
        const connects = usesMongo ? connectingMethods(decl) : [];
        const amqpStop = amqp.size ? amqpClassStop(decl, amqp) : null;
        api.factories[decl.id.name] = { async: false, methods: classMethods(decl), kafkaConsumer: false, kafkaProducer: false, ...(connects.length ? { mongoConnect: connects } : {}), ...(amqpStop ? { amqpStop } : {}) };
      } else if (decl?.type === 'VariableDeclaration') {
        for (const d of decl.declarations) {
          if (d.id?.type !== 'Identifier') continue;
          api.exports.push(d.id.name);
          if (d.init?.type === 'ArrowFunctionExpression' || d.init?.type === 'FunctionExpression') api.factories[d.id.name] = functionApi(d.init, interfaces);
        }
      }
    } else if (stmt.type === 'ExportDefaultDeclaration') api.exports.push('default');
    else if (stmt.type === 'ExpressionStatement' && stmt.expression.type === 'AssignmentExpression') {
      // module.exports = { a, b }; exports.a = a
      const left = calleeName(stmt.expression.left);
      const right = stmt.expression.right;
      if (left === 'module.exports' && right.type === 'ObjectExpression') for (const p of right.properties) if (p.key?.name) api.exports.push(p.key.name);
      const named = /^(?:module\.)?exports\.(\w+)$/.exec(left)?.[1];
      if (named) api.exports.push(named);
    }
  }
  // CommonJS: functions declared in the file and exported by name.
  for (const stmt of program.body)
    if (stmt.type === 'FunctionDeclaration' && stmt.id && api.exports.includes(stmt.id.name)) api.factories[stmt.id.name] ??= functionApi(stmt, interfaces);
  // CommonJS: an amqplib consumer class exported by name (`module.exports = { OrderConsumer }`).
  for (const stmt of program.body) {
    const amqpStop = stmt.type === 'ClassDeclaration' && stmt.id && amqp.size && api.exports.includes(stmt.id.name) ? amqpClassStop(stmt, amqp) : null;
    if (amqpStop) api.factories[stmt.id.name] ??= { async: false, methods: classMethods(stmt), kafkaConsumer: false, kafkaProducer: false, amqpStop };
  }
  api.exports = [...new Set(api.exports.filter(Boolean))];
  for (const [name, f] of Object.entries(api.factories)) if (f.methods.length === 0 && !f.bullmqWorker && !f.amqpConsumer) delete api.factories[name];
  api.mongoAware = mongoAwareFunctions(program).filter((n) => api.exports.includes(n));
  const helpers = signalHelpersOf(program, api.exports, text);
  if (Object.keys(helpers).length) api.signalHelpers = helpers;
  return api;
}

/** `process.on('SIGTERM', fn)` (also once/addListener/prependListener, or a signal variable beside a 'SIGTERM' literal: `for (const s of ['SIGTERM', 'SIGINT']) process.on(s, ...)`): its offset in `node`, or null. */
function sigtermRegistration(node: Node): number | null {
  let literal = false;
  let at: number | null = null;
  let variable: number | null = null;
  const walk = (n: Node) => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(walk);
    if ((n.type === 'Literal' || n.type === 'StringLiteral') && n.value === 'SIGTERM') literal = true;
    if (n.type === 'CallExpression' && /^process\.(?:on|once|addListener|prependListener)$/.test(calleeName(n.callee))) {
      const event = n.arguments?.[0];
      if ((event?.type === 'Literal' || event?.type === 'StringLiteral') && event.value === 'SIGTERM') at ??= n.start;
      else if (event && event.type !== 'Literal' && event.type !== 'StringLiteral') variable ??= n.start;
    }
    for (const key in n) if (key !== 'loc' && key !== 'range' && key !== 'start' && key !== 'end' && n[key] && typeof n[key] === 'object') walk(n[key]);
  };
  walk(node);
  return at ?? (literal ? variable : null);
}

/**
 * The exported functions of a module that register a SIGTERM handler (their body, or a function of the
 * module their body calls), and, when a top-level statement registers one as the module loads, every
 * exported name of the module (what a worker calls from it, `onShutdown(...)`, runs after the load).
 */
function signalHelpersOf(program: Node, exported: string[], text: string | undefined): Record<string, SignalHelper> {
  const line = (offset: number) => (text === undefined ? 1 : text.slice(0, offset).split('\n').length);
  const bodies = new Map<string, Node>();
  let onLoad: number | null = null;
  for (const stmt of program.body) {
    const decl = stmt.type === 'ExportNamedDeclaration' || stmt.type === 'ExportDefaultDeclaration' ? stmt.declaration : stmt;
    if (decl?.type === 'FunctionDeclaration' && decl.id) bodies.set(decl.id.name, decl.body);
    else if (decl?.type === 'VariableDeclaration') {
      for (const d of decl.declarations) if (d.id?.type === 'Identifier' && /Function/.test(d.init?.type ?? '')) bodies.set(d.id.name, d.init.body);
    } else if (stmt.type === 'ExpressionStatement' && stmt.expression.type === 'AssignmentExpression' && /Function/.test(stmt.expression.right?.type ?? '')) {
      const named = /^(?:module\.)?exports\.(\w+)$/.exec(calleeName(stmt.expression.left))?.[1];
      if (named) bodies.set(named, stmt.expression.right.body);
    } else if (/^(?:ExpressionStatement|ForOfStatement|ForStatement|BlockStatement)$/.test(stmt.type)) onLoad ??= sigtermRegistration(stmt);
  }
  const out: Record<string, SignalHelper> = {};
  if (onLoad !== null) {
    for (const name of exported) if (name !== 'default') out[name] = { line: line(onLoad), onLoad: true };
    return out;
  }
  const registers = (name: string, depth: number): number | null => {
    const body = bodies.get(name);
    if (!body || depth > 2) return null;
    const own = sigtermRegistration(body);
    if (own !== null) return own;
    const called: string[] = [];
    const walk = (n: Node) => {
      if (!n || typeof n !== 'object') return;
      if (Array.isArray(n)) return n.forEach(walk);
      if (n.type === 'CallExpression' && n.callee?.type === 'Identifier' && n.callee.name !== name) called.push(n.callee.name);
      for (const key in n) if (key !== 'loc' && key !== 'range' && n[key] && typeof n[key] === 'object') walk(n[key]);
    };
    walk(body);
    for (const c of called) {
      const at = registers(c, depth + 1);
      if (at !== null) return at;
    }
    return null;
  };
  for (const name of exported) {
    const at = registers(name, 0);
    if (at !== null) out[name] = { line: line(at), onLoad: false };
  }
  return out;
}

/** Methods of a class whose body calls `<something>.connect(...)`. */
function connectingMethods(cls: Node): string[] {
  const calls = (node: Node): boolean => {
    if (!node || typeof node !== 'object') return false;
    if (Array.isArray(node)) return node.some(calls);
    if (node.type === 'CallExpression' && (node.callee?.type === 'MemberExpression' || node.callee?.type === 'StaticMemberExpression') && node.callee.property?.name === 'connect') return true;
    for (const key in node) if (key !== 'loc' && key !== 'range' && node[key] && typeof node[key] === 'object' && calls(node[key])) return true;
    return false;
  };
  return cls.body.body
    .filter((m: Node) => (m.type === 'MethodDefinition' || m.type === 'ClassMethod') && m.kind === 'method' && m.key?.name && calls(m.type === 'ClassMethod' ? m.body : m.value?.body))
    .map((m: Node) => m.key.name);
}

function classMethods(cls: Node): string[] {
  return cls.body.body.filter((m: Node) => (m.type === 'MethodDefinition' || m.type === 'ClassMethod') && m.kind === 'method' && m.key?.name).map((m: Node) => m.key.name);
}

/** What a function returns: its annotated type, or the object/call in its return statements. */
function declaredApi(fn: Node, interfaces: Map<string, string[]>, workers: Set<string>): FactoryApi {
  const api: FactoryApi = { async: Boolean(fn.async), methods: [], kafkaConsumer: false, kafkaProducer: false };
  let type = fn.returnType?.typeAnnotation;
  if (type?.type === 'TSTypeReference' && type.typeName?.name === 'Promise') {
    api.async = true;
    type = type.typeArguments?.params?.[0] ?? type.typeParameters?.params?.[0];
  }
  const typeName = type?.type === 'TSTypeReference' ? type.typeName?.name : null;
  if (typeName === 'Consumer') api.kafkaConsumer = true;
  if (typeName === 'Producer') api.kafkaProducer = true;
  if (typeName && interfaces.has(typeName)) api.methods.push(...(interfaces.get(typeName) ?? []));
  if (type?.type === 'TSTypeLiteral') api.methods.push(...type.members.filter((m: Node) => m.key?.name).map((m: Node) => m.key.name));
  const body = fn.body?.type === 'BlockStatement' ? fn.body.body : fn.body ? [{ type: 'ReturnStatement', argument: fn.body }] : [];
  const visit = (stmts: Node[]) => {
    for (const s of stmts) {
      if (s?.type === 'ReturnStatement') {
        const arg = s.argument?.type === 'AwaitExpression' ? s.argument.argument : s.argument;
        if (arg?.type === 'ObjectExpression') for (const p of arg.properties) if (p.key?.name && (p.method || p.type === 'ObjectMethod' || p.value?.type?.includes('Function'))) api.methods.push(p.key.name);
        if (arg?.type === 'CallExpression' && /\.consumer$/.test(calleeName(arg.callee))) api.kafkaConsumer = true;
        if (arg?.type === 'CallExpression' && /\.producer$/.test(calleeName(arg.callee))) api.kafkaProducer = true;
        if (arg?.type === 'NewExpression' && arg.callee?.type === 'ClassExpression') api.methods.push(...classMethods(arg.callee));
      } else if (s?.type === 'IfStatement') visit([s.consequent, s.alternate].flatMap((b) => (b?.type === 'BlockStatement' ? b.body : b ? [b] : [])));
      else if (s?.type === 'TryStatement') visit(s.block.body);
    }
  };
  visit(body);
  const worker = workers.size ? bullmqWorkerOf(fn, typeName, workers) : null;
  if (worker) api.bullmqWorker = worker;
  if (worker === 'returned') api.methods.push('close');
  if (api.kafkaConsumer) api.methods.push('disconnect', 'stop');
  if (api.kafkaProducer) api.methods.push('disconnect');
  api.methods = [...new Set(api.methods)];
  return api;
}

/** The method that stops a consumer: `stop()` on a wrapper that has one, else disconnect/close/shutdown. */
export function stopMethod(api: Pick<FactoryApi, 'methods' | 'kafkaConsumer'>): string | null {
  if (api.kafkaConsumer) return 'disconnect';
  return ['stop', 'disconnect', 'close', 'shutdown'].find((m) => api.methods.includes(m)) ?? null;
}

/** The method that closes a client (producer, publisher, pool): disconnect/close/quit/end. */
export function closeMethod(api: Pick<FactoryApi, 'methods'>): string | null {
  return ['disconnect', 'close', 'quit', 'end', 'stop'].find((m) => api.methods.includes(m)) ?? null;
}

/** The entry file of a package among its source files (`src/index.ts`, `index.ts`, ...), by path relative to the package. */
export function packageEntry(has: (relative: string) => boolean): string | null {
  return ['src/index.ts', 'index.ts', 'src/index.tsx', 'src/index.js', 'index.js', 'src/index.mjs', 'index.mjs'].find(has) ?? null;
}

/** Local names of bullmq's `Worker` class: `import { Worker } from 'bullmq'`, `const { Worker } = require('bullmq')`. */
function bullmqWorkerNames(program: Node): Set<string> {
  const names = new Set<string>();
  for (const stmt of program.body) {
    if (stmt.type === 'ImportDeclaration' && stmt.source?.value === 'bullmq')
      for (const sp of stmt.specifiers ?? []) if (sp.type === 'ImportSpecifier' && (sp.imported?.name ?? sp.imported?.value) === 'Worker') names.add(sp.local.name);
    if (stmt.type === 'VariableDeclaration')
      for (const d of stmt.declarations)
        if (d.init?.type === 'CallExpression' && d.init.callee?.name === 'require' && d.init.arguments[0]?.value === 'bullmq' && d.id?.type === 'ObjectPattern')
          for (const p of d.id.properties) if ((p.key?.name ?? p.key?.value) === 'Worker' && p.value?.type === 'Identifier') names.add(p.value.name);
  }
  return names;
}

/**
 * The BullMQ worker a function makes, if any: returned when it returns `new Worker(...)` (directly,
 * through a local variable, or as its declared return type), else kept inside.
 */
function bullmqWorkerOf(fn: Node, returnType: string | null, workers: Set<string>): 'returned' | 'kept' | null {
  const isNew = (n: Node) => n?.type === 'NewExpression' && n.callee?.type === 'Identifier' && workers.has(n.callee.name);
  let made = false;
  const locals = new Set<string>();
  let returned = returnType !== null && workers.has(returnType);
  const returns: Node[] = fn.body?.type === 'BlockStatement' ? [] : [fn.body];
  const walk = (n: Node, nested: boolean) => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach((c) => walk(c, nested));
    if (isNew(n)) made = true;
    if (n.type === 'VariableDeclarator' && n.id?.type === 'Identifier' && isNew(n.init?.type === 'AwaitExpression' ? n.init.argument : n.init)) locals.add(n.id.name);
    if (n.type === 'ReturnStatement' && !nested) returns.push(n.argument?.type === 'AwaitExpression' ? n.argument.argument : n.argument);
    const inner = nested || /Function/.test(n.type);
    for (const key in n) if (key !== 'loc' && key !== 'range' && key !== 'start' && key !== 'end' && n[key] && typeof n[key] === 'object') walk(n[key], inner);
  };
  walk(fn.body, false);
  if (!made) return null;
  returned ||= returns.some((r) => isNew(r) || (r?.type === 'Identifier' && locals.has(r.name)));
  return returned ? 'returned' : 'kept';
}

/** Local names a module is bound to: `import amqp from 'amqplib'`, `import * as amqp`, `const amqp = require('amqplib')`, `{ connect }`. */
function moduleNames(program: Node, module: RegExp): Set<string> {
  const names = new Set<string>();
  for (const stmt of program.body) {
    if (stmt.type === 'ImportDeclaration' && module.test(String(stmt.source?.value))) for (const sp of stmt.specifiers ?? []) names.add(sp.local.name);
    if (stmt.type === 'VariableDeclaration')
      for (const d of stmt.declarations) {
        if (d.init?.type !== 'CallExpression' || d.init.callee?.name !== 'require' || !module.test(String(d.init.arguments[0]?.value))) continue;
        if (d.id?.type === 'Identifier') names.add(d.id.name);
        if (d.id?.type === 'ObjectPattern') for (const p of d.id.properties) if (p.value?.type === 'Identifier') names.add(p.value.name);
      }
  }
  return names;
}

/**
 * The amqplib consumer a function opens, if any: the local connection (`await amqp.connect(...)`),
 * the channel made on it that `consume`s, and where the function's result holds each.
 */
function amqpConsumerOf(fn: Node, amqp: Set<string>): { channel: string | null; connection: string | null } | null {
  const unwrap = (n: Node) => (n?.type === 'AwaitExpression' ? n.argument : n);
  const connections = new Set<string>();
  const channels = new Set<string>();
  const consuming = new Set<string>();
  const returns: Node[] = fn.body?.type === 'BlockStatement' ? [] : [fn.body];
  const walk = (n: Node, nested: boolean) => {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach((c) => walk(c, nested));
    const init = n.type === 'VariableDeclarator' && n.id?.type === 'Identifier' ? unwrap(n.init) : null;
    if (init?.type === 'CallExpression') {
      const callee = calleeName(init.callee);
      if ((/^\w+\.connect$/.test(callee) && amqp.has(callee.split('.')[0] ?? '')) || (callee === 'connect' && amqp.has('connect'))) connections.add(n.id.name);
      if (/^\w+\.create(?:Confirm)?Channel$/.test(callee) && connections.has(callee.split('.')[0] ?? '')) channels.add(n.id.name);
    }
    if (n.type === 'CallExpression' && n.arguments?.length >= 2 && /^\w+\.consume$/.test(calleeName(n.callee))) consuming.add(calleeName(n.callee).split('.')[0] ?? '');
    if (n.type === 'ReturnStatement' && !nested) returns.push(unwrap(n.argument));
    const inner = nested || /Function/.test(n.type);
    for (const key in n) if (key !== 'loc' && key !== 'range' && key !== 'start' && key !== 'end' && n[key] && typeof n[key] === 'object') walk(n[key], inner);
  };
  walk(fn.body, false);
  const channel = [...channels].find((c) => consuming.has(c));
  if (!channel) return null;
  const connection = [...connections][0] ?? null;
  const where = (local: string | null): string | null => {
    if (!local) return null;
    for (const r of returns) {
      if (r?.type === 'Identifier' && r.name === local) return '';
      if (r?.type === 'ObjectExpression')
        for (const p of r.properties) if ((p.type === 'Property' || p.type === 'ObjectProperty') && !p.computed && p.value?.type === 'Identifier' && p.value.name === local && p.key?.name) return p.key.name;
    }
    return null;
  };
  return { channel: where(channel), connection: where(connection) };
}

/**
 * The method of an amqplib consumer class that closes what the class opens (review6 R15): its
 * methods assign `this.<connection> = await amqp.connect(...)` and `this.<channel> = await
 * this.<connection>.createChannel()` (one of each) and consume on `this.<channel>`, and the method
 * (stop, close, disconnect or shutdown) calls `this.<channel>.close()` and `this.<connection>.close()`.
 * Null when the class is not that, or no method closes both.
 */
function amqpClassStop(cls: Node, amqp: Set<string>): string | null {
  const unwrap = (n: Node) => (n?.type === 'AwaitExpression' ? n.argument : n);
  const own = (n: Node): string | null => (/MemberExpression$/.test(n?.type ?? '') && n.object?.type === 'ThisExpression' && !n.computed ? (n.property?.name ?? null) : null);
  const isCall = (n: Node) => n?.type === 'CallExpression' || n?.type === 'OptionalCallExpression';
  const methods: Node[] = cls.body.body.filter((m: Node) => (m.type === 'MethodDefinition' || m.type === 'ClassMethod') && m.kind === 'method' && !m.static && m.key?.name);
  const connections = new Set<string>();
  const channels = new Set<string>();
  const consuming = new Set<string>();
  for (const m of methods)
    visit(m, (n) => {
      if (n.type === 'AssignmentExpression' && own(n.left) && isCall(unwrap(n.right))) {
        const call = unwrap(n.right);
        const callee = calleeName(call.callee);
        if ((/^\w+\.connect$/.test(callee) && amqp.has(callee.split('.')[0] ?? '')) || (callee === 'connect' && amqp.has('connect'))) connections.add(own(n.left) as string);
        if (/MemberExpression$/.test(call.callee?.type ?? '') && /^create(?:Confirm)?Channel$/.test(call.callee.property?.name ?? '') && connections.has(own(call.callee.object) ?? '')) channels.add(own(n.left) as string);
      }
      if (isCall(n) && n.arguments?.length >= 2 && n.callee?.property?.name === 'consume' && own(n.callee.object)) consuming.add(own(n.callee.object) as string);
    });
  const channel = [...channels][0];
  const connection = [...connections][0];
  if (channels.size !== 1 || connections.size !== 1 || !channel || !connection || !consuming.has(channel)) return null;
  for (const name of ['stop', 'close', 'disconnect', 'shutdown']) {
    const method = methods.find((m) => m.key.name === name);
    const closed = new Set<string>();
    if (method)
      visit(method, (n) => {
        if (isCall(n) && n.callee?.property?.name === 'close' && own(n.callee.object)) closed.add(own(n.callee.object) as string);
      });
    if (closed.has(channel) && closed.has(connection)) return name;
  }
  return null;
}

/** Every node below `root` (ESTree or Babel), depth first. */
function visit(root: Node, fn: (n: Node) => void): void {
  if (!root || typeof root !== 'object') return;
  if (Array.isArray(root)) return root.forEach((c) => visit(c, fn));
  if (typeof root.type === 'string') fn(root);
  for (const key in root) if (key !== 'loc' && key !== 'range' && key !== 'start' && key !== 'end' && root[key] && typeof root[key] === 'object') visit(root[key], fn);
}

function calleeName(node: Node): string {
  if (node?.type === 'Identifier') return node.name;
  if (node?.type === 'MemberExpression') return `${calleeName(node.object)}.${node.property?.name ?? '?'}`;
  return '';
}

/** Functions of the module whose body names MongoDB, or calls a function of the module that does. */
function mongoAwareFunctions(program: Node): string[] {
  const bodies = new Map<string, Node>();
  for (const stmt of program.body) {
    const decl = stmt.type === 'ExportNamedDeclaration' ? stmt.declaration : stmt;
    if (decl?.type === 'FunctionDeclaration' && decl.id) bodies.set(decl.id.name, decl.body);
    if (decl?.type === 'VariableDeclaration') for (const d of decl.declarations) if (d.id?.name && /Function/.test(d.init?.type ?? '')) bodies.set(d.id.name, d.init.body);
  }
  const names = (node: Node, out: Set<string>) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach((n) => names(n, out));
    if (node.type === 'Identifier') out.add(node.name);
    for (const key in node) if (key !== 'loc' && key !== 'range' && node[key] && typeof node[key] === 'object') names(node[key], out);
  };
  const direct = new Map<string, Set<string>>();
  for (const [name, body] of bodies) {
    const ids = new Set<string>();
    names(body, ids);
    direct.set(name, ids);
  }
  const aware = (name: string, depth: number): boolean => {
    const ids = direct.get(name);
    if (!ids) return false;
    if ([...ids].some((id) => /mongo/i.test(id))) return true;
    return depth < 2 && [...ids].some((id) => id !== name && bodies.has(id) && aware(id, depth + 1));
  };
  return [...bodies.keys()].filter((n) => aware(n, 0));
}
