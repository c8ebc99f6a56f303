/**
 * The JS/TS facts the model reads from the syntax tree (src/source): served routes vs HTTP-client
 * calls, the listen port expression and its env var, consumers, datastores, start-up order.
 */
import { describe, expect, it } from 'vitest';
import { extractJsFacts } from '../src/source/facts.js';
import { mayMatter, sourceFacts } from '../src/source/index.js';
import { modelOf } from './helpers/repo.js';

const facts = (code: string, path = 'src/index.ts') => extractJsFacts(path, code);

describe('routes', () => {
  it('an axios client call is not a served route; an app or router route is', () => {
    const code = [
      "import axios from 'axios';",
      "import express from 'express';",
      "const apiClient = axios.create({ baseURL: '/api' });",
      "export const ping = () => apiClient.get('/x/health');",
      'const app = express();',
      "app.get('/health', (_req, res) => res.send('ok'));",
    ].join('\n');
    expect(facts(code).routes.map((r) => r.path)).toEqual(['/health']);
  });

  it('a plugin parameter and a router from a shared factory serve routes', () => {
    const plugin = "export default async function health(fastify) {\n  fastify.get('/healthz', async () => ({ ok: true }));\n}\n";
    expect(facts(plugin).routes.map((r) => r.path)).toEqual(['/healthz']);
    const shared = "import { createRouter } from '@acme/http';\nconst router = createRouter();\nrouter.get('/status', (q, r) => r.json({}));\nexport default router;\n";
    expect(facts(shared)).toMatchObject({ routers: { router: '' }, exportedRouters: ['router'] });
    expect(facts(shared).routes.map((r) => r.path)).toEqual(['/status']);
  });

  it("Fastify's canonical require('fastify')({ logger: true }) instance serves routes (review D6)", () => {
    const catalog = [
      "'use strict';",
      "const fastify = require('fastify')({ logger: true });",
      '',
      "fastify.get('/health', async () => ({ status: 'ok' }));",
      "fastify.get('/products', async () => []);",
      '',
      'const start = async () => {',
      "  await fastify.listen({ port: process.env.SERVICE_PORT || 4004, host: '0.0.0.0' });",
      '};',
      'start();',
    ].join('\n');
    expect(facts(catalog, 'src/server.js')).toMatchObject({ apps: ['fastify'] });
    expect(facts(catalog, 'src/server.js').routes.map((r) => r.path)).toEqual(['/health', '/products']);
    expect(facts("const app = require('express')();\napp.get('/healthz', (q, r) => r.end());\n").routes.map((r) => r.path)).toEqual(['/healthz']);
    // A required module that is not an app factory, called at once, is still not a server.
    expect(facts("const client = require('axios')({ baseURL: '/x' });\nclient.get('/health');\n").routes).toEqual([]);
    const model = modelOf(
      new Map(
        Object.entries({
          'catalog/package.json': '{"name":"catalog","main":"src/server.js"}',
          'catalog/Dockerfile': 'FROM node:20-alpine\nEXPOSE 4004\nCMD ["node", "src/server.js"]\n',
          'catalog/src/server.js': catalog,
        }),
      ),
    );
    expect(model.services[0]?.healthRoute).toMatchObject({ path: '/health', file: 'catalog/src/server.js', line: 4 });
  });

  it('NestJS controllers keep their own prefix, one per class', () => {
    const code = "@Controller('health')\nexport class H {\n  @Get()\n  check() {}\n}\n@Controller('orders')\nexport class O {\n  @Get('live')\n  l() {}\n}\n";
    expect(facts(code).routes.map((r) => r.path)).toEqual(['/health', '/orders/live']);
  });

  it('this.<member> routers and apps are what the constructor or a field initializer assigns (review6 R2)', () => {
    const klass = (body: string, field = '') =>
      facts(["const Koa = require('koa');", "const Router = require('@koa/router');", 'class App {', field, '  constructor(opts) {', body, '  }', '  stop() { this.koa = null; }', '}'].join('\n'), 'src/app.js');
    // Assigned once in the constructor: a router with its prefix; the app stays an app though stop() nulls it.
    const once = klass("this.koa = new Koa();\nthis.router = new Router({ prefix: '/api' });\nthis.koa.use(this.router.routes());");
    expect(once).toMatchObject({ routers: { 'this.router': '/api' }, apps: ['this.koa'], unsettled: {} });
    expect(once.mounts).toMatchObject([{ ident: 'this.router', on: 'this.koa', prefix: '' }]);
    // A class field initializer, and an alias of a module-level router.
    expect(klass('', "  router = new Router({ prefix: '/v2' });").routers).toEqual({ 'this.router': '/v2' });
    expect(facts("const Router = require('@koa/router');\nconst r = new Router({ prefix: '/x' });\nclass A { constructor() { this.router = r; } }\n", 'a.js').routers).toEqual({ r: '/x', 'this.router': '/x' });
    // Conditionally, twice, in another method, or a prefix that is not a literal: not established.
    expect(klass("if (opts.v) this.router = new Router({ prefix: '/api' });").unsettled).toHaveProperty(['this.router']);
    expect(klass("this.router = new Router();\nthis.router = new Router({ prefix: '/api' });").unsettled).toHaveProperty(['this.router']);
    expect(klass('this.router = new Router({ prefix: opts.prefix });').unsettled).toHaveProperty(['this.router']);
    expect(facts("const Router = require('@koa/router');\nclass A { init() { this.router = new Router({ prefix: '/api' }); } }\n", 'a.js').unsettled).toHaveProperty(['this.router']);
    // An HTTP client member assigned outside the constructor is no server: its calls are not routes.
    expect(facts("import axios from 'axios';\nclass C { init() { this.client = axios.create(); } ping() { return this.client.get('/health', {}); } }\n").routes).toEqual([]);
  });

  it("koa-router's router.prefix(): once, unconditionally, on a router without a prefix, it is the prefix (review6 R2)", () => {
    const koa = (lines: string[]) => facts(["const Router = require('koa-router');", ...lines].join('\n'), 'r.js');
    expect(koa(['const router = new Router();', "router.get('/health', h);", "router.prefix('/v1');"])).toMatchObject({ routers: { router: '/v1' }, unsettled: {} });
    // Over a constructor prefix the result depends on the order of the calls; conditional or twice: not established.
    expect(koa(["const router = new Router({ prefix: '/a' });", "router.prefix('/b');"]).unsettled).toHaveProperty('router');
    expect(koa(['const router = new Router();', "if (v) router.prefix('/b');"]).unsettled).toHaveProperty('router');
    expect(koa(['const router = new Router();', "router.prefix('/a');", "router.prefix('/b');"]).unsettled).toHaveProperty('router');
  });

  it("Hono's basePath: the app's routes are under it", () => {
    const hono = facts("import { Hono } from 'hono';\nconst app = new Hono().basePath('/api').basePath('v1');\napp.get('/health', (c) => c.text('ok'));\n");
    expect(hono.routers).toEqual({ app: 'api/v1' });
    expect(hono.routes).toMatchObject([{ path: '/health', receiver: 'app' }]);
  });

  it('the model takes its health route from the parse: a frontend client call gives none', () => {
    const model = modelOf(
      new Map(
        Object.entries({
          'web/package.json': '{"name":"web"}',
          'web/Dockerfile': 'FROM node:20-alpine\nEXPOSE 3000\nCMD ["node", "dist/server.js"]\n',
          'web/src/server.ts': "import express from 'express';\nimport axios from 'axios';\nconst api = axios.create();\nconst app = express();\nexport const probe = () => api.get('/orders/health', {});\napp.listen(3000);\n",
        }),
      ),
    );
    expect(model.services[0]?.healthRoute).toBeNull();
  });

  /** The health route the model picks for one service made of `files` (under svc/). */
  const serviceOf = (files: Record<string, string>) =>
    modelOf(
      new Map(
        Object.entries({
          'svc/package.json': '{"name":"svc","main":"src/index.js"}',
          'svc/Dockerfile': 'FROM node:20-alpine\nEXPOSE 3000\nCMD ["node", "src/index.js"]\n',
          ...Object.fromEntries(Object.entries(files).map(([k, v]) => [`svc/${k}`, v])),
        }),
      ),
    ).services[0];
  const healthOf = (files: Record<string, string>) => serviceOf(files)?.healthRoute ?? null;

  it("a mounted app is served under its mount: Hono's route() and basePath, an Express sub-app; an exported app nobody mounts stays at / (review6 R3)", () => {
    const hono = "import { Hono } from 'hono';\nconst app = new Hono();\nconst health = new Hono();\nhealth.get('/live', (c) => c.text('ok'));\napp.route('/health', health);\n";
    expect(facts(hono).routes.map((r) => r.path)).toEqual(['/live']);
    expect(healthOf({ 'src/index.js': hono })).toMatchObject({ path: '/health/live' });
    const based = "import { Hono } from 'hono';\nconst app = new Hono().basePath('/api');\napp.get('/health', (c) => c.text('ok'));\n";
    expect(healthOf({ 'src/index.js': based })).toMatchObject({ path: '/api/health' });
    const express = "const express = require('express');\nconst app = express();\nconst admin = express();\nadmin.get('/health', (q, r) => r.end());\napp.use('/admin', admin);\napp.listen(3000);\n";
    expect(healthOf({ 'src/index.js': express })).toMatchObject({ path: '/admin/health' });
    const app = "const express = require('express');\nconst app = express();\napp.get('/health', (q, r) => r.end());\nmodule.exports = app;\n";
    const server = "const app = require('./app');\nconst api = require('./api');\napp.use('/api', api);\napp.listen(3000);\n";
    expect(healthOf({ 'src/app.js': app, 'src/index.js': server, 'src/api.js': "module.exports = require('express').Router();\n" })).toMatchObject({ path: '/health' });
  });

  it('@koa/router prefix() and koa-mount put a router under a prefix; a prefix() that is not a lone literal leaves the URL unestablished (review6 R18)', () => {
    const head = "const Koa = require('koa');\nconst Router = require('@koa/router');\nconst app = new Koa();\n";
    expect(facts(`${head}const router = new Router();\nrouter.prefix('/api/v1');\n`).routers).toEqual({ router: '/api/v1' });
    const twice = `${head}const router = new Router({ prefix: '/a' });\nrouter.get('/health', (ctx) => {});\nrouter.prefix('/b');\napp.use(router.routes());\n`;
    expect(healthOf({ 'src/index.js': twice })).toBeNull();
    expect(serviceOf({ 'src/index.js': twice })?.unresolvedHealthRoutes).toMatchObject([{ path: '/health', unresolvedMount: { line: 6 } }]);
    const mounted = `${head}const mount = require('koa-mount');\nconst sub = new Koa();\nconst router = new Router();\nrouter.get('/health', (ctx) => {});\nsub.use(router.routes());\napp.use(mount('/api', sub));\n`;
    expect(healthOf({ 'src/index.js': mounted })).toMatchObject({ path: '/api/health' });
  });
});

