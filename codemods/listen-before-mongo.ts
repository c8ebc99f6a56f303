/**
 * listen-before-mongo: an HTTP service whose start-up awaits MongoDB (`await getMongoConnection()`,
 * `await mongoose.connect(...)`, `await client.connect()`, a local `connectDB()` that wraps one, one
 * element of `Promise.all([...])`) before `app.listen(...)`/`server.listen(...)`/`fastify.listen(...)`
 * listens first, and Mongo connects in the background with retries and capped backoff, logging each
 * failure and never exiting because the database is slow (seed 000 6.2-6.3, seed 001 B.2, E.1).
 * The same start-up written as a chain (`mongoose.connect(uri).then(() => app.listen(port))
 * .catch(() => process.exit(1))`) is rewritten the same way when nothing in it runs on the
 * connection (see {@link chainShape}); any other chain is reported (ECS321) with the reason.
 *
 * Other start-up work keeps its order. A `/ready` route defined in the file reports not-ready until
 * Mongo is up; one imported from a workspace package is checked to look at Mongo itself; `/health`
 * is untouched, so the ALB target turns healthy while the database is still connecting. Prisma
 * `$connect`, TypeORM `initialize` and Sequelize `authenticate` awaited before listen move the same
 * way; an awaited datastore whose result the start-up uses is left in place with a warning.
 *
 * The connect is the first await of the datastore before listen. Of the statements between it and
 * listen, what needs the connection at start-up (a query on the same client, migrations, a seed, a
 * mongoose model's `syncIndexes()`, directly or through a function of the file) runs after the retry
 * loop has connected, once and in order; the rest stays before listen, which may need it. When they
 * cannot be split that way (a statement that needs the connection keeps a result, listen itself needs
 * it, an awaited call's use of it cannot be established) nothing changes: ECS321 with the line (review6 R16).
 *
 * NestJS: a Prisma provider whose onModuleInit only awaits `this.$connect()` (the Nest docs' recipe)
 * connects before app.listen(), since Nest runs the hook inside NestFactory.create(): the eager
 * connect is dropped, Prisma connecting on the first query (codemods/lib/nest-eager-connect.ts, review6 R20).
 */
import type { API, ASTPath, Collection, FileInfo, JSCodeshift } from 'jscodeshift';
import type { CodemodMeta } from '../src/run/codemod.ts';
import type { ModuleApi } from '../src/source/module-api.ts';
import { MONGO_CONNECT_CALL } from '../src/source/patterns.ts';
import { servicesReading } from '../src/repo/model.ts';
import { afterImports, parseFile, typedNodes, typedPath, calleeText, fastifyInstances, fileLogger, fileStyle, isServiceSource, lineStartWithComments, logCall, noteTo, splice, type CodemodNote, type CodemodOptions, type FileStyle } from './lib/codemod-api.ts';
import { workspaceApis } from './lib/workspace-apis.ts';
import { nestEagerConnect } from './lib/nest-eager-connect.ts';
import { lineEdits } from '../src/run/codemod.ts';
import { mapOffsetBack, type TextEdit } from '../src/edits.ts';

export const parser = 'ts';