describe('listen', () => {
  it('the port expression: env var and default, through a constant, a config object, a literal', () => {
    expect(facts('const PORT = process.env.SERVICE_PORT || 4004;\napp.listen(PORT);\n').listen).toMatchObject([{ port: 4004, envVar: 'SERVICE_PORT', expression: 'PORT', line: 2 }]);
    expect(facts("const config = { port: Number(process.env.HTTP_PORT ?? '8080') };\nserver.listen(config.port);\n").listen).toMatchObject([{ port: 8080, envVar: 'HTTP_PORT' }]);
    expect(facts('app.listen(3500);\n').listen).toMatchObject([{ port: 3500, envVar: null }]);
    expect(facts("await fastify.listen({ port: Number(process.env.PORT) || 3000, host: '0.0.0.0' });\n").listen).toMatchObject([{ port: 3000, envVar: 'PORT' }]);
    expect(facts("const PORT = getServicePortSync(SERVICE_NAME, 'STUDENT_AUTH_SERVICE_PORT', 3001);\napp.listen(PORT);\n").listen).toMatchObject([{ port: 3001, envVar: 'STUDENT_AUTH_SERVICE_PORT' }]);
  });

  it('this.<field>: the constructor assignment or the field initializer, once and unconditionally (review9 R7)', () => {
    const klass = (members: string, ctor: string, extra = '') =>
      facts(["import express from 'express';", 'export class App {', members, '  constructor(port?: number) {', '    this.app = express();', ctor, '  }', '  async start() {', '    this.server = this.app.listen(this.port, () => {});', '  }', extra, '}'].join('\n'), 'src/app.ts').listen;
    expect(klass('  private readonly port: number;', '    this.port = Number(process.env.API_PORT) || 3000;')).toMatchObject([{ port: 3000, envVar: 'API_PORT', expression: 'this.port' }]);
    expect(klass('  private readonly port = Number(process.env.API_PORT) || 3000;', '')).toMatchObject([{ port: 3000, envVar: 'API_PORT' }]);
    // Assigned again in a method, conditionally, or from a parameter: not established.
    expect(klass('', '    this.port = Number(process.env.API_PORT) || 3000;', '  use(p: number) { this.port = p; }')).toMatchObject([{ port: null, envVar: null, fromConfig: true }]);
    expect(klass('', '    if (process.env.API_PORT) this.port = Number(process.env.API_PORT);')).toMatchObject([{ port: null, envVar: null, fromConfig: true }]);
    expect(klass('', '    this.port = port;')).toMatchObject([{ port: null, envVar: null, fromConfig: true }]);
  });

  it('the model exposes the listen facts of a service that reads SERVICE_PORT', () => {
    const model = modelOf(
      new Map(
        Object.entries({
          'api/package.json': '{"name":"api"}',
          'api/Dockerfile': 'FROM node:20-alpine\nCMD ["node", "dist/index.js"]\n',
          'api/src/index.ts': "import express from 'express';\nconst app = express();\napp.listen(process.env.SERVICE_PORT || 4004);\n",
        }),
      ),
    );
    expect(model.services[0]?.listen).toMatchObject([{ file: 'api/src/index.ts', line: 3, port: 4004, envVar: 'SERVICE_PORT' }]);
  });

  it('start-up order: the Mongo await before listen is marked', () => {
    const code = "async function start() {\n  await getMongoConnection();\n  await producer.connect();\n  app.listen(3005);\n  await warmCache();\n}\n";
    expect(facts(code).startup).toEqual([
      { call: 'getMongoConnection', line: 2, datastore: 'mongo', beforeListen: true },
      { call: 'producer.connect', line: 3, datastore: null, beforeListen: true },
      { call: 'warmCache', line: 5, datastore: null, beforeListen: false },
    ]);
  });
});

describe('@hono/node-server serve (review6 R17)', () => {
  const head = "import { Hono } from 'hono';\nimport { serve } from '@hono/node-server';\nconst app = new Hono();\n";
  it("serve(app) and serve({ fetch }) listen on the adapter's 3000 and read no variable; a port option is followed", () => {
    for (const call of ['serve(app);', 'serve({ fetch: app.fetch }, (info) => {});']) {
      const f = facts(head + call);
      expect(f.listen, call).toMatchObject([{ receiver: 'serve', port: 3000, envVar: null, expression: null }]);
      expect(f.ports, call).toMatchObject([{ port: 3000, what: 'serve default port', envVar: null }]);
    }
    expect(facts(`${head}serve({ fetch: app.fetch, port: Number(process.env.PORT) || 8080 });`).listen).toMatchObject([{ port: 8080, envVar: 'PORT' }]);
    expect(facts(`${head}const opts = { port: 0 };\nserve({ fetch: app.fetch, ...opts });`).listen).toMatchObject([{ port: null, envVar: null, fromConfig: true }]);
    // Another library's serve is not this adapter.
    expect(facts("import { serve } from 'other';\nserve(app);").listen).toEqual([]);
  });
});

describe('consumers, datastores, env reads', () => {
  it('kafkajs, a workspace wrapper, BullMQ, amqplib and a Redis-streams loop', () => {
    const code = [
      "const consumer = kafka.consumer({ groupId: 'g' });",
      "const wrapped = createKafkaConsumer({ groupId: 'g' });",
      "const worker = new Worker('emails', async (job) => {}, { connection });",
      "channel.consume('q', (msg) => {});",
      "while (running) { const res = await redis.xreadgroup('GROUP', 'g', 'c', 'STREAMS', 's', '>'); }",
    ].join('\n');
    expect(facts(code, 'src/worker.js').consumers.map((c) => [c.kind, c.variable])).toEqual([
      ['kafkajs', 'consumer'],
      ['kafka-wrapper', 'wrapped'],
      ['bullmq', 'worker'],
      ['amqplib', 'channel'],
      ['redis-stream', null],
    ]);
  });

  it('a Bull queue is a consumer only when the file processes it (review6 R5): new Queue / Queue() / new Bull, require or import; add() alone is a producer', () => {
    const worker = [
      "const Queue = require('bull');",
      "const emailQueue = new Queue('email', redisUrl);",
      "const reportQueue = Queue('reports', redisUrl);",
      "const audit = new Queue('audit', redisUrl);",
      'emailQueue.process(5, async (job) => {});',
      "reportQueue.process('monthly', async (job) => ({ ok: true }));",
      "audit.add({ action: 'sent' });",
    ].join('\n');
    const f = facts(worker, 'src/worker.js');
    expect(f.consumesQueue).toBe(true);
    expect(f.consumers.map((c) => [c.kind, c.variable, c.line])).toEqual([
      ['bull', 'emailQueue', 2],
      ['bull', 'reportQueue', 3],
    ]);
    const esm = facts("import Bull from 'bull';\nasync function main() {\n  const q = new Bull<Job>('thumbs', url);\n  q.process(async (job) => {});\n}\n", 'src/index.ts');
    expect(esm.consumers.map((c) => [c.kind, c.variable])).toEqual([['bull', 'q']]);
    const producer = facts("const Queue = require('bull');\nconst emailQueue = new Queue('email', redisUrl);\nrouter.post('/signup', async (req, res) => { await emailQueue.add(req.body); });\n", 'src/signup.js');
    expect(producer.consumesQueue).toBe(false);
    expect(producer.consumers).toEqual([]);
    // `.process(...)` on something that is not a Bull queue of this file.
    expect(facts("import { Queue } from 'bullmq';\nconst q = new Queue('x');\nimage.process(fn);\n").consumesQueue).toBe(false);
  });

  it('core NATS and Redis pub/sub subscribers (review6 R6); an RxJS or event-bus subscribe is none', () => {
    const code = [
      "import Redis from 'ioredis';",
      "import { connect } from 'nats';",
      'const sub = new Redis(process.env.REDIS_URL).duplicate();',
      "await sub.subscribe('presence:updates');",
      "sub.on('message', async (channel, message) => {});",
      "const nc = await connect({ servers: 'nats://nats:4222' });",
      "const subscription = nc.subscribe('user.*.heartbeat', { queue: 'presence' });",
    ].join('\n');
    expect(facts(code, 'src/index.js').consumers.map((c) => [c.kind, c.variable, c.line])).toEqual([
      ['redis-pubsub', null, 4],
      ['nats', 'subscription', 7],
    ]);
    // node-redis 4: the listener is subscribe's second argument; `import * as nats` then nats.connect.
    const v4 = facts("import { createClient } from 'redis';\nconst sub = createClient().duplicate();\nawait sub.subscribe('orders', (message) => {});\n");
    expect(v4.consumers.map((c) => c.kind)).toEqual(['redis-pubsub']);
    expect(facts("import * as nats from 'nats';\nconst nc = await nats.connect();\nnc.subscribe('a.b', { callback: (err, m) => {} });\n").consumers.map((c) => c.kind)).toEqual(['nats']);
    // Not subscribers: an RxJS subscribe, an event bus, a Redis client that publishes only.
    const none = facts("import Redis from 'ioredis';\nconst pub = new Redis();\nevents$.subscribe((e) => pub.publish('ch', e));\nbus.subscribe('user.created', onUser);\nstore.subscribe(render);\n");
    expect(none.consumesQueue).toBe(false);
    expect(none.consumers).toEqual([]);
  });

  it('datastores and env reads', () => {
    const f = facts("import { MongoClient } from 'mongodb';\nconst { DB_NAME } = process.env;\nconst c = new MongoClient(process.env.MONGO_URI!);\nawait mongoose.connect(process.env['MONGO_URL']);\n");
    expect(f.datastores.map((d) => d.kind)).toEqual(['mongo', 'mongoose']);
    expect(f.envReads.map((e) => e.name)).toEqual(['DB_NAME', 'MONGO_URI', 'MONGO_URL']);
  });
});