/** The text a start-up this codemod can change holds (see movePass): a listen call, a datastore connect, a Prisma connect. */
const LISTEN_CALL = /\.listen\s*\(/;
const DATASTORE_CALL = /[Mm]ongo|connectD[Bb]|connectDatabase|\$connect|\.initialize\(|\.authenticate\(|\.connect\(|\.query\(/;
const PRISMA_CONNECT = /\$connect\s*\(/;

export const meta: CodemodMeta = {
  id: 'listen-before-mongo',
  title: 'HTTP services listen first and connect MongoDB in the background with retries',
  safety: 'behavior-changing',
  fixes: 'a service that connects to MongoDB before it listens and exits when the database is slow',
  // Each change says which datastore and routes (see verifyText); this is the general line for `list`.
  verify: 'start the service with its database down: it listens and keeps running, its health route answers 200, and its readiness route (where it has one) answers 503 until the database is up',
  // What movePass reads before it parses: a Prisma `$connect(` (Nest's eager connect, or a start-up
  // awaiting it), or a listen call with a datastore connect written in the same file.
  tokens: new RegExp(`${PRISMA_CONNECT.source}|^(?=[\\s\\S]*${LISTEN_CALL.source})(?=[\\s\\S]*(?:${DATASTORE_CALL.source}))`),
  appliesTo: (path, repo) => isServiceSource(path, repo, ['http']),
};

/* eslint-disable @typescript-eslint/no-explicit-any -- babel AST nodes through jscodeshift */
type Node = any;
type Edit = { start: number; end: number; text: string };

interface Datastore {
  /** `MongoDB`, `Prisma`, ... for comments and logs. */
  label: string;
  mongo: boolean;
  /** Why connecting it in the background is not as safe as for Mongo: the await stays, with a warning. */
  unsafe?: string;
}

/**
 * `x.connect()` / `x.query(...)` on a client this file creates, by its constructor. A pg Pool connects
 * per query, so handlers tolerate a database that is not up yet (each query fails on its own) and a
 * retried `pool.connect()`/probe query is harmless. A pg Client cannot connect a second time, so no
 * retry can work; a Redis client has its own reconnect (ioredis rejects a second connect() while it
 * reconnects, node-redis fails commands until connected), so whether handlers tolerate it cannot be
 * established from the file.
 */
const REDIS_UNSAFE = 'the Redis client reconnects on its own and its commands fail or queue until it is connected; ecsfix cannot establish that the route handlers tolerate a client that is not connected yet';

const CLIENT_CONSTRUCTORS: Record<string, { label: string; calls: RegExp; unsafe?: string }> = {
  Pool: { label: 'Postgres', calls: /^(?:connect|query)$/ },
  Client: {
    label: 'Postgres',
    calls: /^connect$/,
    unsafe: 'a pg Client cannot connect a second time, so a background retry cannot work; use a Pool (it connects per query) or keep the await',
  },
  Redis: { label: 'Redis', calls: /^connect$/, unsafe: REDIS_UNSAFE },
  IORedis: { label: 'Redis', calls: /^connect$/, unsafe: REDIS_UNSAFE },
  createClient: { label: 'Redis', calls: /^connect$/, unsafe: REDIS_UNSAFE },
};

const OTHER_STORES: { re: RegExp; label: string }[] = [
  { re: /\.\$connect$/, label: 'Prisma' },
  { re: /\.initialize$/, label: 'TypeORM' },
  { re: /\.authenticate$/, label: 'Sequelize' },
];

/**
 * Each pass moves one datastore's start-up: the one awaited last before listen. Another datastore
 * awaited before it (`await mongoose.connect(); await pool.query(...); app.listen()`) is still before
 * listen after that pass, so the passes repeat until none is: one run does what running the codemod
 * again would (a second run changes nothing). Each datastore gets its own background retry loop.
 * Notes and the verify line of every pass are kept, with lines mapped back to the input's.
 */
export default function listenBeforeMongo(file: FileInfo, api: API, options: CodemodOptions): string | undefined {
  const note = noteTo(api, options, file.path);
  const verifies: string[] = [];
  let source = file.source;
  /** Each pass's line edits, to map a later pass's note lines back to the input. */
  const passes: TextEdit[][] = [];
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const notes: CodemodNote[] = [];
    const out = movePass({ ...file, source }, api, { ...options, note: (n) => notes.push(n), verify: (text) => verifies.push(text) });
    for (const n of notes) note(n.line === undefined ? n : { ...n, line: lineBefore(file.source, source, passes, n.line) });
    if (typeof out !== 'string' || out === source) break;
    passes.push(lineEdits(source, out));
    source = out;
  }
  if (verifies.length) options.verify?.(verifies.reverse().join('; '));
  return passes.length ? source : undefined;
}

/** Datastores moved in one run, at most (a start-up awaiting more is left to the next run). */
const MAX_PASSES = 4;

/** Line `line` of `text` (the result of `passes` applied to `original`), as a line of `original`. */
function lineBefore(original: string, text: string, passes: TextEdit[][], line: number): number {
  let offset = lineStartOffset(text, line);
  for (let i = passes.length - 1; i >= 0; i--) offset = mapOffsetBack(offset, passes[i] as TextEdit[]);
  return original.slice(0, offset).split('\n').length;
}

function lineStartOffset(text: string, line: number): number {
  let offset = 0;
  for (let l = 1; l < line && offset !== -1; l++) offset = text.indexOf('\n', offset) + 1 || -1;
  return offset === -1 ? text.length : offset;
}

function movePass(file: FileInfo, api: API, options: CodemodOptions): string | undefined {
  const source = file.source;
  // A NestJS provider that connects Prisma in onModuleInit, which Nest runs before app.listen() (review6 R20).
  if (!LISTEN_CALL.test(source) && PRISMA_CONNECT.test(source)) return nestEagerConnect(api.jscodeshift, parseFile(api.jscodeshift, source, options), source, noteTo(api, options, file.path), options.verify);
  if (!LISTEN_CALL.test(source) || !DATASTORE_CALL.test(source)) return undefined;
  // Only an `await` statement before a listen in its block is moved or reported: with no `await`
  // written before the last listen call, nothing can be, and the file is not parsed.
  // A `.then(` before it may be a promise-chain start-up (`connect().then(() => app.listen())`), which is reported.
  const firstAwait = source.search(/\bawait\b|\.then\s*\(/);
  if (firstAwait < 0 || firstAwait > lastListenCall(source)) return undefined;
  const j = api.jscodeshift;
  const root = parseFile(j, source, options);
  const note = noteTo(api, options, file.path);
  const style = fileStyle(source);
  const isTs = /\.[cm]?tsx?$/.test(file.path);
  const local = localConnectors(j, root, source);
  const clients = clientsMade(j, root, options, file);

  for (const listen of listenStatements(j, root)) {
    const block: Node[] = listen.parent.node.body;
    const index = block.indexOf(listen.node);
    // The awaits of the same block, before the listen.
    for (let k = index - 1; k >= 0; k--) {
      const stmt = block[k];
      // `try { await connect(); log } catch (e) { log; process.exit(1) }`: the try moves whole, its
      // connect into the retry loop, and the exit goes (the retries replace it).
      const tried = stmt.type === 'TryStatement' ? connectInTry(stmt, source, local, clients) : null;
      if (tried && 'refused' in tried) {
        note({ severity: 'warning', code: 'ECS321', line: tried.line, message: `start-up awaits ${tried.store.label} in a try/catch before listening, and ${tried.refused}; ecsfix leaves it in place: move listen before it by hand if the service must start while ${tried.store.label} is down` });
        return undefined;
      }
      const closest = tried ? tried.found : awaitedStore(stmt, local, clients);
      if (!closest) continue;
      // The connect is the first await of that datastore: `await db.connect(); await db.query(...)`
      // connects with the first, and the query needs it (it moves with it, below), not the other way round.
      const at = tried ? k : firstAwaitOf(block, k, closest, local, clients);
      const found = at === k ? closest : awaitedStore(block[at], local, clients);
      if (!found) continue;
      const line = (tried ? tried.inner[0] : block[at]).loc?.start.line;
      if (found.store.unsafe) {
        note({ severity: 'warning', code: 'ECS321', line, message: `start-up awaits ${found.store.label} before listening; ecsfix leaves it in place: ${found.store.unsafe}` });
        return undefined;
      }
      if (found.kind === 'binding') {
        note({ severity: 'warning', code: 'ECS321', line, message: `start-up awaits ${found.store.label} before listening and keeps its result (${found.name}); ecsfix leaves it in place: move it after listen by hand if the service must start while ${found.store.label} is down` });
        return undefined;
      }
      const moved: Node[] = [block[at]];
      for (let m = at + 1; m < index && isConnectedLog(source, block[m]); m++) moved.push(block[m]);
      if (moved.some((s) => declaresUsedLater(s))) {
        note({ severity: 'warning', code: 'ECS321', line, message: `start-up awaits ${found.store.label} before listening, but the lines after it are needed before listen; left in place` });
        return undefined;
      }
      // Migrations, a seed, a query on the same client between the connect and listen need the
      // connection: they go after listen with it, in order. What listen needs stays before it.
      const split = splitStartup(source, block.slice(at + moved.length, index + 1), found, { names: datastoreNames(found, root.get().node.program), functions: localFunctions(j, root), relative: relativeImports(root) });
      if ('refused' in split) {
        note({ severity: 'warning', code: 'ECS321', line: split.line, message: split.refused });
        return undefined;
      }
      return rewrite({ j, root, source, style, isTs, listen, block, index, moved, found, note, options, file, tried, then: split.then });
    }
  }
  const chained = promiseChainStart(j, root, source, local, clients);
  if (!chained) return undefined;
  const shape = chainShape(source, chained);
  if ('listen' in shape) return rewriteChain({ j, root, source, style, isTs, note, options, file }, chained, shape);
  note({ severity: 'warning', code: 'ECS321', line: chained.line, message: `start-up listens only in the .then() of ${chained.call}(), so the service does not listen until ${chained.store.label} connects; ecsfix does not rewrite this promise-chain start-up (${shape.refused}): move listen out of the chain by hand if the service must start while ${chained.store.label} is down` });
  return undefined;
}

/** A promise-chain start-up ecsfix rewrites: its statement, the listen, the log lines, and whether a catch that only logs and exits ends it. */
type ChainShape = { statement: Node; listen: Node; logs: Node[]; catchLine: number | undefined } | { refused: string };

/**
 * `connect(uri).then(() => { log; app.listen(port, cb) }).catch((err) => { log; process.exit(1) })`
 * as a statement of its own: the callback takes nothing from the connect (no parameter) and does
 * nothing but log and listen, and the catch (if any) only logs and exits. Then listening first and
 * connecting in the background with retries is the same start-up without the wait: nothing in the
 * chain runs on the connection. Anything else is refused, with the reason.
 */
function chainShape(source: string, chained: NonNullable<ReturnType<typeof promiseChainStart>>): ChainShape {
  const then: ASTPath = chained.then;
  const catchCall: Node | null = then.parent?.node.type === 'MemberExpression' && then.parent.node.property?.name === 'catch' ? then.parent.parent?.node : null;
  const top: ASTPath | null | undefined = catchCall ? then.parent?.parent : then;
  const statement: Node = top?.parent?.node;
  if (statement?.type !== 'ExpressionStatement' || statement.expression !== top?.node) return { refused: 'the chain is part of a larger expression' };
  if (!/^(?:Program|BlockStatement)$/.test(top?.parent?.parent?.node.type ?? '')) return { refused: 'the chain is not a statement of a block' };
  const thenCall: Node = then.node;
  const cb: Node = thenCall.arguments[0];
  if (thenCall.arguments.length !== 1 || !/^(?:Arrow)?FunctionExpression$/.test(cb.type) || cb.params.length) return { refused: 'its .then() callback takes the connection or a rejection handler' };
  const inner: Node[] = cb.body.type === 'BlockStatement' ? cb.body.body : [{ type: 'ExpressionStatement', expression: cb.body, start: cb.body.start, end: cb.body.end }];
  const listens = inner.filter((st) => st.type === 'ExpressionStatement' && st.expression.type === 'CallExpression' && st.expression.callee?.property?.name === 'listen');
  const logs = inner.filter((st) => !listens.includes(st));
  if (listens.length !== 1 || !logs.every((st) => logStatement(source, st))) return { refused: 'its .then() callback does more than log and listen' };
  // The callback's statements move one by one: a comment among them would be lost.
  if (/(?:^|[;{}])\s*(?:\/\/|\/\*)/m.test(source.slice(cb.body.start, cb.body.end))) return { refused: 'its .then() callback has comments ecsfix would have to move' };
  if (catchCall) {
    const handler: Node = catchCall.arguments[0];
    const body: Node[] = !handler || !/Function/.test(handler.type) ? [null] : handler.body.type === 'BlockStatement' ? handler.body.body : [{ type: 'ExpressionStatement', expression: handler.body }];
    if (catchCall.arguments.length !== 1 || !body.every((st) => st && logsOrExits(st))) return { refused: 'its .catch() does more than log and exit' };
  }
  return { statement, listen: listens[0], logs, catchLine: catchCall?.callee?.property?.loc?.start.line };
}

/** A statement that only logs (`console.log('mongo connected')`, `logger.info(...)`). */
function logStatement(source: string, stmt: Node): boolean {
  return stmt?.type === 'ExpressionStatement' && /^(?:\w+\.)*(?:log|logger|console|\w*[lL]ogger)\.(?:info|debug|log|warn)\(/.test(source.slice(stmt.start, stmt.end));
}

/** A catch-handler statement that logs, exits or rethrows. */
function logsOrExits(st: Node): boolean {
  return st.type === 'ThrowStatement' || (st.type === 'ExpressionStatement' && st.expression.type === 'CallExpression' && (calleeText(st.expression.callee) === 'process.exit' || /^(?:\w+\.)*(?:log|logger|console|\w*[lL]ogger)\.(?:error|warn|fatal|info|log)$/.test(calleeText(st.expression.callee))));
}

/**
 * The chain becomes: the listen, where the chain was; after it, the connect and the log lines in
 * the background retry loop ({@link connectInBackground}). The catch goes: the retries replace it.
 */
function rewriteChain(
  ctx: { j: JSCodeshift; root: Collection; source: string; style: FileStyle; isTs: boolean; note: (n: CodemodNote) => void; options: CodemodOptions; file: FileInfo },
  chained: NonNullable<ReturnType<typeof promiseChainStart>>,
  shape: Extract<ChainShape, { listen: Node }>,
): string {
  const { source, style } = ctx;
  const { statement, listen, logs } = shape;
  const indent = indentOf(source, statement.start);
  const connect: Node = (chained.then.node as Node).callee.object;
  const args = (connect.arguments as Node[]).map((a) => source.slice(a.start, a.end)).join(', ');
  const listenText = source.slice(listen.start, listen.end).replace(/;?$/, style.semi);
  const body = [`await ${chained.call}(${args})${style.semi}`, ...logs.map((st) => source.slice(st.start, st.end).replace(/;?$/, style.semi))];
  const edits: Edit[] = [{ start: statement.start, end: statement.end, text: listenText }];
  const replaced = shape.catchLine ? `; the .then() chain is gone, and the catch that exited on the first failure (line ${shape.catchLine}) is replaced by the retries` : '; the .then() chain is gone';
  edits.push(...connectInBackground({ ...ctx, store: chained.store, body: body.flatMap((b) => b.split('\n')), then: [], listenIndent: indent, anchorEnd: statement.end, noteLine: chained.line, replaced }));
  return splice(source, edits);
}

/** A connect awaited inside a try whose catch only logs and exits (or rethrows). */
type TriedConnect = { found: Extract<Found, { kind: 'statement' }>; inner: Node[]; catchLine: number | undefined } | { refused: string; store: Datastore; line: number | undefined };

/**
 * `try { await mongoose.connect(url); console.log('connected') } catch (err) { console.error(err); process.exit(1) }`:
 * the connect (and its log lines) is all the try does, and the catch only logs and exits or rethrows,
 * so the retry loop can replace both. Anything else in it is reported, not rewritten.
 */
function connectInTry(stmt: Node, source: string, local: Map<string, Datastore>, clients: Map<string, MadeClient>): TriedConnect | null {
  const inner: Node[] = stmt.block.body;
  const first = inner[0];
  const found = first ? awaitedStore(first, local, clients) : null;
  if (!found) {
    const nested = inner.map((st) => awaitedStore(st, local, clients)).find(Boolean);
    return nested ? { refused: 'the try does more than connect', store: nested.store, line: stmt.loc?.start.line } : null;
  }
  const line = first.loc?.start.line;
  if (found.kind !== 'statement' || found.store.unsafe) return { refused: found.store.unsafe ?? `keeps its result (${'name' in found ? found.name : 'a binding'})`, store: found.store, line };
  if (stmt.finalizer) return { refused: 'the try has a finally block', store: found.store, line };
  if (!inner.slice(1).every((st) => isConnectedLog(source, st))) return { refused: 'the try does more than connect and log it', store: found.store, line };
  const handler: Node[] = stmt.handler?.body?.body ?? [];
  if (!handler.every(logsOrExits)) return { refused: 'its catch does more than log and exit', store: found.store, line };
  return { found, inner, catchLine: stmt.handler?.loc?.start.line };
}

/** `AppDataSource.initialize().then(() => { ...; app.listen(PORT) })`: a listen that waits for a datastore through a promise chain. */
function promiseChainStart(j: JSCodeshift, root: Collection, source: string, local: Map<string, Datastore>, clients: Map<string, MadeClient>): { store: Datastore; call: string; line: number | undefined; then: ASTPath } | null {
  let hit: { store: Datastore; call: string; line: number | undefined; then: ASTPath } | null = null;
  typedNodes(j, root, 'CallExpression').forEach((n: Node, i) => {
    if (hit || n.callee?.type !== 'MemberExpression' || n.callee.property?.name !== 'then') return;
    const store = storeOfCall(n.callee.object, local, clients);
    const then = n.arguments[0];
    if (!store || !then || !/\.listen\s*\(/.test(source.slice(then.start, then.end))) return;
    hit = { store, call: calleeText(n.callee.object.callee), line: n.callee.object.loc?.start.line, then: typedPath(j, root, 'CallExpression', i) };
  });
  return hit;
}

function lastListenCall(source: string): number {
  let last = -1;
  for (const m of source.matchAll(/\.listen\s*\(/g)) last = m.index ?? last;
  return last;
}

type Found = { kind: 'statement'; store: Datastore; inPromiseAll: Node | null; call: Node } | { kind: 'binding'; store: Datastore; name: string; call: Node };

/** The datastore an awaited statement connects to, if any. */
function awaitedStore(stmt: Node, local: Map<string, Datastore>, clients: Map<string, MadeClient>): Found | null {
  if (stmt.type === 'ExpressionStatement' && stmt.expression.type === 'AwaitExpression') {
    const arg = stmt.expression.argument;
    if (arg?.type === 'CallExpression' && calleeText(arg.callee) === 'Promise.all' && arg.arguments[0]?.type === 'ArrayExpression') {
      for (const el of arg.arguments[0].elements) {
        const store = storeOfCall(el, local, clients);
        if (store) return { kind: 'statement', store, inPromiseAll: el, call: el };
      }
      return null;
    }
    const store = storeOfCall(arg, local, clients);
    return store ? { kind: 'statement', store, inPromiseAll: null, call: arg } : null;
  }
  if (stmt.type === 'VariableDeclaration' && stmt.declarations.length === 1) {
    const d = stmt.declarations[0];
    const init = d.init?.type === 'AwaitExpression' ? d.init.argument : null;
    const store = init ? storeOfCall(init, local, clients) : null;
    if (store) return { kind: 'binding', store, name: d.id.type === 'Identifier' ? d.id.name : 'a destructured result', call: init };
  }
  return null;
}

/** `db` of `db.query(...)`: the client an awaited datastore call goes through ('' for `connectDB()`). */
function receiverOf(found: Found): string {
  const callee: Node = found.call?.callee;
  return callee?.type === 'MemberExpression' ? calleeText(callee.object) : '';
}

/**
 * The first statement before `k` of the block that awaits the same datastore as `found` (MongoDB
 * however it is reached, another store through the same client), else `k`: with
 * `await db.connect(); await db.query(...)` the connect is the first, and the query one of its uses.
 */
function firstAwaitOf(block: Node[], k: number, found: Found, local: Map<string, Datastore>, clients: Map<string, MadeClient>): number {
  let at = k;
  for (let e = k - 1; e >= 0; e--) {
    const other = awaitedStore(block[e], local, clients);
    if (other && other.store.label === found.store.label && (found.store.mongo || receiverOf(other) === receiverOf(found))) at = e;
  }
  return at;
}

/** Where the start-up statements between the connect and listen go: after listen with the connect, or a refusal. */
type Split = { then: Node[] } | { refused: string; line: number | undefined };

/**
 * Splits the statements after the connect (`statements`, listen last): each one that needs the
 * connection at start-up (a query, migrations, a seed, `Model.syncIndexes()`, directly or through a
 * function of this file, or that uses what such a statement did) runs after the connect, in order;
 * the rest stays before listen, which may need it. Refused (nothing changes) when a statement that
 * needs the connection keeps a result or leaves the function (listen or later code may need it), when
 * listen itself needs the connection, or when an awaited call's use of it cannot be established.
 */
function splitStartup(source: string, statements: Node[], found: Found, ctx: { names: Set<string>; functions: Map<string, Node[]>; relative: Set<string> }): Split {
  const label = found.store.label;
  const then: Node[] = [];
  const listen = statements[statements.length - 1];
  // Log lines right before a statement that moves (`logger.info('running migrations')`) move with it.
  let logs: Node[] = [];
  for (const st of statements) {
    const use = startupUse(st, found.store.mongo, ctx);
    if (use?.kind === 'uses' && use.nestedOnly) return { refused: `start-up awaits a statement whose callbacks use ${label} (${use.name}) after connecting it and before listening; whether they run at start-up (then it must run after the connect) or only register handlers (then it must stay before listen) cannot be established, so ecsfix leaves the start-up in place: move the connect after listen by hand`, line: use.line };
    if (!use) {
      logs = st !== listen && logStatement(source, st) ? [...logs, st] : [];
      continue;
    }
    if (use.kind === 'unknown') return { refused: `start-up awaits ${use.call} after connecting ${label} and before listening; it is not declared in this file, so ecsfix cannot establish whether it needs ${label} (then it must run after the connect) or listen needs it (then it must stay before listen), and leaves the start-up in place: move the connect after listen by hand`, line: use.line };
    if (st === listen) return { refused: `listen itself uses ${label} (${use.name}) at start-up; moving the connect after it would run this on a datastore that is not connected, so ecsfix leaves the start-up in place`, line: use.line };
    const movable = /^(?:Expression|If|For|ForOf|ForIn|While|DoWhile|Try|Block)Statement$/.test(st.type) && (st.type === 'ExpressionStatement' || !containsExit(st));
    if (!movable) return { refused: `start-up uses ${label} (${use.name}) after connecting it and before listening, and ${st.type === 'VariableDeclaration' ? 'keeps its result, which the start-up may need before listen' : 'this statement cannot run in the background as it is'}; ecsfix leaves the start-up in place: move the connect and what needs it after listen by hand`, line: use.line };
    then.push(...logs, st);
    logs = [];
  }
  return { then };
}

/** A return/break/continue of the enclosing function or loop (not of a function nested in the statement). */
function containsExit(node: Node, nested = false): boolean {
  if (!node || typeof node.type !== 'string') return false;
  if (/Function/.test(node.type)) return false;
  if (/^(?:Return|Break|Continue)Statement$/.test(node.type) && !nested) return true;
  for (const key of Object.keys(node)) {
    if (key === 'loc' || /[cC]omments$/.test(key)) continue;
    const child = node[key];
    for (const c of Array.isArray(child) ? child : [child]) if (c && typeof c === 'object' && containsExit(c, nested)) return true;
  }
  return false;
}

/**
 * Whether a start-up statement needs the connected datastore while start-up runs: a use outside the
 * functions it defines. `app.get('/users', (req, res) => User.find())` only registers a handler that
 * runs per request; a statement that awaits and uses it only in its callbacks is `nestedOnly`: those
 * may run at start-up (`await Promise.all(rows.map((r) => Model.create(r)))`) or only be registered
 * (`await fastify.register(async (f) => { f.get(...) })`, which must stay before listen).
 */
function startupUse(st: Node, mongo: boolean, ctx: { names: Set<string>; functions: Map<string, Node[]>; relative: Set<string> }): (StartupUse & { nestedOnly?: boolean }) | null {
  const direct = datastoreUseBefore([st], ctx.names, ctx.functions, { mongo, relative: ctx.relative, startupOnly: true });
  if (direct || !hasStartupAwait(st)) return direct;
  const nested = datastoreUseBefore([st], ctx.names, ctx.functions, { mongo, relative: ctx.relative, startupOnly: false });
  if (nested) return nested.kind === 'uses' ? { ...nested, nestedOnly: true } : nested;
  // An awaited statement that reaches code of another module of the app (`await Promise.all(rows.map((r)
  // => User.updateOne(...)))`, User required from ./user): whether that needs the connection is not shown here.
  const other = referenced(st, ctx.relative);
  return other ? { kind: 'unknown', call: `${calleeText(other)} (from another module)`, line: other.loc?.start.line } : null;
}

/** The first identifier of `names` the statement references (property names aside). */
function referenced(node: Node, names: Set<string>): Node | null {
  if (!node || typeof node.type !== 'string') return null;
  if (node.type === 'Identifier' && names.has(node.name)) return node;
  for (const key of Object.keys(node)) {
    if (key === 'loc' || /[cC]omments$/.test(key)) continue;
    if (key === 'property' && /MemberExpression$/.test(node.type) && !node.computed) continue;
    if (key === 'key' && /Property$|Method$/.test(node.type) && !node.computed) continue;
    const child = node[key];
    for (const c of Array.isArray(child) ? child : [child]) {
      const hit = c && typeof c === 'object' ? referenced(c, names) : null;
      if (hit) return hit;
    }
  }
  return null;
}

/** An `await` of the statement itself (not inside a function it defines). */
function hasStartupAwait(node: Node): boolean {
  if (!node || typeof node.type !== 'string' || /Function/.test(node.type)) return false;
  if (node.type === 'AwaitExpression') return true;
  for (const key of Object.keys(node)) {
    if (key === 'loc' || /[cC]omments$/.test(key)) continue;
    const child = node[key];
    for (const c of Array.isArray(child) ? child : [child]) if (c && typeof c === 'object' && hasStartupAwait(c)) return true;
  }
  return false;
}

/** Names bound by an import or require of a relative module (`const User = require('./user')`): code this file does not show. */
function relativeImports(root: Collection): Set<string> {
  const out = new Set<string>();
  for (const st of root.get().node.program.body as Node[]) {
    if (st.type === 'ImportDeclaration' && String(st.source.value).startsWith('.')) for (const sp of st.specifiers ?? []) out.add(sp.local.name);
    if (st.type !== 'VariableDeclaration') continue;
    for (const d of st.declarations) {
      const init = d.init;
      if (init?.type !== 'CallExpression' || init.callee?.name !== 'require' || !String(init.arguments[0]?.value ?? '').startsWith('.')) continue;
      if (d.id.type === 'Identifier') out.add(d.id.name);
      else if (d.id.type === 'ObjectPattern') for (const pr of d.id.properties) if (pr.value?.type === 'Identifier') out.add(pr.value.name);
    }
  }
  return out;
}

/**
 * Operations of a mongoose Model that no other common API has: on a model required from a module of
 * the app they buffer until mongoose is connected (`await User.syncIndexes()` before the connect waits
 * for it forever, then fails after 10 s).
 */
const MONGOOSE_MODEL_OPS = /^(?:syncIndexes|createCollection|createIndexes|ensureIndexes|diffIndexes|cleanIndexes|listIndexes|countDocuments|estimatedDocumentCount|insertMany|bulkWrite|findOneAndUpdate|findOneAndDelete|findByIdAndUpdate|findByIdAndDelete|findById|updateMany|deleteMany|updateOne|deleteOne|aggregate)$/;

function storeOfCall(call: Node, local: Map<string, Datastore>, clients: Map<string, MadeClient>): Datastore | null {
  if (call?.type !== 'CallExpression') return null;
  const name = calleeText(call.callee);
  const last = name.split('.').pop() ?? '';
  if (name === 'mongoose.connect') return { label: 'MongoDB', mongo: true };
  if (local.has(name)) return local.get(name) ?? null;
  // pool.connect(), pool.query('SELECT 1'), redis.connect() on a client made in this file.
  const made = call.callee.type === 'MemberExpression' ? clients.get(calleeText(call.callee.object)) : undefined;
  if (made?.calls.test(last)) return made.store;
  if (call.callee.type === 'Identifier' && MONGO_CONNECT_CALL.test(last) && /mongo/i.test(last)) return { label: 'MongoDB', mongo: true };
  // mongoClient.connect() / client.connect() on a MongoClient
  if (last === 'connect' && /mongo/i.test(name)) return { label: 'MongoDB', mongo: true };
  for (const other of OTHER_STORES) if (other.re.test(name)) return { label: other.label, mongo: false };
  return null;
}

/** A datastore client this file creates, and the calls on it that connect it (or probe the connection). */
interface MadeClient {
  store: Datastore;
  calls: RegExp;
}

/**
 * Clients this file creates with a known constructor (`new Pool(...)`, `new pg.Client()`, `createClient()`
 * from redis, `new Redis()` from ioredis), by variable name.
 */
function clientsMade(j: JSCodeshift, root: Collection, options: CodemodOptions, file: FileInfo): Map<string, MadeClient> {
  const out = new Map<string, MadeClient>();
  const fromModule = new Map<string, string>();
  typedNodes(j, root, 'ImportDeclaration').forEach((decl: Node) => {
    for (const s of (decl.specifiers ?? []) as Node[]) fromModule.set(s.local.name, String(decl.source.value));
  });
  const known = (init: Node): MadeClient | null => {
    if (init?.type !== 'NewExpression' && init?.type !== 'CallExpression') return null;
    const callee = init.callee;
    const ctor = callee?.type === 'Identifier' ? callee.name : callee?.type === 'MemberExpression' ? callee.property?.name : '';
    const pkgOf = callee?.type === 'Identifier' ? fromModule.get(callee.name) ?? requiredFrom(root, callee.name) : callee?.type === 'MemberExpression' ? fromModule.get(callee.object?.name) ?? requiredFrom(root, callee.object?.name) : '';
    const made = CLIENT_CONSTRUCTORS[ctor ?? ''];
    if (!made) return null;
    // Only the real packages: pg's Pool/Client, redis' createClient, ioredis' Redis.
    const pkgOk = made.label === 'Postgres' ? pkgOf === 'pg' : ctor === 'createClient' ? /^(?:redis|@redis\/client)$/.test(pkgOf ?? '') : pkgOf === 'ioredis';
    if (!pkgOk || (init.type === 'CallExpression') !== (ctor === 'createClient')) return null;
    return { store: { label: made.label, mongo: false, ...(made.unsafe ? { unsafe: made.unsafe } : {}) }, calls: made.calls };
  };
  const addKnown = (name: string | null, init: Node) => {
    const made = name ? known(init) : null;
    if (name && made) out.set(name, made);
  };
  // `const db = new Pool()`, and in a class `this.db = new Pool()` (constructor) or `db = new Pool()` (a field), reached as `this.db` (review6 R4).
  for (const n of typedNodes(j, root, 'VariableDeclarator')) addKnown(n.id?.type === 'Identifier' ? n.id.name : null, n.init);
  for (const n of typedNodes(j, root, 'AssignmentExpression')) addKnown(thisProperty(n.left), n.right);
  for (const type of ['ClassProperty', 'PropertyDefinition']) for (const n of typedNodes(j, root, type)) addKnown(!n.computed && n.key?.name ? `this.${n.key.name}` : null, n.value);
  // `new Database(url)` of a workspace package whose class connects MongoDB in a method
  // (`async connect() { await this.client.connect() }`), kept in a variable or a property of `this`.
  let apis: Record<string, ModuleApi> | null = null;
  const mongoClass = (init: Node): RegExp | null => {
    if (init?.type !== 'NewExpression' || init.callee?.type !== 'Identifier') return null;
    const from = fromModule.get(init.callee.name) ?? requiredFrom(root, init.callee.name);
    if (!from || from.startsWith('.')) return null;
    apis ??= options.repo ? (options.repo.moduleApis ?? {}) : workspaceApis(file.path, j);
    const pkg = Object.keys(apis).find((p) => from === p || from.startsWith(p + '/'));
    const methods = pkg ? apis[pkg]?.factories[init.callee.name]?.mongoConnect : undefined;
    return methods?.length ? new RegExp(`^(?:${methods.join('|')})$`) : null;
  };
  const workspaceClient = (name: string | null, init: Node) => {
    const calls = name && !out.has(name) ? mongoClass(init) : null;
    if (name && calls) out.set(name, { store: { label: 'MongoDB', mongo: true }, calls });
  };
  for (const n of typedNodes(j, root, 'VariableDeclarator')) workspaceClient(n.id?.type === 'Identifier' ? n.id.name : null, n.init);
  for (const n of typedNodes(j, root, 'AssignmentExpression')) {
    workspaceClient(thisProperty(n.left), n.right);
  }
  for (const type of ['ClassProperty', 'PropertyDefinition']) for (const n of typedNodes(j, root, type)) workspaceClient(!n.computed && n.key?.name ? `this.${n.key.name}` : null, n.value);
  return out;
}

/** `this.db` of an assignment to `this.db`, else null. */
function thisProperty(left: Node): string | null {
  return left?.type === 'MemberExpression' && left.object?.type === 'ThisExpression' && !left.computed && left.property?.type === 'Identifier' ? `this.${left.property.name}` : null;
}

/** The module of `const x = require('m')` / `const { x } = require('m')`. */
function requiredFrom(root: Collection, name: string | undefined): string | undefined {
  if (!name) return undefined;
  for (const st of root.get().node.program.body as Node[]) {
    if (st.type !== 'VariableDeclaration') continue;
    for (const d of st.declarations) {
      const init = d.init;
      if (init?.type !== 'CallExpression' || init.callee?.name !== 'require' || init.arguments[0]?.type !== 'StringLiteral') continue;
      if (d.id.type === 'Identifier' && d.id.name === name) return init.arguments[0].value;
      if (d.id.type === 'ObjectPattern' && d.id.properties.some((p: Node) => p.value?.name === name)) return init.arguments[0].value;
    }
  }
  return undefined;
}

/** Local `connectDB()`-style functions whose body awaits a Mongo connection. */
function localConnectors(j: JSCodeshift, root: Collection, source: string): Map<string, Datastore> {
  const out = new Map<string, Datastore>();
  const consider = (name: string | undefined, fn: Node) => {
    if (!name || !fn?.body) return;
    const text = source.slice(fn.body.start, fn.body.end);
    if (/mongoose\.connect\s*\(|new MongoClient\s*\(|getMongoConnection\s*\(|\bMongoClient\.connect\s*\(/.test(text)) out.set(name, { label: 'MongoDB', mongo: true });
  };
  typedNodes(j, root, 'FunctionDeclaration').forEach((n: Node) => consider(n.id?.name, n));
  typedNodes(j, root, 'VariableDeclarator').forEach((n: Node) => {
    const init: Node = n.init;
    if (init && /Function/.test(init.type)) consider(n.id.name, init);
  });
  return out;
}

/** Statements that call `.listen(...)` directly in a block (`server = app.listen(...)`, `await fastify.listen({...})`). */
function listenStatements(j: JSCodeshift, root: Collection): ASTPath[] {
  const out: ASTPath[] = [];
  typedNodes(j, root, 'CallExpression').forEach((n: Node, i) => {
    if (n.callee?.property?.name !== 'listen') return;
    let s: ASTPath | null = typedPath(j, root, 'CallExpression', i).parent;
    while (s && !/Statement$|Declaration$/.test(s.node.type)) s = s.parent;
    if (s && (s.parent?.node.type === 'BlockStatement' || s.parent?.node.type === 'Program') && !out.includes(s)) out.push(s);
  });
  return out;
}

function isConnectedLog(source: string, stmt: Node): boolean {
  if (stmt?.type !== 'ExpressionStatement') return false;
  const text = source.slice(stmt.start, stmt.end);
  return /^(?:\w+\.)*(?:log|logger|console|\w*[lL]ogger)\.(?:info|debug|log)\(/.test(text) && /mongo|database|\bdb\b|connect/i.test(text);
}

/**
 * Functions declared in the file, by the name a call reaches them with (`function seed() {}` and
 * `const seed = async () => {}` as `seed`, a class method `seed() {}` or `seed = async () => {}` as
 * `this.seed`), for following a call. Methods of every class of the file share one name space:
 * following a same-named method of another class only finds more uses, never fewer.
 */
function localFunctions(j: JSCodeshift, root: Collection): Map<string, Node[]> {
  const out = new Map<string, Node[]>();
  const add = (name: string, body: Node) => out.set(name, [...(out.get(name) ?? []), body]);
  typedNodes(j, root, 'FunctionDeclaration').forEach((n: Node) => {
    const name = n.id?.name;
    if (name) add(name, n.body);
  });
  typedNodes(j, root, 'VariableDeclarator').forEach((n: Node) => {
    const init: Node = n.init;
    if (n.id.type === 'Identifier' && init && /Function/.test(init.type)) add(n.id.name, init.body);
  });
  for (const type of ['ClassMethod', 'ClassPrivateMethod', 'ClassProperty', 'ClassPrivateProperty', 'MethodDefinition', 'PropertyDefinition']) {
    typedNodes(j, root, type).forEach((node: Node) => {
      const fn: Node = /Method/.test(node.type) ? (node.value?.type ? node.value : node) : node.value;
      if (node.computed || !fn || !/Function|Method/.test(fn.type) || !fn.body) return;
      const name = node.key?.type === 'PrivateName' ? `#${node.key.id?.name}` : node.key?.type === 'PrivateIdentifier' ? `#${node.key.name}` : node.key?.name;
      if (name) add(`this.${name}`, fn.body);
    });
  }
  return out;
}

/**
 * The names through which code reaches the connected datastore: the receiver of the connect call
 * (`AppDataSource` of `AppDataSource.initialize()`, `this.prisma` of `this.prisma.$connect()`, `client` of
 * `client.connect()`), and for MongoDB `mongoose` and the models the file defines or imports from a
 * models module (their queries wait for, or fail without, the connection).
 */
function datastoreNames(found: Extract<Found, { kind: 'statement' }>, program: Node): Set<string> {
  const names = new Set<string>();
  const receiver = found.call.callee.type === 'MemberExpression' ? calleeText(found.call.callee.object) : '';
  if (receiver && !receiver.includes('?')) names.add(receiver);
  if (!found.store.mongo) return names;
  names.add('mongoose');
  for (const st of program.body as Node[]) {
    if (st.type === 'ImportDeclaration' && /(?:^|\/)models?(?:\/|$|\.)/i.test(String(st.source.value))) for (const sp of st.specifiers ?? []) names.add(sp.local.name);
    const decls: Node[] = st.type === 'VariableDeclaration' ? st.declarations : st.type === 'ExportNamedDeclaration' && st.declaration?.type === 'VariableDeclaration' ? st.declaration.declarations : [];
    for (const d of decls) {
      const init = d.init;
      const viaRequire = init?.type === 'CallExpression' && init.callee?.name === 'require' && /(?:^|\/)models?(?:\/|$|\.)/i.test(String(init.arguments[0]?.value ?? ''));
      const viaModel = init?.type === 'CallExpression' && /^(?:mongoose\.)?model$/.test(calleeText(init.callee));
      if (!viaRequire && !viaModel) continue;
      if (d.id.type === 'Identifier') names.add(d.id.name);
      else if (d.id.type === 'ObjectPattern') for (const pr of d.id.properties) if (pr.value?.type === 'Identifier') names.add(pr.value.name);
    }
  }
  return names;
}

/** What start-up does between the connect and listen that keeps the connect where it is. */
type StartupUse = { kind: 'uses'; name: string; line: number | undefined } | { kind: 'unknown'; call: string; line: number | undefined };

/**
 * The first use, in the statements left between the connect and listen (listen included: its
 * arguments are evaluated before it listens), of the connected datastore: directly or through a
 * function or method of this file that they call. An awaited call of a function this file does not
 * declare (`await seedDatabase()` imported from another module, `this.warmCache()` of a base class)
 * counts as well, as one whose use cannot be established: awaited start-up work is the kind that
 * reads the database (a seed, migrations, a cache warm-up), and moving the connect past it would
 * run it on a datastore that is not connected.
 */
function datastoreUseBefore(statements: Node[], names: Set<string>, functions: Map<string, Node[]>, opts: { mongo: boolean; relative: Set<string>; startupOnly: boolean }): StartupUse | null {
  if (names.size === 0) return null;
  const followed = new Set<Node>();
  // `nested`: inside a function written in these statements (a route handler, a callback), which
  // start-up does not necessarily run; an unknown await there is not counted.
  const visit = (node: Node, callSite: Node | null, nested = false): StartupUse | null => {
    if (!node || typeof node.type !== 'string') return null;
    if (/Function/.test(node.type)) nested = true;
    const counts = !nested || !opts.startupOnly;
    if (counts && /^(?:Identifier|MemberExpression|OptionalMemberExpression)$/.test(node.type) && names.has(calleeText(node))) return { kind: 'uses', name: calleeText(node), line: (callSite ?? node).loc?.start.line };
    const callee = node.type === 'CallExpression' ? followableCallee(node.callee) : null;
    if (callee && functions.has(callee)) {
      for (const body of functions.get(callee) ?? []) {
        if (followed.has(body)) continue;
        followed.add(body);
        const inner = visit(body, callSite ?? node, nested);
        if (inner?.kind === 'uses') return { kind: 'uses', name: `${callee}() uses ${inner.name}`, line: inner.line };
        if (inner) return inner;
      }
    }
    if (!nested && node.type === 'AwaitExpression' && node.argument?.type === 'CallExpression') {
      const awaited = followableCallee(node.argument.callee);
      if (awaited && !functions.has(awaited)) return { kind: 'unknown', call: `${awaited}()`, line: (callSite ?? node).loc?.start.line };
      // `await User.syncIndexes()` on a binding of a module of the app: a mongoose model operation
      // needs the connection; any other call's use of it cannot be established.
      const member: Node = node.argument.callee;
      if (member?.type === 'MemberExpression' && !member.computed && member.object?.type === 'Identifier' && opts.relative.has(member.object.name) && !names.has(member.object.name)) {
        const call = `${member.object.name}.${member.property?.name}()`;
        const line = (callSite ?? node).loc?.start.line;
        return opts.mongo && MONGOOSE_MODEL_OPS.test(member.property?.name ?? '') ? { kind: 'uses', name: call, line } : { kind: 'unknown', call, line };
      }
    }
    for (const key of Object.keys(node)) {
      if (key === 'loc' || key === 'comments' || key === 'leadingComments' || key === 'trailingComments') continue;
      // `x.name` / `{ name: v }`: a property name is not a reference.
      if (key === 'property' && (node.type === 'MemberExpression' || node.type === 'OptionalMemberExpression') && !node.computed) continue;
      if (key === 'key' && /Property$|Method$/.test(node.type) && !node.computed) continue;
      const child = node[key];
      for (const c of Array.isArray(child) ? child : [child]) {
        const hit = c && typeof c === 'object' ? visit(c, callSite, nested) : null;
        if (hit) return hit;
      }
    }
    return null;
  };
  for (const stmt of statements) {
    const hit = visit(stmt, null);
    if (hit) return hit;
  }
  return null;
}

/** `seed` of `seed()`, `this.seed` of `this.seed()` / `this.#seed()`: the calls a function of this file may answer. */
function followableCallee(callee: Node): string | null {
  if (callee?.type === 'Identifier') return callee.name;
  if ((callee?.type === 'MemberExpression' || callee?.type === 'OptionalMemberExpression') && callee.object?.type === 'ThisExpression' && !callee.computed) {
    const key = callee.property;
    if (key?.type === 'Identifier') return `this.${key.name}`;
    if (key?.type === 'PrivateName') return `this.#${key.id?.name}`;
    if (key?.type === 'PrivateIdentifier') return `this.#${key.name}`;
  }
  return null;
}

function declaresUsedLater(stmt: Node): boolean {
  return stmt.type === 'VariableDeclaration';
}


function indentOf(source: string, offset: number): string {
  return /^[ \t]*/.exec(source.slice(source.lastIndexOf('\n', offset - 1) + 1))?.[0] ?? '';
}

function rewrite(args: {
  j: JSCodeshift;
  root: Collection;
  source: string;
  style: FileStyle;
  isTs: boolean;
  listen: ASTPath;
  block: Node[];
  index: number;
  moved: Node[];
  found: Extract<Found, { kind: 'statement' }>;
  note: (n: CodemodNote) => void;
  options: CodemodOptions;
  file: FileInfo;
  /** The connect sat in a try whose catch exited: the try goes, its statements move. */
  tried: Extract<TriedConnect, { inner: Node[] }> | null;
  /** Statements between the connect and listen that need the connection: they run after it connects, in order. */
  then: Node[];
}): string {
  const { j, root, source, style, isTs, listen, block, index, moved, found, note, options, file, tried, then } = args;
  const edits: Edit[] = [];
  const s = style.semi;
  const first = moved[0];
  const last = moved[moved.length - 1];
  // What goes into the retry loop: the moved statements, or the try's own when the try goes.
  const innerFirst = tried ? tried.inner[0] : first;
  const innerLast = tried ? tried.inner[tried.inner.length - 1] : last;
  const indent = indentOf(source, innerFirst.start);

  // 1. Take the connection (and its log lines, and the comments above it) out of the start-up path.
  const cutStart = lineStartWithComments(source, first.start);
  let cutEnd = source.indexOf('\n', last.end) + 1 || source.length;
  // A comment that says the connection comes first is no longer true: it does not move along.
  // (A comment above a try that goes moves along with the try's statements.)
  const aboveTry = tried ? source.slice(cutStart, source.lastIndexOf('\n', first.start - 1) + 1) : '';
  let movedText = (aboveTry + source.slice(tried ? lineStartWithComments(source, innerFirst.start) : cutStart, tried ? source.indexOf('\n', innerLast.end) + 1 || source.length : cutEnd))
    .split('\n')
    .filter((l) => !(/^\s*\/\//.test(l) && /\bbefore\b|\bfirst\b|\bprior\b/i.test(l)))
    .join('\n');
  // The blank line that separated the moved lines from what follows goes with them when nothing precedes them.
  const opensBlock = /\{\s*$/.test(source.slice(0, cutStart).trimEnd().split('\n').pop() ?? '');
  if (opensBlock && /^[ \t]*\n/.test(source.slice(cutEnd))) cutEnd = source.indexOf('\n', cutEnd) + 1;
  if (found.inPromiseAll) {
    // await Promise.all([connectDB(), producer.connect()]): the rest keeps its place.
    const arr: Node = first.expression.argument.arguments[0];
    const rest = arr.elements.filter((e: Node) => e !== found.inPromiseAll);
    const restText = rest.map((e: Node) => source.slice(e.start, e.end));
    const replacement = rest.length === 1 ? `await ${restText[0]}${s}` : `await Promise.all([${restText.join(', ')}])${s}`;
    edits.push({ start: first.start, end: first.end, text: replacement });
    movedText = `${indent}await ${source.slice(found.call.start, found.call.end)}${s}\n`;
  } else {
    edits.push({ start: cutStart, end: cutEnd, text: '' });
  }

  // The statements that need the connection leave their place too (with the comments above them).
  const thenLines: string[] = [];
  for (const st of then) {
    const start = lineStartWithComments(source, st.start);
    const end = source.indexOf('\n', st.end) + 1 || source.length;
    const own = indentOf(source, st.start);
    edits.push({ start, end, text: '' });
    thenLines.push(...source.slice(start, end).replace(/\n$/, '').split('\n').map((l) => (l.startsWith(own) ? l.slice(own.length) : l.trimStart())));
  }

  // 2. After the server listens (and the lines that set it up), connect in the background with capped backoff.
  let after = index;
  const serverVar = listenTarget(listen.node);
  while (serverVar && after + 1 < block.length && new RegExp(`^${serverVar}\\.`).test(source.slice(block[after + 1].start, block[after + 1].end))) after++;
  const anchor = block[after];
  const body = movedText
    .split('\n')
    .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()))
    .filter((l, n, all) => n < all.length - 1 || l !== '');
  const replaced = tried ? `; the catch that exited on the first failure${tried.catchLine ? ` (line ${tried.catchLine})` : ''} is replaced by the retries` : '';
  const thenNote = then.length ? `; what start-up did with ${found.store.label} before listening (line${then.length > 1 ? 's' : ''} ${then.map((st) => st.loc?.start.line).join(', ')}) runs once it is connected, in the same order` : '';
  edits.push(...connectInBackground({ j, root, source, style, isTs, store: found.store, body, then: thenLines, listenIndent: indentOf(source, (listen.node as Node).start), anchorEnd: anchor.end, note, options, file, noteLine: innerFirst.loc?.start.line, replaced: replaced + thenNote }));
  return splice(source, edits);
}

/**
 * After `anchorEnd` (the listen, and the lines that set up its server), the loop that connects the
 * datastore in the background with capped backoff, running `body` (the connect and its log lines,
 * unindented) until it succeeds; the readiness flag where the file has a readiness route; the
 * verify line and ECS320. The edits to add, for the caller to splice with its own.
 */
function connectInBackground(args: {
  j: JSCodeshift;
  root: Collection;
  source: string;
  style: FileStyle;
  isTs: boolean;
  store: Datastore;
  body: string[];
  /**
   * What needs the connection (unindented lines): it runs once, after the retry loop has connected, so a
   * failing seed or migration rejects (and crashes the process) as it did at start-up, and is not retried.
   */
  then: string[];
  listenIndent: string;
  anchorEnd: number;
  note: (n: CodemodNote) => void;
  options: CodemodOptions;
  file: FileInfo;
  noteLine: number | undefined;
  /** What ECS320 adds about the exit the retries replace. */
  replaced: string;
}): Edit[] {
  const { j, root, source, style, isTs, store, listenIndent, note, options, file } = args;
  const edits: Edit[] = [];
  const s = style.semi;
  const i = style.indent;
  const label = store.label;
  const logger = fileLogger(j, root, source);
  const body = args.body.map((l) => (l ? `${i}${i}${i}${l}` : l));
  const health = healthPath(j, root, options, file);
  const readiness = readinessRoute(j, root, source, style, options, file, store, health);
  const errorVar = 'error';
  const retryLog = logCall(logger, 'error', `${label} connection failed, retrying`, style, errorVar).replace(/\{ error: /, '{ attempt, delayMs, error: ');
  const background = [
    `// Listen first, so ${health ?? 'the health check'} answers while ${label} connects: it connects in the background,`,
    `// retrying with capped backoff, and a slow database no longer stops the service from starting.`,
    `void (async () => {`,
    `${i}for (let attempt = 1; ; attempt++) {`,
    `${i}${i}try {`,
    ...body,
    ...(readiness.flag && !args.then.length ? [`${i}${i}${i}${readiness.flag} = true${s}`] : []),
    `${i}${i}${i}${args.then.length ? 'break' : 'return'}${s}`,
    `${i}${i}} catch (${errorVar}) {`,
    `${i}${i}${i}const delayMs = Math.min(30000, 1000 * 2 ** (attempt - 1))${s}`,
    `${i}${i}${i}${logger.name === 'console' ? `console.error(${style.quote}${label} connection failed, retrying${style.quote}, { attempt, delayMs }, ${errorVar})` : retryLog}${s}`,
    `${i}${i}${i}await new Promise((resolve) => setTimeout(resolve, delayMs))${s}`,
    `${i}${i}}`,
    `${i}}`,
    ...args.then.map((l) => (l ? `${i}${l}` : l)),
    ...(readiness.flag && args.then.length ? [`${i}${readiness.flag} = true${s}`] : []),
    `})()${s}`,
  ]
    .map((l) => (l ? listenIndent + l : l))
    .join('\n');
  edits.push({ start: args.anchorEnd, end: args.anchorEnd, text: `\n\n${background}` });
  edits.push(...readiness.edits);
  if (readiness.flag) {
    const at = afterImports(j, root);
    edits.push({ start: at, end: at, text: `${at ? '\n\n' : ''}/** Whether ${label} is connected: /ready reports not-ready until it is. */\nlet ${readiness.flag}${isTs ? ': boolean' : ''} = false${s}${at ? '' : '\n\n'}` });
  }
  for (const n of readiness.notes) note(n);
  // An ORM (TypeORM, Prisma, Sequelize) is not the database: name what it connects to.
  const database = /^(?:MongoDB|Postgres|Redis)$/.test(label) ? label : `the database ${label} connects to`;
  options.verify?.(`start the service with ${database} down: it listens and keeps running, ${health ? `${health} answers 200` : 'its health check passes'}${readiness.flag && readiness.path ? `, and ${readiness.path} answers 503 until ${label} is connected` : ''}`);
  note({
    severity: 'warning',
    code: 'ECS320',
    line: args.noteLine,
    message: `start-up awaited ${label} before listening, so a slow database kept the service from starting; it now listens first and connects ${label} in the background with retries (capped at 30 s)${args.replaced}`,
  });
  return edits;
}

/**
 * The liveness route the load balancer probes: the one the repo model established for the service
 * (mount prefixes included: `/api/healthz`), else a health-named route of this file; null when neither.
 */
function healthPath(j: JSCodeshift, root: Collection, options: CodemodOptions, file: FileInfo): string | null {
  if (options.repo) return servicesReading(options.repo, file.path)[0]?.healthRoute?.path ?? null;
  let path: string | null = null;
  typedNodes(j, root, 'CallExpression').filter((n: Node) => n.callee?.property?.name === 'get').forEach((n: Node) => {
    const arg: Node = n.arguments[0];
    if (!path && arg?.type === 'StringLiteral' && /^\/(?:[\w-]+\/)*(?:health|healthz|healthcheck|livez|ping)\/?$/.test(arg.value)) path = arg.value;
  });
  return path;
}

/** `server` in `server = app.listen(...)` / `const server = app.listen(...)`. */
function listenTarget(stmt: Node): string | null {
  if (stmt.type === 'VariableDeclaration') return stmt.declarations[0]?.id?.name ?? null;
  if (stmt.type === 'ExpressionStatement' && stmt.expression.type === 'AssignmentExpression') return calleeText(stmt.expression.left) || null;
  return null;
}

/**
 * The readiness route must say not-ready until the datastore is up: a handler written here gets a
 * flag check; one imported from a workspace package must look at Mongo itself.
 */
function readinessRoute(j: JSCodeshift, root: Collection, source: string, style: FileStyle, options: CodemodOptions, file: FileInfo, store: Datastore, health: string | null): { flag: string | null; path: string | null; edits: Edit[]; notes: CodemodNote[] } {
  const result: { flag: string | null; path: string | null; edits: Edit[]; notes: CodemodNote[] } = { flag: null, path: null, edits: [], notes: [] };
  let route: Node | null = null;
  typedNodes(j, root, 'CallExpression').filter((n: Node) => n.callee?.property?.name === 'get').forEach((n: Node) => {
    const path: Node = n.arguments[0];
    if (!route && path?.type === 'StringLiteral' && /^\/(?:[\w-]+\/)*(?:ready|readiness|readyz)\/?$/.test(path.value)) route = n;
  });
  if (!route) {
    result.notes.push({ severity: 'info', code: 'ECS320', message: `no readiness route in this file: ${health ?? 'the health check'} answers while ${store.label} connects; add a /ready that reports it if the load balancer should wait` });
    return result;
  }
  const r: Node = route;
  result.path = r.arguments[0].value;
  const handler: Node = r.arguments[r.arguments.length - 1];
  const line = r.loc?.start.line;
  if (handler?.type === 'Identifier') {
    const apis: Record<string, ModuleApi> = options.repo ? (options.repo.moduleApis ?? {}) : workspaceApis(file.path, j);
    const from = importSource(j, root, handler.name);
    const pkg = from ? Object.keys(apis).find((p) => from === p || from.startsWith(p + '/')) : undefined;
    const aware = pkg && apis[pkg]?.mongoAware?.includes(handler.name);
    if (aware && store.mongo) return result;
    result.notes.push({ severity: 'warning', code: 'ECS322', line, message: `the readiness route's handler ${handler.name} is not shown to check ${store.label}; make it report not-ready until ${store.label} is connected` });
    return result;
  }
  if (!/Function/.test(handler?.type ?? '') || handler.params.length < 2 || handler.params[1].type !== 'Identifier' || handler.body.type !== 'BlockStatement') {
    result.notes.push({ severity: 'warning', code: 'ECS322', line, message: `ecsfix cannot add a ${store.label} check to this readiness handler; make it report not-ready until ${store.label} is connected` });
    return result;
  }
  // The reply API differs: Express `res.status(503).json(...)`, Fastify `return reply.code(503).send(...)`.
  const receiver = r.callee.object;
  const framework = receiver?.type === 'Identifier' && fastifyInstances(j, root).has(receiver.name) ? 'fastify' : usesModule(j, root, 'express') ? 'express' : null;
  if (!framework) {
    result.notes.push({ severity: 'warning', code: 'ECS322', line, message: `ecsfix cannot tell which framework serves this readiness route, so it adds no ${store.label} check; make it report not-ready until ${store.label} is connected` });
    return result;
  }
  const res = handler.params[1].name;
  const flag = store.mongo ? 'mongoReady' : `${store.label.toLowerCase()}Ready`;
  const inner = indentOf(source, handler.body.body[0]?.start ?? handler.body.start) || style.indent;
  const q = style.quote;
  const body = `{ status: ${q}not_ready${q}, ${store.mongo ? 'mongo' : store.label.toLowerCase()}: ${q}connecting${q} }`;
  const answer = framework === 'fastify' ? [`return ${res}.code(503).send(${body})${style.semi}`] : [`${res}.status(503).json(${body})${style.semi}`, `return${style.semi}`];
  result.flag = flag;
  result.edits.push({
    start: handler.body.start + 1,
    end: handler.body.start + 1,
    text: `\n${inner}if (!${flag}) {\n${answer.map((l) => `${inner}${style.indent}${l}`).join('\n')}\n${inner}}`,
  });
  return result;
}

/** Whether the file imports or requires a package (`import express from 'express'`, `require('express')`). */
function usesModule(j: JSCodeshift, root: Collection, name: string): boolean {
  return (
    typedNodes(j, root, 'ImportDeclaration').some((n: Node) => n.source.value === name) ||
    typedNodes(j, root, 'CallExpression').some((n: Node) => n.callee?.name === 'require' && n.arguments[0]?.value === name)
  );
}

function importSource(j: JSCodeshift, root: Collection, name: string): string | null {
  let from: string | null = null;
  typedNodes(j, root, 'ImportDeclaration').forEach((n: Node) => {
    if (n.specifiers?.some((s: Node) => s.local?.name === name)) from = String(n.source.value);
  });
  return from;
}