describe('parse once, only when it can matter', () => {
  it('a file without a relevant token is not parsed', () => {
    expect(mayMatter('export const add = (a: number, b: number) => a + b;\n')).toBe(false);
    expect(facts('export const add = (a: number, b: number) => a + b;\n const x = {;').syntaxError).toBeNull();
  });

  it('the same path and text give the same (cached) facts object', () => {
    const code = 'app.listen(3000);\n';
    expect(sourceFacts('a/index.ts', code)).toBe(sourceFacts('a/index.ts', code));
    expect(sourceFacts('a/index.ts', code + '\n')).not.toBe(sourceFacts('a/index.ts', code));
  });

  it('a syntax error is reported with its line', () => {
    expect(facts("import express from 'express';\napp.listen(3000;\n").syntaxError).toMatchObject({ line: 2 });
  });
});

describe('which app a listen call starts, and the auth in front of routes (review10 R29/R30)', () => {
  it('names the app of app.listen, of a server made from it, of new http.Server(app), and of an imported app', () => {
    const f = facts(`
      import express from 'express';
      import http from 'http';
      import api from './api';
      const admin = express();
      const metrics = express();
      const server = http.createServer(admin);
      server.listen(9091);
      new http.Server(metrics).listen(9464);
      api.listen(process.env.PORT || 3000);
      const io = require('socket.io')();
      io.listen(3001);
    `);
    expect(f.listen.map((l) => l.app)).toEqual(['admin', 'metrics', 'api', null]);
  });

  it('reads authenticating middleware, its prefix and exemptions, and leaves unclear middleware alone', () => {
    const f = facts(`
      const express = require('express');
      const passport = require('passport');
      const { expressjwt } = require('express-jwt');
      const app = express();
      app.use(express.json());
      app.use(passport.initialize());
      app.use(rateLimiter);
      app.use('/api', requireAuth);
      app.use(expressjwt({ secret: 's' }).unless({ path: ['/health', /^\\/public/] }));
      app.use(expressjwt({ secret: 's' }).unless({ path: paths }));
      app.use(passport.authenticate('jwt', { session: false }));
      app.use(bearerToken());
      app.use(expressjwt({ secret: 's', credentialsRequired: false }));
    `);
    expect(f.authGates.map((g) => [g.what, g.prefix, g.unless === undefined ? 'none' : g.unless])).toEqual([
      ['requireAuth', '/api', 'none'],
      ['expressjwt', '', ['/health', '/^\\/public/']],
      ['expressjwt', '', null],
      ['passport.authenticate', '', 'none'],
    ]);
  });
});
