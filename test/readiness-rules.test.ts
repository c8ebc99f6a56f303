/**
 * The readiness rules (ECS4xx) one by one, on small in-memory repos in the shapes real repos have:
 * each case asserts the code, service, file and line, and a near miss that must stay silent.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/findings/finding.js';
import { buildCheckReport } from '../src/check/report.js';
import { satisfiesMajor } from '../src/check/node-range.js';
import { join } from 'node:path';
import { applyPlan, planTree, readTree, type Tree } from './helpers/repo.js';
import { FIXTURES } from './helpers/tmp.js';
import { ecsOf } from './helpers/ecs.js';
import { TRANSFORMS } from '../transforms/index.js';

const PKG = (extra: Record<string, unknown> = {}) => JSON.stringify({ name: 'svc', version: '1.0.0', main: 'dist/index.js', dependencies: { express: '^4' }, ...extra }, null, 2) + '\n';
const HTTP_SRC = "import express from 'express';\nconst app = express();\napp.get('/health', (_req, res) => res.send('ok'));\napp.listen(Number(process.env.PORT) || 3000);\n";
const COMPOSE = 'services:\n  svc:\n    build: ./svc\n    ports:\n      - "3000:3000"\n';

function readiness(files: Record<string, string>): Finding[] {
  const tree: Tree = new Map(Object.entries(files));
  const { repo, plan } = planTree(tree, []);
  return buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, []).findings.filter((f) => f.code.startsWith('ECS4'));
}

const at = (findings: Finding[], code: string) => findings.filter((f) => f.code === code).map((f) => ({ service: f.service, file: f.file, line: f.line, severity: f.severity }));

function repoWith(dockerfile: string, extra: Record<string, string> = {}) {
  return { 'docker-compose.yml': COMPOSE, 'svc/package.json': PKG(), 'svc/src/index.ts': HTTP_SRC, 'svc/Dockerfile': dockerfile, ...extra };
}

describe('ECS401 exits at start when a dependency is missing', () => {
  it('follows a class-based start-up and a required variable; not an exit in a signal handler', () => {
    const worker = [
      "import { Kafka } from 'kafkajs';",
      'class Worker {',
      '  async start() {',
      "    const brokers = process.env.KAFKA_BROKERS;",
      "    if (!brokers) throw new Error('KAFKA_BROKERS is required');",
      "    const kafka = new Kafka({ brokers: brokers.split(',') });",
      "    this.consumer = kafka.consumer({ groupId: 'g' });",
      '    await this.consumer.connect();',
      '  }',
      '}',
      "process.on('SIGTERM', () => process.exit(1));",
      'new Worker().start().catch((err) => {',
      '  console.error(err);',
      '  process.exit(2);',
      '});',
      '',
    ].join('\n');
    const jobs = (cmd: string) =>
      readiness({
        'docker-compose.yml': 'services:\n  jobs:\n    build: ./jobs\n',
        'jobs/package.json': PKG({ name: 'jobs', dependencies: { kafkajs: '^2' } }),
        'jobs/src/index.ts': worker,
        'jobs/Dockerfile': `FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nUSER node\nCMD ${cmd}\n`,
      });
    const findings = jobs('["node", "dist/index.js"]');
    expect(at(findings, 'ECS401')).toEqual([{ service: 'jobs', file: 'jobs/src/index.ts', line: 14, severity: 'blocking' }]);
    expect(findings.find((f) => f.code === 'ECS401')?.message).toContain('KAFKA_BROKERS');
    expect(findings.find((f) => f.code === 'ECS401')?.message).not.toContain('pm2');
    // Under pm2 the exit does not crash the task: pm2 restarts the app inside it (the finding says pm2, not ECS).
    const underPm2 = jobs('["pm2-runtime", "dist/index.js"]');
    expect(at(underPm2, 'ECS401')).toEqual([{ service: 'jobs', file: 'jobs/src/index.ts', line: 14, severity: 'blocking' }]);
    expect(underPm2.find((f) => f.code === 'ECS401')?.message).toContain('pm2');
  });

  it('follows a required variable into a helper of a shared package', () => {
    const findings = readiness({
      'package.json': JSON.stringify({ name: 'mono', private: true, workspaces: ['packages/*', 'workers/*'] }) + '\n',
      'packages/config/package.json': JSON.stringify({ name: '@acme/config', version: '1.0.0', main: 'src/index.js' }) + '\n',
      'packages/config/src/index.js': "export function requireEnv(name) {\n  const value = process.env[name];\n  if (!value) throw new Error(`${name} is required`);\n  return value;\n}\n",
      'docker-compose.yml': 'services:\n  mailer:\n    build: ./workers/mailer\n',
      'workers/mailer/package.json': JSON.stringify({ name: 'mailer', version: '1.0.0', main: 'src/index.js', dependencies: { '@acme/config': 'workspace:*', bullmq: '^5' } }) + '\n',
      'workers/mailer/src/index.js': "import { requireEnv } from '@acme/config';\nimport { Worker } from 'bullmq';\n\nasync function main() {\n  const connection = { url: requireEnv('QUEUE_URL') };\n  new Worker('mail', async () => {}, { connection });\n}\n\nmain().catch(() => process.exit(1));\n",
      'workers/mailer/Dockerfile': 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nUSER node\nCMD ["node", "src/index.js"]\n',
    });
    expect(at(findings, 'ECS401')).toEqual([{ service: 'mailer', file: 'workers/mailer/src/index.js', line: 9, severity: 'blocking' }]);
    expect(findings.find((f) => f.code === 'ECS401')?.message).toContain('QUEUE_URL');
  });

  it('a worker that exits when its broker is down is blocking, as an HTTP service that exits before it listens (seed 001 B.4)', () => {
    const consumer = [
      "'use strict';",
      "const { Kafka } = require('kafkajs');",
      "const kafka = new Kafka({ clientId: 'w', brokers: (process.env.KAFKA_BROKERS || 'localhost:9092').split(',') });",
      "const consumer = kafka.consumer({ groupId: 'w' });",
      'const run = async () => {',
      '  await consumer.connect();',
      "  await consumer.run({ eachMessage: async () => {} });",
      '};',
      'run().catch((e) => {',
      '  console.error(e);',
      '  process.exit(1);',
      '});',
      '',
    ].join('\n');
    const worker = readiness({
      'docker-compose.yml': 'services:\n  worker:\n    build: ./worker\n',
      'worker/package.json': PKG({ name: 'worker', main: 'consumer.js', dependencies: { kafkajs: '^2' } }),
      'worker/consumer.js': consumer,
      'worker/Dockerfile': 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nUSER node\nCMD ["node", "consumer.js"]\n',
    });
    expect(at(worker, 'ECS401')).toEqual([{ service: 'worker', file: 'worker/consumer.js', line: 11, severity: 'blocking' }]);
    const server = HTTP_SRC.replace("app.listen(Number(process.env.PORT) || 3000);\n", '') + "import mongoose from 'mongoose';\nasync function main() {\n  await mongoose.connect(process.env.MONGO_URI);\n  app.listen(Number(process.env.PORT) || 3000);\n}\nmain().catch(() => process.exit(1));\n";
    expect(at(readiness(repoWith('FROM node:20-alpine\nUSER node\nCMD ["node", "dist/index.js"]\n', { 'svc/src/index.ts': server })), 'ECS401').map((f) => f.severity)).toEqual(['blocking']);
  });

  it('a promise chain on the connect call at module level: mongoose.connect(uri).then(listen).catch(exit) (review5 N10)', () => {
    const src = [
      "const express = require('express');",
      "const mongoose = require('mongoose');",
      '',
      'const app = express();',
      "app.get('/health', (req, res) => res.send('ok'));",
      '',
      'const PORT = process.env.PORT || 3600;',
      "const MONGO_URI = process.env.MONGO_URI || 'mongodb://localhost:27017/reviews';",
      '',
      'mongoose',
      '  .connect(MONGO_URI)',
      '  .then(() => {',
      "    console.log('mongo connected');",
      '    app.listen(PORT, () => console.log(`reviews on ${PORT}`));',
      '  })',
      '  .catch((err) => {',
      "    console.error('mongo connection failed', err);",
      '    process.exit(1);',
      '  });',
      '',
    ].join('\n');
    const findings = readiness(repoWith('FROM node:20-alpine\nUSER node\nCMD ["node", "dist/index.js"]\n', { 'svc/src/index.ts': src }));
    expect(at(findings, 'ECS401')).toEqual([{ service: 'svc', file: 'svc/src/index.ts', line: 18, severity: 'blocking' }]);
    expect(findings.find((f) => f.code === 'ECS401')?.message).toContain('MongoDB (line 10)');
    // A chain on something that is no dependency (a config loader) stays silent.
    expect(at(readiness(repoWith('FROM node:20-alpine\nCMD ["node", "dist/index.js"]\n', { 'svc/src/index.ts': src.replace('mongoose\n  .connect(MONGO_URI)', 'config\n  .load()') })), 'ECS401')).toEqual([]);
  });

  it('follows the start-up one relative import away: new App().start().catch(exit) in main.ts, class App in ./app (review9 R5)', () => {
    const main = [
      "import { App } from './app';",
      '',
      'const app = new App();',
      '',
      'app',
      '  .start()',
      '  .catch((err) => {',
      "    console.error('Failed to start API', err);",
      '    process.exit(1);',
      '  });',
      '',
      "process.on('SIGTERM', async () => {",
      '  await app.stop();',
      '  process.exit(0);',
      '});',
      '',
    ].join('\n');
    const app = [
      "import express, { Application } from 'express';",
      "import http from 'http';",
      "import healthRouter from './routes/health';",
      "import { redis } from './lib/redis';",
      "const { buildLogger } = require('@acme/logger');",
      '',
      "const logger = buildLogger('api');",
      '',
      'export class App {',
      '  public app: Application;',
      '  private server?: http.Server;',
      '  private readonly port: number;',
      '',
      '  constructor() {',
      '    this.app = express();',
      '    this.port = Number(process.env.API_PORT) || 3000;',
      "    this.app.use('/api/v1', healthRouter);",
      '  }',
      '',
      '  async start(): Promise<void> {',
      '    await redis.connect();',
      "    logger.info('redis connected');",
      '    this.server = this.app.listen(this.port, () => {',
      '      logger.info(`API listening on :${this.port}`);',
      '    });',
      '  }',
      '',
      '  async stop(): Promise<void> {',
      '    await new Promise((r) => this.server?.close(r));',
      '    await redis.quit();',
      '  }',
      '}',
      '',
    ].join('\n');
    const files = (appSrc: string, mainSrc = main) => ({
      'docker-compose.yml': COMPOSE,
      'svc/package.json': PKG({ main: 'dist/main.js', dependencies: { express: '^4', ioredis: '^5' } }),
      'svc/Dockerfile': 'FROM node:20-alpine\nUSER node\nCMD ["node", "dist/main.js"]\n',
      'svc/src/main.ts': mainSrc,
      'svc/src/app.ts': appSrc,
      'svc/src/lib/redis.ts': "import Redis from 'ioredis';\n\nexport const redis = new Redis(process.env.REDIS_URL || 'redis://localhost:6379', {\n  lazyConnect: true,\n});\n",
      'svc/src/routes/health.ts': "import { Router } from 'express';\nconst router = Router();\nrouter.get('/health', (_req, res) => res.json({ status: 'ok' }));\nexport default router;\n",
    });
    const findings = readiness(files(app));
    expect(at(findings, 'ECS401')).toEqual([{ service: 'svc', file: 'svc/src/main.ts', line: 9, severity: 'blocking' }]);
    expect(findings.find((f) => f.code === 'ECS401')?.message).toContain('Redis (svc/src/app.ts:21)');
    // `new App().start().catch(...)`, and a start() whose own try/catch exits (the exit is in app.ts).
    const inline = "import { App } from './app';\n\nnew App().start().catch(() => process.exit(1));\n";
    expect(at(readiness(files(app, inline)), 'ECS401')).toEqual([{ service: 'svc', file: 'svc/src/main.ts', line: 3, severity: 'blocking' }]);
    const tryExit = app.replace('    await redis.connect();', '    try {\n      await redis.connect();\n    } catch {\n      process.exit(2);\n    }');
    const bare = "import { App } from './app';\n\nconst app = new App();\nvoid app.start();\n\nprocess.on('SIGTERM', () => app.stop().then(() => process.exit(0)));\n";
    expect(at(readiness(files(tryExit, bare)), 'ECS401')).toEqual([{ service: 'svc', file: 'svc/src/app.ts', line: 24, severity: 'blocking' }]);
    // A start() that connects to nothing, and a class of a package (not a relative import), stay silent.
    expect(at(readiness(files(app.replace('    await redis.connect();\n', ''))), 'ECS401')).toEqual([]);
    expect(at(readiness(files(app, main.replace("from './app'", "from '@acme/app'"))), 'ECS401')).toEqual([]);
  });

  it('a Redis client recognised by how it is made, and Promise.all of its connects as the chain head (review9 R6)', () => {
    const server = [
      "const http = require('http');",
      "const { Server } = require('socket.io');",
      "const { createAdapter } = require('@socket.io/redis-adapter');",
      "const { createClient } = require('redis');",
      '',
      'const PORT = process.env.PORT || 3001;',
      "const REDIS_URL = process.env.REDIS_URL || 'redis://localhost:6379';",
      '',
      'const httpServer = http.createServer((req, res) => {',
      "  if (req.url === '/healthz') {",
      "    res.writeHead(200, { 'Content-Type': 'text/plain' });",
      "    return res.end('ok');",
      '  }',
      '  res.writeHead(404);',
      '  res.end();',
      '});',
      '',
      "const io = new Server(httpServer, { path: '/socket.io' });",
      '',
      'const pubClient = createClient({ url: REDIS_URL });',
      'const subClient = pubClient.duplicate();',
      '',
      'Promise.all([pubClient.connect(), subClient.connect()])',
      '  .then(async () => {',
      '    io.adapter(createAdapter(pubClient, subClient));',
      '    httpServer.listen(PORT, () => console.log(`realtime listening on ${PORT}`));',
      '  })',
      '  .catch((err) => {',
      "    console.error('redis connection failed', err);",
      '    process.exit(1);',
      '  });',
      '',
    ].join('\n');
    const files = (src: string) => repoWith('FROM node:20-alpine\nUSER node\nCMD ["node", "src/index.js"]\n', { 'svc/src/index.js': src, 'svc/src/index.ts': '' });
    const all = readiness(files(server));
    expect(at(all, 'ECS401')).toEqual([{ service: 'svc', file: 'svc/src/index.js', line: 30, severity: 'blocking' }]);
    expect(all.find((f) => f.code === 'ECS401')?.message).toContain('Redis (line 23)');
    // One client's connect as the head; an ioredis client; a duplicate's connect.
    const single = server.replace('Promise.all([pubClient.connect(), subClient.connect()])', 'pubClient.connect()');
    expect(at(readiness(files(single)), 'ECS401')).toHaveLength(1);
    const ioredis = server.replace("const { createClient } = require('redis');", "const Redis = require('ioredis');").replace('createClient({ url: REDIS_URL })', 'new Redis(REDIS_URL, { lazyConnect: true })');
    expect(at(readiness(files(ioredis)), 'ECS401')).toHaveLength(1);
    expect(at(readiness(files(server.replace('Promise.all([pubClient.connect(), subClient.connect()])', 'Promise.all([subClient.connect()])'))), 'ECS401')).toHaveLength(1);
    // A client of no dependency package, and Promise.all of calls that connect to nothing, stay silent.
    expect(at(readiness(files(server.replace("require('redis')", "require('./lib/http-client')"))), 'ECS401')).toEqual([]);
    expect(at(readiness(files(server.replace('Promise.all([pubClient.connect(), subClient.connect()])', 'Promise.all([loadConfig(), warmCache()])'))), 'ECS401')).toEqual([]);
  });

  it("hapi's getting-started start-up: a bare init() whose rejection reaches an exiting unhandledRejection handler (review9 R14)", () => {
    const server = [
      "'use strict';",
      '',
      "const Hapi = require('@hapi/hapi');",
      "const mongoose = require('mongoose');",
      "const { buildLogger } = require('@acme/logger');",
      '',
      "const logger = buildLogger('catalog');",
      '',
      'const init = async () => {',
      '  const server = Hapi.server({',
      '    port: process.env.CATALOG_PORT || 5000,',
      "    host: '0.0.0.0',",
      '  });',
      '',
      '  server.route({',
      "    method: 'GET',",
      "    path: '/health',",
      "    handler: () => ({ status: 'ok' }),",
      '  });',
      '',
      "  await mongoose.connect(process.env.MONGO_URL || 'mongodb://localhost:27017/catalog');",
      '  await server.start();',
      '  logger.info(`Server running on ${server.info.uri}`);',
      '};',
      '',
      "process.on('unhandledRejection', (err) => {",
      '  logger.error(err);',
      '  process.exit(1);',
      '});',
      '',
      'init();',
      '',
    ].join('\n');
    const files = (src: string) => repoWith('FROM node:20-alpine\nUSER node\nCMD ["node", "src/server.js"]\n', { 'svc/src/server.js': src, 'svc/src/index.ts': '', 'svc/package.json': PKG({ main: 'src/server.js', dependencies: { '@hapi/hapi': '^21', mongoose: '^8' } }) });
    const found = readiness(files(server));
    expect(at(found, 'ECS401')).toEqual([{ service: 'svc', file: 'svc/src/server.js', line: 28, severity: 'blocking' }]);
    expect(found.find((f) => f.code === 'ECS401')?.message).toContain('MongoDB (line 21)');
    // init() with its own catch that only logs, an uncaughtException handler (an async init rejects, it does not throw), and a handler that does not exit stay silent.
    expect(at(readiness(files(server.replace('\ninit();', '\ninit().catch((err) => logger.error(err));'))), 'ECS401')).toEqual([]);
    expect(at(readiness(files(server.replace("'unhandledRejection'", "'uncaughtException'"))), 'ECS401')).toEqual([]);
    expect(at(readiness(files(server.replace('  process.exit(1);\n', ''))), 'ECS401')).toEqual([]);
  });

  it('stays silent when start-up needs nothing', () => {
    const src = "async function main() { console.log('hi'); }\nmain().catch(() => process.exit(1));\n";
    expect(at(readiness(repoWith('FROM node:20-alpine\nCMD ["node", "dist/index.js"]\n', { 'svc/src/index.ts': HTTP_SRC + src })), 'ECS401')).toEqual([]);
  });
});

describe('ECS401 for a Python ASGI app that connects to its database before it serves (review8 R12)', () => {
  const MAIN = [
    'from contextlib import asynccontextmanager',
    '',
    'from fastapi import FastAPI',
    '',
    'from app.core.db import Base, engine',
    '',
    '',
    '@asynccontextmanager',
    'async def lifespan(app: FastAPI):',
    '    # Create tables on start (small service, no Alembic yet).',
    '    async with engine.begin() as conn:',
    '        await conn.run_sync(Base.metadata.create_all)',
    '    yield',
    '    await engine.dispose()',
    '',
    '',
    'app = FastAPI(',
    '    title="api",',
    '    lifespan=lifespan,',
    ')',
    '',
  ].join('\n');
  const DB = 'from sqlalchemy.ext.asyncio import create_async_engine\nfrom sqlalchemy.orm import DeclarativeBase\n\nengine = create_async_engine("postgresql+asyncpg://acme:acme@db/acme", pool_pre_ping=True)\n\n\nclass Base(DeclarativeBase):\n    pass\n';
  const repo = (main: string, extra: Record<string, string> = {}) => ({
    'docker-compose.yml': 'services:\n  api:\n    build: ./api\n    ports:\n      - "8000:8000"\n',
    'api/pyproject.toml': '[tool.poetry]\nname = "api"\n',
    'api/gunicorn.conf.py': 'bind = "0.0.0.0:8000"\nworker_class = "uvicorn.workers.UvicornWorker"\n',
    'api/app/__init__.py': '',
    'api/app/core/__init__.py': '',
    'api/app/core/db.py': DB,
    'api/app/main.py': main,
    'api/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install fastapi gunicorn uvicorn sqlalchemy asyncpg\nEXPOSE 8000\nCMD ["gunicorn", "-c", "gunicorn.conf.py", "app.main:app"]\n',
    ...extra,
  });

  it('a lifespan passed to FastAPI that opens the engine before its yield: blocking, at the connect line', () => {
    expect(at(readiness(repo(MAIN)), 'ECS401')).toEqual([{ service: 'api', file: 'api/app/main.py', line: 11, severity: 'blocking' }]);
  });

  it('an on_event("startup") handler that connects; and the lifespan defined in another module', () => {
    const startup = 'from fastapi import FastAPI\nfrom app.core.db import database\n\napp = FastAPI()\n\n\n@app.on_event("startup")\nasync def connect():\n    await database.connect()\n';
    expect(at(readiness(repo(startup)), 'ECS401')).toEqual([{ service: 'api', file: 'api/app/main.py', line: 9, severity: 'blocking' }]);
    const split = repo('from fastapi import FastAPI\n\nfrom app.lifespan import lifespan\n\napp = FastAPI(lifespan=lifespan)\n', {
      'api/app/lifespan.py': MAIN.split('\n').slice(0, 14).join('\n') + '\n',
    });
    expect(at(readiness(split), 'ECS401')).toEqual([{ service: 'api', file: 'api/app/lifespan.py', line: 11, severity: 'blocking' }]);
  });

  it('near misses stay silent: the connect after the yield, a try/retry around it, a context manager not passed as lifespan', () => {
    const afterYield = MAIN.replace('    async with engine.begin() as conn:\n        await conn.run_sync(Base.metadata.create_all)\n    yield\n', '    yield\n    async with engine.begin() as conn:\n        await conn.run_sync(Base.metadata.create_all)\n');
    const retried = MAIN.replace('    async with engine.begin() as conn:', '    try:\n        async with engine.begin() as conn:').replace('        await conn.run_sync(Base.metadata.create_all)\n', '            await conn.run_sync(Base.metadata.create_all)\n    except OSError:\n        pass\n');
    const notPassed = MAIN.replace('    lifespan=lifespan,\n', '');
    for (const main of [afterYield, retried, notPassed]) expect(at(readiness(repo(main)), 'ECS401')).toEqual([]);
  });
});

describe('Dockerfile rules', () => {
  it('ECS403: a HEALTHCHECK on /ready', () => {
    const df = 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nUSER node\nHEALTHCHECK CMD wget -q -O /dev/null http://localhost:3000/ready || exit 1\nCMD ["node", "dist/index.js"]\n';
    expect(at(readiness(repoWith(df)), 'ECS403')).toEqual([{ service: 'svc', file: 'svc/Dockerfile', line: 5, severity: 'blocking' }]);
    expect(at(readiness(repoWith(df.replace('/ready', '/health'))), 'ECS403')).toEqual([]);
  });

  it('ECS404: an untagged or :latest base, not a stage name or a pinned tag', () => {
    const df = 'FROM node AS build\nRUN npm ci\nFROM build AS test\nFROM node:latest\nCOPY --from=build /app /app\nCMD ["node", "dist/index.js"]\n';
    expect(at(readiness(repoWith(df)), 'ECS404').map((f) => f.line)).toEqual([1, 4]);
    expect(at(readiness(repoWith('FROM node:20-alpine\nCMD ["node", "dist/index.js"]\n')), 'ECS404')).toEqual([]);
  });

  it('ECS404: a tag from an ARG default is read as the build reads it; a build arg that pins it, or no value, is not reported', () => {
    const df = 'ARG NODE_TAG=latest\nFROM node:${NODE_TAG}\nCMD ["node", "dist/index.js"]\n';
    const floating = readiness(repoWith(df)).filter((f) => f.code === 'ECS404');
    expect(floating.map((f) => [f.file, f.line])).toEqual([['svc/Dockerfile', 2]]);
    expect(floating[0]?.message).toContain('ARG NODE_TAG=latest');
    const pinned = { 'docker-compose.yml': COMPOSE.replace('build: ./svc', 'build:\n      context: ./svc\n      args:\n        NODE_TAG: 20-alpine') };
    expect(at(readiness({ ...repoWith(df), ...pinned }), 'ECS404')).toEqual([]);
    expect(at(readiness(repoWith(df.replace('ARG NODE_TAG=latest', 'ARG NODE_TAG'))), 'ECS404')).toEqual([]);
  });

  it('ECS405: engines.node outside the base image major', () => {
    const df = 'FROM node:18-alpine\nCMD ["node", "dist/index.js"]\n';
    const files = repoWith(df, { 'svc/package.json': PKG({ engines: { node: '>=20' } }) });
    expect(at(readiness(files), 'ECS405')).toEqual([{ service: 'svc', file: 'svc/Dockerfile', line: 1, severity: 'warning' }]);
    expect(at(readiness(repoWith(df, { 'svc/package.json': PKG({ engines: { node: '>=18.0.0 <21' } }) })), 'ECS405')).toEqual([]);
  });

  it('ECS405: a node tag from a build variable is read with the ARG default, else the service\'s compose build.args (review10 R39)', () => {
    const engines = { 'svc/package.json': PKG({ engines: { node: '>=20' } }) };
    // `ARG NODE_VERSION=18-alpine` + `FROM node:${NODE_VERSION}`: node 18 by default.
    const df = '# syntax=docker/dockerfile:1\nARG NODE_VERSION=18-alpine\nARG APP_DIR=/srv/app\n\nFROM node:${NODE_VERSION} AS base\nWORKDIR $APP_DIR\nFROM base\nCMD ["node", "dist/index.js"]\n';
    expect(at(readiness(repoWith(df, engines)), 'ECS405')).toEqual([{ service: 'svc', file: 'svc/Dockerfile', line: 5, severity: 'warning' }]);
    // The braced default form and a reference built from two variables.
    const twoVars = 'ARG NODE_MAJOR=18\nARG VARIANT=bookworm-slim\nFROM docker.io/library/node:${NODE_MAJOR}-${VARIANT}\nCMD ["node", "dist/index.js"]\n';
    expect(at(readiness(repoWith(twoVars, engines)), 'ECS405')).toHaveLength(1);
    // No default and no build arg: which Node is not established, nothing reported.
    expect(at(readiness(repoWith(df.replace('ARG NODE_VERSION=18-alpine', 'ARG NODE_VERSION'), engines)), 'ECS405')).toEqual([]);
    // The compose build arg wins over the default: 22 satisfies >=20.
    const compose22 = 'services:\n  svc:\n    build:\n      context: ./svc\n      args:\n        NODE_VERSION: "22-alpine"\n    ports:\n      - "3000:3000"\n';
    expect(at(readiness(repoWith(df, { ...engines, 'docker-compose.yml': compose22 })), 'ECS405')).toEqual([]);
    // A compose `${NODE_VERSION:-18}` passes its default (the shell may set another); `${NODE_VERSION}` establishes nothing.
    expect(at(readiness(repoWith(df, { ...engines, 'docker-compose.yml': compose22.replace('"22-alpine"', '${NODE_VERSION:-18}') })), 'ECS405')).toHaveLength(1);
    expect(at(readiness(repoWith(df, { ...engines, 'docker-compose.yml': compose22.replace('"22-alpine"', '${NODE_VERSION}') })), 'ECS405')).toEqual([]);
    // Two services build the one Dockerfile with different args: each is read with its own.
    const two = 'services:\n  svc:\n    build:\n      context: ./svc\n      args: [NODE_VERSION=18-alpine]\n    ports: ["3000:3000"]\n  svc-next:\n    build:\n      context: ./svc\n      args:\n        NODE_VERSION: 22-alpine\n    command: ["node", "dist/index.js"]\n';
    expect(at(readiness(repoWith(df.replace('ARG NODE_VERSION=18-alpine', 'ARG NODE_VERSION'), { ...engines, 'docker-compose.yml': two })), 'ECS405')).toEqual([{ service: 'svc', file: 'svc/Dockerfile', line: 5, severity: 'warning' }]);
  });

  it('ECS407: a development server as the command; a production build with vite is fine', () => {
    expect(at(readiness(repoWith('FROM node:20-alpine\nCMD ["npm", "run", "dev"]\n')), 'ECS407')).toEqual([{ service: 'svc', file: 'svc/Dockerfile', line: 2, severity: 'blocking' }]);
    expect(at(readiness(repoWith('FROM node:20-alpine\nCMD npx nodemon src/index.ts\n')), 'ECS407')).toHaveLength(1);
    expect(at(readiness(repoWith('FROM python:3.12-slim\nCMD ["uvicorn", "app.main:app", "--reload"]\n')), 'ECS407')).toHaveLength(1);
    // review9 R41: the Nx and Turborepo dev targets, and watch modes.
    for (const cmd of ['["npx", "nx", "serve", "gateway", "--configuration=development"]', '["npx", "nx", "run", "gateway:serve"]', '["npx", "turbo", "run", "dev"]', '["npx", "tsx", "watch", "src/index.ts"]', '["node", "--watch", "dist/main.js"]', '["node", "--watch-path=src", "x.js"]', '["npx", "nest", "start", "--watch"]'])
      expect(at(readiness(repoWith(`FROM node:20-alpine\nCMD ${cmd}\n`)), 'ECS407'), cmd).toHaveLength(1);
    expect(at(readiness(repoWith('FROM python:3.12-slim\nCMD ["gunicorn", "app:app", "--reload"]\n')), 'ECS407')).toHaveLength(1);
    for (const cmd of ['["npx", "nx", "run", "gateway:serve-static"]', '["node", "--watch-preserve-output", "x.js"]', '["node", "dist/main.js"]', '["npx", "nest", "start"]'])
      expect(at(readiness(repoWith(`FROM node:20-alpine\nCMD ${cmd}\n`)), 'ECS407'), cmd).toEqual([]);
    expect(at(readiness(repoWith('FROM node:20-alpine AS build\nRUN npx vite build\nFROM nginx:1.27-alpine\nCOPY --from=build /app/dist /usr/share/nginx/html\n')), 'ECS407')).toEqual([]);
  });

  it('ECS408: curl in a slim image, unless the image installs it', () => {
    const df = 'FROM node:20-slim\nHEALTHCHECK CMD curl -f http://localhost:3000/health || exit 1\nCMD ["node", "dist/index.js"]\n';
    expect(at(readiness(repoWith(df)), 'ECS408')).toEqual([{ service: 'svc', file: 'svc/Dockerfile', line: 2, severity: 'blocking' }]);
    const installs = df.replace('FROM node:20-slim\n', 'FROM node:20-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n');
    expect(at(readiness(repoWith(installs)), 'ECS408')).toEqual([]);
  });

  it('ECS409: a literal listen port other than the declared one', () => {
    const src = "import express from 'express';\nconst app = express();\napp.get('/health', (_req, res) => res.send('ok'));\napp.listen(4000);\n";
    const findings = readiness(repoWith('FROM node:20-alpine\nEXPOSE 3000\nCMD ["node", "dist/index.js"]\n', { 'svc/src/index.ts': src }));
    expect(at(findings, 'ECS409')).toEqual([{ service: 'svc', file: 'svc/src/index.ts', line: 4, severity: 'blocking' }]);
    expect(at(readiness(repoWith('FROM node:20-alpine\nEXPOSE 3000\nCMD ["node", "dist/index.js"]\n')), 'ECS409')).toEqual([]);
  });
});

describe('compose rules', () => {
  it('ECS406: a compose hostname, list form and merged from an anchor; not the service itself or an external host', () => {
    const compose = [
      'x-env: &env',
      '  BROKERS: kafka:9092',
      'services:',
      '  svc:',
      '    build: ./svc',
      '    environment:',
      '      <<: *env',
      '      SELF: http://svc:3000',
      '      API: https://api.example.com:443',
      '  worker:',
      '    build: ./svc',
      '    environment:',
      '      - DB_URL=postgres://db:5432/app',
      '  kafka:',
      '    image: bitnami/kafka:3.7',
      '  db:',
      '    image: postgres:16-alpine',
      '',
    ].join('\n');
    const findings = readiness(repoWith('FROM node:20-alpine\nCMD ["node", "dist/index.js"]\n', { 'docker-compose.yml': compose }));
    expect(at(findings, 'ECS406').map((f) => `${f.service}:${f.line}`).sort()).toEqual(['svc:7', 'worker:13']);
  });

  it('ECS406: a bare compose hostname in a host variable (REDIS_HOST: redis, DB_HOST: db), never in the task definition as a value; a driver name is not a host', () => {
    const compose = [
      'services:',
      '  svc:',
      '    build: ./svc',
      '    ports:',
      '      - "3000:3000"',
      '    environment:',
      '      REDIS_HOST: redis',
      '      DB_HOST: "db"',
      '      CACHE_DRIVER: redis',
      '      SMTP_HOST: smtp.example.com',
      '  redis:',
      '    image: redis:7-alpine',
      '  db:',
      '    image: postgres:16-alpine',
      '',
    ].join('\n');
    const tree: Tree = new Map(Object.entries(repoWith('FROM node:20-alpine\nCMD ["node", "dist/index.js"]\n', { 'docker-compose.yml': compose })));
    const { repo, plan } = planTree(tree, []);
    const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, []);
    expect(at(report.findings, 'ECS406').map((f) => `${f.service}:${f.line}`).sort()).toEqual(['svc:7', 'svc:8']);
    const env = report.ecs[0]?.taskDefinition.containerDefinitions[0]?.environment ?? [];
    expect(env).toContainEqual({ name: 'REDIS_HOST', value: '<REDIS_HOST>' });
    expect(env).toContainEqual({ name: 'DB_HOST', value: '<DB_HOST>' });
    expect(env).toContainEqual({ name: 'CACHE_DRIVER', value: 'redis' });
    expect(env).toContainEqual({ name: 'SMTP_HOST', value: 'smtp.example.com' });
  });

  // review6 R19: docker-compose.base.yml's `node-service` (a template only `extends:` uses) sets
  // REDIS_URL: redis://redis:6379 at line 7; api, gateway and jobs inherit it, presence sets it itself,
  // gateway's env file sets SESSION_STORE=redis:6379 at its line 2.
  it('ECS406: a variable inherited through extends: once at the base file\'s line, naming every deployed service that inherits it (review10 R22); an env file\'s variable at its line', () => {
    const { report } = ecsOf('extends-inherited-env', 'jobs');
    const found = report.findings.filter((f) => f.code === 'ECS406').map((f) => `${(f.services ?? [f.service]).join(',')} ${f.file}:${f.line}`);
    expect(found.sort()).toEqual([
      'api,gateway,jobs docker-compose.base.yml:7',
      'gateway apps/gateway/gateway.env:2',
      'presence docker-compose.yml:7',
    ]);
    for (const service of ['api', 'gateway', 'jobs', 'presence']) {
      const { container } = ecsOf('extends-inherited-env', service);
      expect(container?.secrets.map((s) => s.name), service).toContain('REDIS_URL');
      expect(JSON.stringify(container?.environment), service).not.toContain('redis:6379');
    }
  });

  it('ECS406: a value the dev layer sets is not what a deployment runs; the value the base file keeps is reported', () => {
    const { report } = ecsOf('extends-inherited-env', 'jobs', (tree) => {
      tree.set('docker-compose.dev.yml', 'services:\n  presence:\n    environment:\n      REDIS_URL: redis://redis:6380\n      DEBUG_URL: http://redis:8001\n');
      tree.set('Makefile', 'dev:\n\tdocker compose -f docker-compose.yml -f docker-compose.dev.yml up\n');
    });
    const found = report.findings.filter((f) => f.code === 'ECS406' && f.service === 'presence').map((f) => `${f.file}:${f.line}`);
    expect(found).toEqual(['docker-compose.yml:7']);
  });

  // review9 R11 (lumen): infra/docker-compose.yml is the local stack, deploy/compose.prod.yml the deployed
  // one; both build backend/ as "web" and ECS218 says the task definition follows deploy/compose.prod.yml.
  it('ECS406: only for the compose project the task definitions follow, not for the local stack beside it', () => {
    const files = {
      'infra/docker-compose.yml': [
        'version: "3.8"',
        '',
        'services:',
        '  redis:',
        '    image: redis:7',
        '',
        '  web:',
        '    build: ../backend',
        '    env_file: ../backend/.env.dev',
        '    environment:',
        '      - DATABASE_URL=postgresql://lumen:lumen@db:5432/lumen',
        '      - REDIS_URL=redis://redis:6379/0',
        '      - REALTIME_URL=http://realtime:3001',
        '    volumes:',
        '      - ../backend:/app',
        '    ports:',
        '      - "5000:5000"',
        '',
        '  realtime:',
        '    image: node:20-alpine',
        '',
        '  db:',
        '    image: postgres:15',
        '',
      ].join('\n'),
      'deploy/compose.prod.yml': [
        'name: lumen-prod',
        '',
        'x-backend: &backend',
        '  image: ghcr.io/lumen-app/backend:${TAG:-latest}',
        '  build:',
        '    context: ../backend',
        '  restart: always',
        '  environment:',
        '    DATABASE_URL: postgresql://lumen:${DB_PASSWORD}@db:5432/lumen',
        '    REDIS_URL: redis://redis:6379/0',
        '',
        'services:',
        '  web:',
        '    <<: *backend',
        '    command: ["uwsgi", "--ini", "uwsgi.ini", "--processes", "8"]',
        '',
        '  db:',
        '    image: postgres:15',
        '  redis:',
        '    image: redis:7-alpine',
        '',
      ].join('\n'),
      'backend/.env.dev': 'FLASK_DEBUG=1\n',
      'backend/requirements.txt': 'flask==3.0.0\nuwsgi==2.0.23\n',
      'backend/wsgi.py': 'from flask import Flask\napp = Flask(__name__)\n',
      'backend/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nEXPOSE 5000\nCMD ["uwsgi", "--ini", "uwsgi.ini"]\n',
    };
    const tree: Tree = new Map(Object.entries(files));
    const { repo, plan } = planTree(tree, []);
    const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, []);
    expect(report.findings.filter((f) => f.code === 'ECS218').map((f) => `${f.file}:${f.line}`)).toEqual(['infra/docker-compose.yml:7']);
    expect(report.findings.filter((f) => f.code === 'ECS406').map((f) => `${f.service} ${f.file}:${f.line}`).sort()).toEqual(['web deploy/compose.prod.yml:10', 'web deploy/compose.prod.yml:9']);
  });

  // review9 R20 (lumen): deploy/compose.prod.yml runs the worker as `rq worker --url redis://redis:6379/0 lumen-tasks`.
  it('ECS406: a compose command that names another compose service, at the command\'s line, with a task-definition note; not the service itself', () => {
    const compose = [
      'services:',
      '  worker:',
      '    build: ./backend',
      '    command: rq worker --url redis://redis:6379/0 lumen-tasks',
      '  web:',
      '    build: ./backend',
      '    entrypoint: ["uwsgi", "--http", "web:5000"]',
      '  redis:',
      '    image: redis:7-alpine',
      '',
    ].join('\n');
    const tree: Tree = new Map(Object.entries({
      'docker-compose.yml': compose,
      'backend/requirements.txt': 'rq==1.15.1\nuwsgi==2.0.23\n',
      'backend/worker.py': 'import os\n',
      'backend/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD ["python", "worker.py"]\n',
    }));
    const { repo, plan } = planTree(tree, []);
    const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, []);
    expect(at(report.findings, 'ECS406')).toEqual([{ service: 'worker', file: 'docker-compose.yml', line: 4, severity: 'warning' }]);
    const worker = report.ecs.find((e) => e.service === 'worker');
    expect(worker?.taskDefinition.containerDefinitions[0]?.command).toEqual(['rq', 'worker', '--url', 'redis://redis:6379/0', 'lumen-tasks']);
    expect(worker?.notes.filter((n) => n.includes('redis:6379') && n.includes('docker-compose.yml:4'))).toHaveLength(1);
    expect(report.ecs.find((e) => e.service === 'web')?.notes.filter((n) => n.includes('web:5000'))).toEqual([]);
  });

  // review9 R23 (acme-platform + a `migrate` tools service): the migration job borrows the api image's build stage.
  it('ECS419 for a service whose compose command is only a migration and that publishes no port: no port, healthCheck or target group, no ECS410; a migration chained before the server stays a server', () => {
    const dockerfile = [
      'FROM node:20-alpine AS build',
      'WORKDIR /usr/src/app',
      'COPY . .',
      'RUN npm ci && npm run build',
      '',
      'FROM node:20-alpine AS prod',
      'WORKDIR /usr/src/app',
      'COPY --from=build /usr/src/app .',
      'EXPOSE 3000',
      'CMD ["node", "dist/index.js"]',
      '',
    ].join('\n');
    const compose = [
      'services:',
      '  api:',
      '    build:',
      '      context: ./svc',
      '      target: prod',
      '    ports:',
      '      - "3000:3000"',
      '  migrate:',
      '    profiles: ["tools"]',
      '    build:',
      '      context: ./svc',
      '      target: build',
      '    working_dir: /usr/src/app',
      '    command: npx prisma migrate deploy',
      '    environment:',
      '      DATABASE_URL: ${DATABASE_URL}',
      '  api-migrating:',
      '    build:',
      '      context: ./svc',
      '      target: prod',
      '    command: sh -c "npx prisma migrate deploy && node dist/index.js"',
      '',
    ].join('\n');
    const tree: Tree = new Map(Object.entries({ ...repoWith(dockerfile), 'docker-compose.yml': compose, 'svc/package.json': PKG({ dependencies: { express: '^4', '@prisma/client': '^5' } }) }));
    const { repo, plan } = planTree(tree, []);
    const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, []);
    expect(at(report.findings, 'ECS419')).toEqual([{ service: 'migrate', file: 'docker-compose.yml', line: 14, severity: 'info' }]);
    expect(at(report.findings, 'ECS410').map((f) => f.service)).toEqual(['api-migrating']);
    const migrate = report.ecs.find((e) => e.service === 'migrate');
    expect(migrate?.taskDefinition.containerDefinitions[0]?.portMappings).toEqual([]);
    expect(migrate?.taskDefinition.containerDefinitions[0]?.healthCheck).toBeUndefined();
    expect(migrate?.targetGroup).toBeNull();
    expect(migrate?.notes.filter((n) => n.includes('prisma migrate deploy') && n.includes('docker-compose.yml:14'))).toHaveLength(1);
    expect(report.ecs.find((e) => e.service === 'api-migrating')?.targetGroup).not.toBeNull();
  });

  it('ECS408: a compose healthcheck with curl for a service whose image lacks it', () => {
    const compose = COMPOSE + '    healthcheck:\n      test: ["CMD", "curl", "-f", "http://localhost:3000/health"]\n';
    expect(at(readiness(repoWith('FROM python:3.12-slim\nCMD ["python", "app.py"]\n', { 'docker-compose.yml': compose })), 'ECS408')).toEqual([
      { service: 'svc', file: 'docker-compose.yml', line: 7, severity: 'warning' },
    ]);
  });

  it('ECS408: wget too (review6 R13): a compose wget healthcheck on a -slim image; not on alpine, whose busybox has wget', () => {
    const compose = COMPOSE + '    healthcheck:\n      test: ["CMD", "wget", "-qO-", "http://localhost:3000/health"]\n';
    expect(at(readiness(repoWith('FROM node:20-slim\nCMD ["node", "index.js"]\n', { 'docker-compose.yml': compose })), 'ECS408')).toEqual([
      { service: 'svc', file: 'docker-compose.yml', line: 7, severity: 'warning' },
    ]);
    expect(at(readiness(repoWith('FROM node:20-alpine\nCMD ["node", "index.js"]\n', { 'docker-compose.yml': compose })), 'ECS408')).toEqual([]);
    const dockerfile = 'FROM node:20-slim\nHEALTHCHECK CMD wget -qO- http://localhost:3000/health || exit 1\nCMD ["node", "index.js"]\n';
    expect(at(readiness(repoWith(dockerfile)), 'ECS408')).toEqual([{ service: 'svc', file: 'svc/Dockerfile', line: 2, severity: 'blocking' }]);
  });
});

describe('ECS410 migrations at every start', () => {
  it('names the entrypoint script line and the CMD; not makemigrations --check, showmigrations or a comment', () => {
    const entrypoint = '#!/bin/sh\nset -e\n# python manage.py migrate was here\npython manage.py makemigrations --check\npython manage.py showmigrations\npython manage.py migrate --noinput\nexec gunicorn app.wsgi -b 0.0.0.0:8000\n';
    const files = {
      'docker-compose.yml': 'services:\n  web:\n    build: ./web\n    ports:\n      - "8000:8000"\n  api:\n    build: ./api\n',
      'web/requirements.txt': 'django==5.0\ngunicorn==22.0\n',
      'web/entrypoint.sh': entrypoint,
      'web/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nENTRYPOINT ["./entrypoint.sh"]\n',
      'api/package.json': PKG({ name: 'api' }),
      'api/src/index.ts': HTTP_SRC,
      'api/Dockerfile': 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nCMD npx prisma migrate deploy && node dist/index.js\n',
    };
    expect(at(readiness(files), 'ECS410').map((f) => `${f.file}:${f.line}`).sort()).toEqual(['api/Dockerfile:4', 'web/entrypoint.sh:6']);
  });

  it('reads the script the ENTRYPOINT path was copied from (docker/entrypoint.sh), and skips services whose compose turns the guarding variable off', () => {
    const tree = readTree(join(FIXTURES, 'transforms', 'dockerfile-non-root', 'celery-beat-shared-image', 'before'));
    const findings = readiness(Object.fromEntries(tree));
    expect(at(findings, 'ECS410').map((f) => `${f.service} ${f.file}:${f.line}`)).toEqual(['web backend/docker/entrypoint.sh:5']);
  });
});

describe('ECS410 with option words between the tool and its subcommand (review9 R4)', () => {
  // The Flask >= 2.2 spelling under the usual `[ "$1" = "uwsgi" ]` guard, in a script the ENTRYPOINT runs from docker/.
  const entrypoint = (migrate: string) =>
    `#!/bin/bash\nset -e\n\necho "Waiting for postgres..."\nuntil python -c "import psycopg2" 2>/dev/null; do\n  sleep 1\ndone\n\nif [ "$1" = "uwsgi" ]; then\n  ${migrate}\nfi\n\nexec "$@"\n`;
  const files = (migrate: string, extra: Record<string, string> = {}) => ({
    'docker-compose.yml': 'services:\n  web:\n    build: ./backend\n    ports:\n      - "5000:5000"\n  worker:\n    build: ./backend\n    command: rq worker --url redis://redis:6379/0 tasks\n',
    'backend/requirements.txt': 'Flask==3.0.0\nFlask-Migrate==4.0.5\nuWSGI==2.0.23\nrq==1.15\n',
    'backend/wsgi.py': 'from app import create_app\n\napp = create_app()\n',
    'backend/app/__init__.py': 'from flask import Flask\n\n\ndef create_app():\n    app = Flask(__name__)\n    return app\n',
    'backend/uwsgi.ini': '[uwsgi]\nmodule = wsgi:app\nhttp-socket = :5000\n',
    'backend/docker/entrypoint.sh': entrypoint(migrate),
    'backend/Dockerfile': 'FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nENTRYPOINT ["/app/docker/entrypoint.sh"]\nCMD ["uwsgi", "--ini", "uwsgi.ini"]\n',
    ...extra,
  });
  const lines = (f: Record<string, string>) => at(readiness(f), 'ECS410').map((x) => `${x.service} ${x.file}:${x.line}`);

  it('flask --app wsgi db upgrade (and -A, --app=, a flag with no value) is the migration, for the service the guard lets through', () => {
    for (const migrate of ['flask --app wsgi db upgrade', 'flask -A wsgi:app db upgrade', 'flask --app=wsgi --debug db upgrade', 'python -m flask --app wsgi db upgrade'])
      expect(lines(files(migrate)), migrate).toEqual(['web backend/docker/entrypoint.sh:10']);
  });

  it('alembic -c alembic.ini upgrade head and typeorm-ts-node-commonjs -d <data source> migration:run in the CMD', () => {
    const alembic = files('true', { 'backend/Dockerfile': 'FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nCMD ["sh", "-c", "alembic -c alembic.ini upgrade head && exec uwsgi --ini uwsgi.ini"]\n' });
    expect(lines(alembic).filter((l) => l.startsWith('web '))).toEqual(['web backend/Dockerfile:4']);
    const typeorm = {
      'docker-compose.yml': 'services:\n  api:\n    build: ./api\n    ports:\n      - "3000:3000"\n',
      'api/package.json': PKG({ name: 'api' }),
      'api/src/index.ts': HTTP_SRC,
      'api/Dockerfile': 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nCMD npx typeorm-ts-node-commonjs -d src/data-source.ts migration:run && node dist/index.js\n',
    };
    expect(lines(typeorm)).toEqual(['api api/Dockerfile:4']);
  });

  it('not a migration: flask --app wsgi run, alembic -c alembic.ini history, an option value across `;`', () => {
    for (const migrate of ['flask --app wsgi run', 'alembic -c alembic.ini history', 'flask --app wsgi; echo db upgrade', 'flask --app db run --port upgrade'])
      expect(lines(files(migrate)), migrate).toEqual([]);
  });
});

describe('ECS407 flask run with options before the subcommand (review9, the R4 shape)', () => {
  const files = (cmd: string) => ({
    'docker-compose.yml': 'services:\n  web:\n    build: ./backend\n    ports:\n      - "5000:5000"\n',
    'backend/requirements.txt': 'Flask==3.0.0\n',
    'backend/wsgi.py': 'import os\n\nfrom flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get("/health")\ndef health():\n    return "ok"\n\n\nif __name__ == "__main__":\n    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", 8000)))\n',
    'backend/Dockerfile': `FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nEXPOSE 5000\n${cmd}\n`,
  });
  it('flask --app wsgi run --debug is the development server; flask --app wsgi db upgrade and routes are not', () => {
    expect(at(readiness(files('CMD ["flask", "--app", "wsgi", "run", "--host", "0.0.0.0", "--port", "5000", "--debug"]')), 'ECS407').map((f) => `${f.file}:${f.line}`)).toEqual(['backend/Dockerfile:5']);
    expect(at(readiness(files('CMD flask --app wsgi --debug run -h 0.0.0.0 -p 5000')), 'ECS407').map((f) => `${f.file}:${f.line}`)).toEqual(['backend/Dockerfile:5']);
    expect(at(readiness(files('CMD flask --app wsgi routes && exec gunicorn -b 0.0.0.0:5000 wsgi:app')), 'ECS407')).toEqual([]);
  });

  it('the app.run(port=PORT) under __main__ is not the server flask run starts: no PORT claimed for it', () => {
    const { repo } = planTree(new Map(Object.entries(files('CMD ["flask", "--app", "wsgi", "run", "--host", "0.0.0.0", "--port", "5000"]'))), []);
    const web = repo.services.find((s) => s.name === 'web');
    expect(web?.portVariable).toBeUndefined();
    expect(web?.portEvidence.filter((e) => e.file === 'backend/wsgi.py').map((e) => e.source)).toEqual([]);
  });
});

describe('ECS410 under a condition on the script\'s arguments or on several variables (review4 Q14)', () => {
  const entrypoint = '#!/bin/sh\nset -e\nif [ "$1" = "node" ] || [ "$MODE" = "web" ]; then\n  npx prisma migrate deploy\nfi\nexec "$@"\n';
  const files = (cmd: string, environment = '') => ({
    'docker-compose.yml': `services:\n  api:\n    build: ./api\n    ports:\n      - "3000:3000"\n${environment}`,
    'api/package.json': PKG({ name: 'api' }),
    'api/src/index.ts': HTTP_SRC,
    'api/docker-entrypoint.sh': entrypoint,
    'api/Dockerfile': `FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nENTRYPOINT ["dumb-init", "--", "./docker-entrypoint.sh"]\n${cmd}\n`,
  });
  const lines = (f: Record<string, string>) => at(readiness(f), 'ECS410').map((x) => `${x.file}:${x.line}`);

  it('$1 comes from the image CMD (or compose\'s command): node runs the migration, another command does not', () => {
    expect(lines(files('CMD ["node", "dist/index.js"]'))).toEqual(['api/docker-entrypoint.sh:4']);
    expect(lines(files('CMD ["node", "dist/index.js"]', '    environment:\n      MODE: worker\n    command: ["npm", "run", "jobs"]\n'))).toEqual([]);
  });

  it('either branch of || holding is enough: MODE=web with another command still migrates', () => {
    expect(lines(files('CMD ["npm", "run", "jobs"]', '    environment:\n      MODE: web\n'))).toEqual(['api/docker-entrypoint.sh:4']);
    expect(lines(files('CMD ["npm", "run", "jobs"]', '    environment:\n      MODE: worker\n'))).toEqual([]);
  });
});

describe('engines.node ranges', () => {
  it('reads the npm range grammar for a floating image major', () => {
    expect(satisfiesMajor('>=18.0.0', 18)).toBe(true);
    expect(satisfiesMajor('>=20', 18)).toBe(false);
    expect(satisfiesMajor('^18.17.0 || ^20', 20)).toBe(true);
    expect(satisfiesMajor('^18.17.0 || ^20', 22)).toBe(false);
    expect(satisfiesMajor('18.x', 18)).toBe(true);
    expect(satisfiesMajor('16 - 18', 20)).toBe(false);
    expect(satisfiesMajor('~20.1', 20)).toBe(false); // the image's Node 20 floats past 20.1
    expect(satisfiesMajor('lts/*', 20)).toBe(null);
  });
});

describe('task definition secrets', () => {
  it('are credentials by name ending or by a credential in the value, never plain values', async () => {
    const compose = COMPOSE + '    environment:\n      DB_PASSWORD: postgres\n      JWT_TOKEN_LIFETIME_MINUTES: "15"\n      CACHE_URL: redis://:hunter2@cache:6379\n      LOG_LEVEL: info\n';
    const tree: Tree = new Map(Object.entries(repoWith('FROM node:20-alpine\nCMD ["node", "dist/index.js"]\n', { 'docker-compose.yml': compose })));
    const { repo, plan } = planTree(tree, []);
    const container = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, []).ecs[0]?.taskDefinition.containerDefinitions[0];
    expect(container?.secrets.map((s) => s.name)).toEqual(['CACHE_URL', 'DB_PASSWORD']);
    expect(container?.environment).toContainEqual({ name: 'JWT_TOKEN_LIFETIME_MINUTES', value: '15' });
    expect(container?.environment).toContainEqual({ name: 'LOG_LEVEL', value: 'info' });
    expect(JSON.stringify(container)).not.toMatch(/hunter2|"postgres"/);
  });
});

describe('task definition stopTimeout', () => {
  const worker = (timer: number) =>
    `async function main() {}\nasync function shutdown() {\n  setTimeout(() => process.exit(1), ${timer}).unref();\n}\nprocess.on('SIGTERM', () => shutdown());\nmain();\n`;
  const stopTimeout = (files: Record<string, string>) => {
    const tree: Tree = new Map(Object.entries(files));
    const { repo, plan } = planTree(tree, []);
    return buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, []).ecs.find((e) => e.service === 'jobs')?.taskDefinition.containerDefinitions[0]?.stopTimeout;
  };
  const files = (src: string) => ({
    'docker-compose.yml': 'services:\n  jobs:\n    build: ./jobs\n',
    'jobs/package.json': PKG({ name: 'jobs', dependencies: { kafkajs: '^2' } }),
    'jobs/src/index.ts': "import { Kafka } from 'kafkajs';\nconst consumer = new Kafka({ brokers: ['k:9092'] }).consumer({ groupId: 'g' });\n" + src,
    'jobs/Dockerfile': 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nUSER node\nCMD ["node", "dist/index.js"]\n',
  });

  it('covers the longest forced-exit timer of the SIGTERM handler, at least the 30 s default', () => {
    expect(stopTimeout(files(worker(60_000)))).toBe(65);
    expect(stopTimeout(files(worker(10_000)))).toBe(30);
    expect(stopTimeout(files('async function main() {}\nmain();\n'))).toBeUndefined();
  });

  it('describes the worker as the pending worker-graceful-shutdown change leaves it: the same stopTimeout before and after apply', () => {
    const tree: Tree = new Map(Object.entries(files("await consumer.connect();\nawait consumer.subscribe({ topic: 't' });\nawait consumer.run({ eachMessage: async () => {} });\n")));
    const ecsAfter = (t: Tree) => {
      const { repo, plan } = planTree(t, [...TRANSFORMS]);
      return { plan, ecs: buildCheckReport(repo, plan, (p) => t.get(p) ?? null, [...TRANSFORMS]).ecs.find((e) => e.service === 'jobs') };
    };
    const before = ecsAfter(tree);
    expect(before.plan.changes.map((c) => c.path)).toContain('jobs/src/index.ts');
    const applied = ecsAfter(applyPlan(tree, before.plan));
    expect(applied.plan.changes.map((c) => c.path)).not.toContain('jobs/src/index.ts');
    expect(before.ecs?.taskDefinition.containerDefinitions[0]?.stopTimeout).toBe(30);
    expect(before.ecs?.taskDefinition).toEqual(applied.ecs?.taskDefinition);
  });

  it('a worker whose SIGTERM handler is a workspace lifecycle helper it calls has one (review5 N9): stopTimeout, no "no SIGTERM handler" note', () => {
    const tree = readTree(join(FIXTURES, 'transforms', 'worker-graceful-shutdown', 'workspace-lifecycle-helper', 'before'));
    const { repo, plan } = planTree(tree, []);
    const ecs = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, []).ecs;
    for (const name of ['mailer', 'ledger', 'digest']) {
      const service = ecs.find((e) => e.service === name);
      expect(service?.taskDefinition.containerDefinitions[0]?.stopTimeout, name).toBe(30);
      expect(service?.notes.join('\n'), name).not.toMatch(/no SIGTERM handler/);
    }
  });

  it('a queue consumer with a health/metrics side server is a worker for its shutdown (review5 N12): stopTimeout once it handles SIGTERM, the note while it does not', () => {
    const tree = readTree(join(FIXTURES, 'transforms', 'worker-graceful-shutdown', 'consumer-with-metrics-server', 'before'));
    const report = (t: Tree) => {
      const { repo, plan } = planTree(t, []);
      return buildCheckReport(repo, plan, (p) => t.get(p) ?? null, []).ecs.find((e) => e.service === 'thumbnails');
    };
    const before = report(tree);
    expect(before?.taskDefinition.containerDefinitions[0]?.stopTimeout).toBeUndefined();
    expect(before?.notes.join('\n')).toMatch(/no SIGTERM handler/);
    const after = new Map(tree);
    after.set('services/thumbnails/src/index.ts', readTree(join(FIXTURES, 'transforms', 'worker-graceful-shutdown', 'consumer-with-metrics-server', 'after')).get('services/thumbnails/src/index.ts') ?? '');
    expect(report(after)?.taskDefinition.containerDefinitions[0]?.stopTimeout).toBe(30);
    const ordersApi = (() => {
      const { repo } = planTree(tree, []);
      return repo.services.find((s) => s.name === 'orders-api');
    })();
    expect(ordersApi?.sideServer).toBeUndefined();
  });
});

describe('task definition of a Bull queue worker (review6 R5)', () => {
  const CASE = join('..', 'transforms', 'worker-graceful-shutdown', 'bull-commonjs-two-queues');
  const WORKER = 'apps/jobs/src/worker.js';

  it('jobs (two processed Bull queues, no ports) is a worker: ECS310 before the shutdown, and the excerpt as the pending shutdown leaves it (stopTimeout 30), as after it; the API that only adds jobs is http', () => {
    const before = ecsOf(join(CASE, 'before'), 'jobs');
    expect(before.ecs?.role).toBe('worker');
    expect(before.container?.stopTimeout).toBe(30);
    expect(before.ecs?.notes.join('\n')).not.toMatch(/no SIGTERM handler/);
    expect(before.report.findings.filter((f) => f.code === 'ECS310').map((f) => `${f.file}:${f.line}`)).toEqual([`${WORKER}:9`]);
    const shutdown = readTree(join(FIXTURES, 'transforms', 'worker-graceful-shutdown', 'bull-commonjs-two-queues', 'after')).get(WORKER) ?? '';
    const after = ecsOf(join(CASE, 'before'), 'jobs', (tree) => void tree.set(WORKER, shutdown));
    expect(after.ecs?.role).toBe('worker');
    expect(after.container?.stopTimeout).toBe(30);
    expect(after.ecs?.notes.join('\n')).not.toMatch(/no SIGTERM handler/);
    expect(ecsOf(join(CASE, 'before'), 'api').ecs?.role).toBe('http');
  });
});

describe('task definition of a NATS / Redis pub/sub subscriber (review6 R6)', () => {
  it('presence (no ports) is a worker with the "no SIGTERM handler" note and an ECS318 per subscription', () => {
    const { ecs, container, report } = ecsOf(join('..', 'transforms', 'worker-graceful-shutdown', 'nats-redis-pubsub-subscriber', 'before'), 'presence');
    expect(ecs?.role).toBe('worker');
    expect(container?.stopTimeout).toBeUndefined();
    expect(ecs?.notes.join('\n')).toMatch(/no SIGTERM handler/);
    expect(report.findings.filter((f) => f.code === 'ECS318').map((f) => `${f.file}:${f.line}`)).toEqual(['services/presence/src/index.js:8', 'services/presence/src/index.js:15']);
  });
});

describe('ECS411 nginx proxies to a compose-only hostname', () => {
  const COMPOSE_NGINX = 'services:\n  web:\n    build: ./web\n    ports:\n      - "80:80"\n  api:\n    build: ./api\n  orders:\n    build: ./orders\n';
  const API = { 'api/package.json': PKG(), 'api/src/index.ts': HTTP_SRC, 'api/Dockerfile': 'FROM node:20-slim\nCOPY . .\nCMD ["node", "dist/index.js"]\n' };
  const ORDERS = { 'orders/package.json': PKG(), 'orders/src/index.ts': HTTP_SRC, 'orders/Dockerfile': 'FROM node:20-slim\nCOPY . .\nCMD ["node", "dist/index.js"]\n' };
  const conf = [
    'upstream orders_pool {',
    '    server orders:4000 max_fails=3;', // line 2: a compose name
    '}',
    'server {',
    '    listen 80;',
    '    location /api/ { proxy_pass http://api:3000/; }', // line 6: a compose name
    '    location /orders/ { proxy_pass http://orders_pool/; }', // an upstream block, not a host
    '    location /cdn/ { proxy_pass https://cdn.example.com/; }', // not a compose service
    '    location /self/ { proxy_pass http://web:80/; }', // itself
    '}',
  ].join('\n');

  it('names the config file and line of each compose host the loaded config proxies to', () => {
    const files = { 'docker-compose.yml': COMPOSE_NGINX, 'web/Dockerfile': 'FROM nginx:1.27-alpine\nCOPY default.conf /etc/nginx/conf.d/default.conf\n', 'web/default.conf': conf + '\n', ...API, ...ORDERS };
    expect(at(readiness(files), 'ECS411')).toEqual([
      { service: 'web', file: 'web/default.conf', line: 2, severity: 'blocking' },
      { service: 'web', file: 'web/default.conf', line: 6, severity: 'blocking' },
    ]);
  });

  it('still reported after dockerfile-nginx-non-root: its sed only drops the user line and moves the pid file; another RUN editing the config is not followed', () => {
    const nonRoot =
      "FROM nginx:1.27-alpine\nCOPY default.conf /etc/nginx/conf.d/default.conf\nRUN sed -i -e '/^user /d' -e 's,^pid .*;,pid /tmp/nginx.pid;,' /etc/nginx/nginx.conf \\\n    && grep -q '^pid /tmp/nginx.pid;' /etc/nginx/nginx.conf \\\n    && chown -R nginx:nginx /var/cache/nginx\nUSER nginx\n";
    const files = { 'docker-compose.yml': COMPOSE_NGINX, 'web/Dockerfile': nonRoot, 'web/default.conf': conf + '\n', ...API, ...ORDERS };
    expect(at(readiness(files), 'ECS411').map((f) => f.line)).toEqual([2, 6]);
    const edits = { ...files, 'web/Dockerfile': nonRoot.replace("-e '/^user /d'", "-e 's,api:3000,api.internal:3000,'") };
    expect(at(readiness(edits), 'ECS411')).toEqual([]);
  });

  it('reads the template the entrypoint renders over the stock default.conf a RUN rm removed (review 5, P1)', () => {
    // The rm runs at build time; the entrypoint renders templates/default.conf.template into conf.d/default.conf at start.
    const template = 'upstream django { server ${BACKEND_HOST}:8000; }\nupstream pool { server orders:4000; }\n\nserver {\n    listen 80;\n    location /api/ { proxy_pass http://django; }\n    location /search/ {\n        proxy_pass http://api:3000/;\n    }\n    location / { proxy_pass http://pool; }\n}\n';
    const image = (dockerfile: string, compose = COMPOSE_NGINX) => ({ 'docker-compose.yml': compose, 'web/Dockerfile': dockerfile, 'web/templates/default.conf.template': template, ...API, ...ORDERS });
    const lines = (files: Record<string, string>) => at(readiness(files), 'ECS411').map((f) => `${f.file}:${f.line}`);
    const rendered = ['web/templates/default.conf.template:2', 'web/templates/default.conf.template:8'];
    for (const rm of ['RUN rm /etc/nginx/conf.d/default.conf', 'RUN rm -f /etc/nginx/conf.d/*.conf'])
      expect(lines(image(`FROM nginx:1.27-alpine\n${rm}\nCOPY templates/ /etc/nginx/templates/\nEXPOSE 80\n`)), rm).toEqual(rendered);
    // The rm after the COPY, and no rm at all (the template overwrites the stock file at start).
    expect(lines(image('FROM nginx:1.27-alpine\nCOPY templates/ /etc/nginx/templates/\nRUN rm /etc/nginx/conf.d/default.conf\n'))).toEqual(rendered);
    expect(lines(image('FROM nginx:1.27-alpine\nCOPY templates/ /etc/nginx/templates/\n'))).toEqual(rendered);
    // Removing the template itself (it is never rendered), or rendering it where nothing includes it: not loaded.
    expect(lines(image('FROM nginx:1.27-alpine\nRUN rm /etc/nginx/conf.d/default.conf\nCOPY templates/ /etc/nginx/templates/\nRUN rm -rf /etc/nginx/templates\n'))).toEqual([]);
    expect(lines(image('FROM nginx:1.27-alpine\nENV NGINX_ENVSUBST_OUTPUT_DIR=/etc/nginx\nRUN rm /etc/nginx/conf.d/default.conf\nCOPY templates/ /etc/nginx/templates/\n'))).toEqual([]);
    // Another suffix from the compose environment: a .template file is then not rendered, a .tpl one is.
    const tpl = COMPOSE_NGINX.replace('    build: ./web\n', '    build: ./web\n    environment:\n      NGINX_ENVSUBST_TEMPLATE_SUFFIX: .tpl\n');
    const copyRm = 'FROM nginx:1.27-alpine\nRUN rm /etc/nginx/conf.d/default.conf\nCOPY templates/ /etc/nginx/templates/\n';
    expect(lines(image(copyRm, tpl))).toEqual([]);
    const viaTpl = { ...image(copyRm, tpl), 'web/templates/default.conf.tpl': template };
    expect(lines(viaTpl)).toEqual(rendered.map((r) => r.replace('.template', '.tpl')));
  });

  it('is silent for a host from a variable (envsubst template) and for a config the image does not load', () => {
    const template = 'server {\n    listen 80;\n    location /api/ { proxy_pass ${API_URL}; }\n}\n';
    const viaTemplate = { 'docker-compose.yml': COMPOSE_NGINX, 'web/Dockerfile': 'FROM nginx:1.27-alpine\nCOPY default.conf.template /etc/nginx/templates/default.conf.template\nRUN rm /etc/nginx/conf.d/default.conf\n', 'web/default.conf.template': template, ...API, ...ORDERS };
    expect(at(readiness(viaTemplate), 'ECS411')).toEqual([]);
    const notCopied = { 'docker-compose.yml': COMPOSE_NGINX, 'web/Dockerfile': 'FROM nginx:1.27-alpine\nCOPY dist/ /usr/share/nginx/html/\n', 'web/default.conf': conf + '\n', ...API, ...ORDERS };
    expect(at(readiness(notCopied), 'ECS411')).toEqual([]);
  });
});

describe('ECS412 a localhost URL is built into a frontend bundle', () => {
  const SPA_PKG = JSON.stringify({ name: 'admin', private: true, scripts: { dev: 'vite', build: 'vite build' }, devDependencies: { vite: '^5' } }) + '\n';
  const SPA = (dockerfile: string, compose = 'services:\n  admin:\n    build: ./admin\n    ports:\n      - "8081:80"\n') => ({
    'docker-compose.yml': compose,
    'admin/package.json': SPA_PKG,
    'admin/src/main.jsx': "const api = import.meta.env.VITE_API_URL || 'http://localhost:8000';\nexport default api;\n",
    'admin/Dockerfile': dockerfile,
  });
  const stages = (arg: string, build = 'RUN npm run build') =>
    `FROM node:20-alpine AS build\nWORKDIR /src\nCOPY package.json ./\nRUN npm ci\nCOPY . .\n${arg}\n${build}\n\nFROM nginx:1.27-alpine\nCOPY --from=build /src/dist /usr/share/nginx/html\nEXPOSE 80\n`;

  it('warns at the ARG default a build stage bakes in (through the package script), and at the compose build.args line', () => {
    expect(at(readiness(SPA(stages('ARG VITE_API_URL=http://localhost:8000'))), 'ECS412')).toEqual([{ service: 'admin', file: 'admin/Dockerfile', line: 6, severity: 'warning' }]);
    const viaCompose = 'services:\n  admin:\n    build:\n      context: ./admin\n      args:\n        VITE_API_URL: http://127.0.0.1:8000\n';
    expect(at(readiness(SPA(stages('ARG VITE_API_URL'), viaCompose)), 'ECS412')).toEqual([{ service: 'admin', file: 'docker-compose.yml', line: 6, severity: 'warning' }]);
    const next = 'FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci\nARG NEXT_PUBLIC_API_URL=http://localhost:4000\nENV NEXT_PUBLIC_API_URL=$NEXT_PUBLIC_API_URL\nRUN npx next build\nCMD ["npx", "next", "start"]\n';
    expect(at(readiness(SPA(next)), 'ECS412').map((f) => f.line)).toEqual([5]);
  });

  // Each near miss beside the one-token variant that warns, so a rule that never reports fails too.
  const lines = (dockerfile: string) => at(readiness(SPA(dockerfile)), 'ECS412').map((f) => f.line);

  it('is silent for a non-localhost default', () => {
    expect(lines(stages('ARG VITE_API_URL=http://localhost:8000'))).toEqual([6]);
    expect(lines(stages('ARG VITE_API_URL=https://api.example.com'))).toEqual([]);
  });

  it('is silent for a server-side variable', () => {
    expect(lines(stages('ENV REACT_APP_API_URL=http://localhost:8000', 'RUN npx react-scripts build'))).toEqual([6]);
    expect(lines(stages('ENV API_URL=http://localhost:8000', 'RUN npx react-scripts build'))).toEqual([]);
  });

  it('is silent for an ARG no build step reads (no build, or the build before it)', () => {
    expect(lines(stages('ARG VITE_API_URL=http://localhost:8000', 'RUN npm run build'))).toEqual([6]);
    expect(lines(stages('ARG VITE_API_URL=http://localhost:8000', 'RUN npm run dev -- --help'))).toEqual([]);
    expect(lines(stages('RUN npm run build', 'ARG VITE_API_URL=http://localhost:8000'))).toEqual([]);
  });
});

describe('ECS413 Django ALLOWED_HOSTS vs the ALB health check', () => {
  const django = (settings: Record<string, string>, environment = '') => ({
    'docker-compose.yml': `services:\n  web:\n    build: ./web\n    ports:\n      - "8000:8000"\n${environment}`,
    'web/requirements.txt': 'django==5.0\ngunicorn==22.0\n',
    'web/manage.py': 'import os\n\nif __name__ == "__main__":\n    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\n',
    'web/config/urls.py': 'from django.urls import path\nfrom core import views\n\nurlpatterns = [\n    path("healthz/", views.healthz),\n]\n',
    'web/core/views.py': 'from django.http import HttpResponse\n\n\ndef healthz(request):\n    return HttpResponse("ok")\n',
    'web/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nEXPOSE 8000\nCMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]\n',
    ...settings,
  });
  const envDefault = (fallback: string) => `import os\n\nDEBUG = False\nALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "${fallback}").split(",")\n`;

  it('names the settings line when the env default (manage.py settings module) lacks "*"', () => {
    expect(at(readiness(django({ 'web/config/settings.py': envDefault('localhost,127.0.0.1') })), 'ECS413')).toEqual([
      { service: 'web', file: 'web/config/settings.py', line: 4, severity: 'warning' },
    ]);
  });

  it('reads the settings module compose names (a settings package) and its literal list', () => {
    const files = django(
      {
        'web/config/settings/__init__.py': '',
        'web/config/settings/base.py': 'ALLOWED_HOSTS = ["*"]\n',
        'web/config/settings/prod.py': 'from .base import *  # noqa\n\nALLOWED_HOSTS = ("shop.example.com", \'api.example.com\')  # public names only\n',
      },
      '    environment:\n      DJANGO_SETTINGS_MODULE: config.settings.prod\n',
    );
    expect(at(readiness(files), 'ECS413')).toEqual([{ service: 'web', file: 'web/config/settings/prod.py', line: 3, severity: 'warning' }]);
  });

  it('stays silent when "*" is accepted or ALLOWED_HOSTS is computed, next to the literal list it reports', () => {
    expect(at(readiness(django({ 'web/config/settings.py': 'ALLOWED_HOSTS = ["localhost"]\n' })), 'ECS413')).toEqual([
      { service: 'web', file: 'web/config/settings.py', line: 1, severity: 'warning' },
    ]);
    const silent = [
      django({ 'web/config/settings.py': envDefault('*') }),
      django({ 'web/config/settings.py': 'ALLOWED_HOSTS = ["localhost", "*"]\n' }),
      django({ 'web/config/settings.py': envDefault('localhost') }, '    environment:\n      DJANGO_ALLOWED_HOSTS: "*"\n'),
      django({ 'web/config/settings.py': envDefault('localhost') }, '    environment:\n      DJANGO_ALLOWED_HOSTS: ${HOSTS:-localhost}\n'),
      django({ 'web/config/settings.py': 'from .hosts import task_hosts\n\nALLOWED_HOSTS = ["localhost"] + task_hosts()\n' }),
      django({ 'web/config/settings.py': 'ALLOWED_HOSTS = ["localhost"]\nALLOWED_HOSTS.append(task_ip())\n' }),
    ];
    for (const files of silent) expect(at(readiness(files), 'ECS413')).toEqual([]);
  });
});

describe('ECS414 the server listens on a loopback address (review5 N11)', () => {
  const DOCKERFILE = 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nEXPOSE 3000\nCMD ["node", "src/index.js"]\n';
  const withServer = (src: string, compose = COMPOSE) => readiness({ 'docker-compose.yml': compose, 'svc/package.json': PKG({ main: 'src/index.js', dependencies: { express: '^4', fastify: '^4' } }), 'svc/src/index.js': src, 'svc/Dockerfile': DOCKERFILE });

  it("fires on listen(port, process.env.HOST || 'localhost') when nothing sets HOST, on a literal 127.0.0.1, and on Fastify's default host", () => {
    const express = "const express = require('express');\nconst app = express();\napp.get('/health', (req, res) => res.send('ok'));\napp.listen(process.env.PORT || 3000, process.env.HOST || 'localhost');\n";
    expect(at(withServer(express), 'ECS414')).toEqual([{ service: 'svc', file: 'svc/src/index.js', line: 4, severity: 'blocking' }]);
    const literal = "const http = require('http');\nhttp.createServer((q, r) => r.end('ok')).listen(3000, '127.0.0.1');\n";
    expect(at(withServer(literal), 'ECS414')).toEqual([{ service: 'svc', file: 'svc/src/index.js', line: 2, severity: 'blocking' }]);
    const fastify = "const Fastify = require('fastify');\nconst app = Fastify({ logger: true });\napp.get('/health', async () => ({ ok: true }));\napp.listen({ port: Number(process.env.PORT) || 3000 });\n";
    expect(at(withServer(fastify), 'ECS414')).toEqual([{ service: 'svc', file: 'svc/src/index.js', line: 4, severity: 'blocking' }]);
  });

  it("follows the host argument through a const, as the Nx Express template writes it (review9 R28)", () => {
    const nx = [
      "const express = require('express');",
      '',
      "const host = process.env.HOST ?? 'localhost';",
      'const port = process.env.PORT ? Number(process.env.PORT) : 3333;',
      '',
      'const app = express();',
      '',
      "app.get('/api', (req, res) => {",
      "  res.send({ message: 'Welcome to admin!' });",
      '});',
      '',
      'app.listen(port, host, () => {',
      '  console.log(`[ ready ] http://${host}:${port}`);',
      '});',
      '',
    ].join('\n');
    expect(at(withServer(nx), 'ECS414')).toEqual([{ service: 'svc', file: 'svc/src/index.js', line: 12, severity: 'blocking' }]);
    // HOST set by compose, a const holding 0.0.0.0, and a callback passed by name stay silent.
    expect(at(withServer(nx, COMPOSE + '    environment:\n      HOST: 0.0.0.0\n'), 'ECS414')).toEqual([]);
    expect(at(withServer(nx.replace("process.env.HOST ?? 'localhost'", "'0.0.0.0'")), 'ECS414')).toEqual([]);
    expect(at(withServer("const express = require('express');\nconst app = express();\nconst ready = () => console.log('up');\napp.listen(3000, ready);\n"), 'ECS414')).toEqual([]);
  });

  it("stays silent on 0.0.0.0, on Fastify given host '0.0.0.0', on a plain listen(port), and when compose sets HOST=0.0.0.0", () => {
    expect(at(withServer("const express = require('express');\nconst app = express();\napp.listen(3000, '0.0.0.0');\n"), 'ECS414')).toEqual([]);
    expect(at(withServer("const fastify = require('fastify')();\nconst Fastify = require('fastify');\nconst app = Fastify();\napp.listen({ port: 3000, host: '0.0.0.0' });\n"), 'ECS414')).toEqual([]);
    expect(at(withServer("const express = require('express');\nconst app = express();\napp.listen(process.env.PORT || 3000);\n"), 'ECS414')).toEqual([]);
    const hostFromEnv = "const express = require('express');\nconst app = express();\napp.listen(3000, process.env.HOST || 'localhost');\n";
    expect(at(withServer(hostFromEnv, COMPOSE + '    environment:\n      HOST: 0.0.0.0\n'), 'ECS414')).toEqual([]);
  });
});

describe('ECS402 and ECS414 read the image ENV as the build expands it (one model with the start command)', () => {
  const helper = "function getServicePortSync() {\n  const port = process.env.SVC_PORT || process.env.PORT;\n  if (!port) throw new Error('SVC_PORT or PORT must be set');\n  return Number(port);\n}\n";
  const server = helper + "const express = require('express');\nconst app = express();\napp.get('/health', (req, res) => res.send('ok'));\napp.listen(getServicePortSync(), process.env.HOST || '0.0.0.0');\n";
  const image = (env: string) => `FROM node:20-slim\n${env}\nWORKDIR /app\nCOPY . .\nEXPOSE 3000\nCMD ["node", "src/index.js"]\n`;
  const repo = (env: string, src = server) => readiness({ 'docker-compose.yml': COMPOSE, 'svc/package.json': PKG({ main: 'src/index.js' }), 'svc/src/index.js': src, 'svc/Dockerfile': image(env) });

  it('ECS402: ENV PORT=$P after ARG P=3000 is PORT 3000 (info, the message says 3000, not $P); after a bare ARG P it is not established (warning)', () => {
    const set = repo('ARG P=3000\nENV PORT=$P').filter((f) => f.code === 'ECS402');
    expect(set.map((f) => f.severity)).toEqual(['info']);
    expect(set[0]?.message).toContain('PORT=3000');
    expect(set[0]?.message).not.toContain('$P');
    expect(at(repo('ARG P\nENV PORT=$P'), 'ECS402')).toEqual([{ service: 'svc', file: 'svc/src/index.js', line: 9, severity: 'warning' }]);
  });

  it('ECS414: ENV HOST=$BIND after ARG BIND=127.0.0.1 binds loopback; after a bare ARG BIND the host is not established and nothing is claimed', () => {
    const src = "const express = require('express');\nconst app = express();\napp.get('/health', (req, res) => res.send('ok'));\napp.listen(3000, process.env.HOST || 'localhost');\n";
    expect(at(repo('ARG BIND=127.0.0.1\nENV HOST=$BIND', src), 'ECS414')).toEqual([{ service: 'svc', file: 'svc/src/index.js', line: 4, severity: 'blocking' }]);
    expect(at(repo('ARG BIND\nENV HOST=$BIND', src), 'ECS414')).toEqual([]);
    expect(at(repo('ARG BIND=0.0.0.0\nENV HOST=$BIND', src), 'ECS414')).toEqual([]);
  });
});

describe('ECS417 the start command runs migrations before the server with && (review6 R7)', () => {
  // review6 R7's billing: listen-before-mongo moves prisma.$connect() behind listen, but the CMD runs
  // `prisma migrate deploy &&` first, so with the database down node never starts.
  const billing = (cmd: string, compose = 'services:\n  billing:\n    build: ./apps/billing\n    ports:\n      - "4000:4000"\n') => ({
    'docker-compose.yml': compose,
    'apps/billing/package.json': PKG({ name: '@acme/billing', dependencies: { '@prisma/client': '^5.14.0', express: '^4.19.2', prisma: '^5.14.0' } }),
    'apps/billing/src/server.js':
      "const express = require('express');\nconst { PrismaClient } = require('@prisma/client');\n\nconst prisma = new PrismaClient();\nconst app = express();\napp.get('/health', (req, res) => res.send('OK'));\nconst PORT = process.env.PORT || 4000;\n\nasync function bootstrap() {\n  app.listen(PORT, () => console.log(`billing on ${PORT}`));\n  void (async () => {\n    for (let attempt = 1; ; attempt++) {\n      try {\n        await prisma.$connect();\n        return;\n      } catch (error) {\n        await new Promise((resolve) => setTimeout(resolve, 1000));\n      }\n    }\n  })();\n}\n\nbootstrap().catch(async (e) => {\n  console.error(e);\n  process.exit(1);\n});\n",
    'apps/billing/Dockerfile': `FROM node:20-alpine\nWORKDIR /app/apps/billing\nCOPY apps/billing ./\nRUN npm install\nEXPOSE 4000\n${cmd}\n`,
  });

  it('names the CMD line, blocking, even where the code already listens first', () => {
    const found = readiness(billing('CMD ["sh", "-c", "npx prisma migrate deploy && node src/server.js"]'));
    expect(at(found, 'ECS417')).toEqual([{ service: 'billing', file: 'apps/billing/Dockerfile', line: 6, severity: 'blocking' }]);
    expect(at(found, 'ECS410').map((f) => `${f.file}:${f.line}`)).toEqual(['apps/billing/Dockerfile:6']);
    expect(at(found, 'ECS401')).toEqual([]);
  });

  it('not when the server starts whatever the migration does (;), nor for the migration alone', () => {
    expect(at(readiness(billing('CMD npx prisma migrate deploy; node src/server.js')), 'ECS417')).toEqual([]);
    expect(at(readiness(billing('CMD ["npx", "prisma", "migrate", "deploy"]')), 'ECS417')).toEqual([]);
  });

  it('on the compose command that replaces the CMD, not on the CMD it replaces', () => {
    const compose = 'services:\n  billing:\n    build: ./apps/billing\n    command: sh -c "npx prisma migrate deploy && node src/server.js"\n    ports:\n      - "4000:4000"\n';
    const found = readiness(billing('CMD ["sh", "-c", "npx prisma migrate deploy && node src/server.js"]', compose));
    expect(at(found, 'ECS417').map((f) => `${f.file}:${f.line}`)).toEqual(['docker-compose.yml:4']);
  });
});

describe('ECS407 / ECS410 on the compose command the task definition runs (review5 P11, P15)', () => {
  const DJANGO = {
    'web/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nEXPOSE 8000\nCMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]\n',
    'web/requirements.txt': 'django==5.0\ngunicorn==22.0\n',
    'web/manage.py': "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n",
    'web/config/urls.py': "from django.urls import path\nfrom django.http import HttpResponse\nurlpatterns = [path('healthz/', lambda r: HttpResponse('ok'))]\n",
  };
  const compose = (command: string) => `services:\n  web:\n    build: ./web\n    command: ${command}\n    ports:\n      - "8000:8000"\n`;

  it('runserver in docker-compose.yml (carried into the task definition) is ECS407 at the command line', () => {
    const found = readiness({ ...DJANGO, 'docker-compose.yml': compose('python manage.py runserver 0.0.0.0:8000') });
    expect(at(found, 'ECS407')).toEqual([{ service: 'web', file: 'docker-compose.yml', line: 4, severity: 'blocking' }]);
  });

  it('sh -c "migrate && gunicorn" is ECS410 at the command line', () => {
    const found = readiness({ ...DJANGO, 'docker-compose.yml': compose('sh -c "python manage.py migrate --noinput && gunicorn config.wsgi:application --bind 0.0.0.0:8000"') });
    expect(at(found, 'ECS410').map((f) => `${f.file}:${f.line}`)).toEqual(['docker-compose.yml:4']);
  });

  it('a runserver only the local-development layer (docker-compose.dev.yml) sets is not what the task definition runs: silent', () => {
    const found = readiness({ ...DJANGO, 'docker-compose.yml': 'services:\n  web:\n    build: ./web\n    ports:\n      - "8000:8000"\n', 'docker-compose.dev.yml': 'services:\n  web:\n    command: python manage.py runserver 0.0.0.0:8000\n    volumes:\n      - ./web:/app\n' });
    expect(at(found, 'ECS407')).toEqual([]);
  });
});

describe('ECS415 Django redirects the plain-HTTP health check to HTTPS (review5 P9)', () => {
  const django = (settings: string) => ({
    'docker-compose.yml': 'services:\n  web:\n    build: ./web\n    ports:\n      - "8000:8000"\n',
    'web/requirements.txt': 'django==5.0\ngunicorn==22.0\n',
    'web/manage.py': 'import os\n\nif __name__ == "__main__":\n    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\n',
    'web/config/urls.py': 'from django.urls import path\nfrom core import views\n\nurlpatterns = [\n    path("healthz/", views.healthz),\n]\n',
    'web/core/views.py': 'from django.http import HttpResponse\n\n\ndef healthz(request):\n    return HttpResponse("ok")\n',
    'web/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nEXPOSE 8000\nCMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]\n',
    'web/config/settings.py': settings,
  });

  it('names SECURE_SSL_REDIRECT = True, and `not DEBUG` with DEBUG = False, when the health path is not exempt', () => {
    expect(at(readiness(django('ALLOWED_HOSTS = ["*"]\nSECURE_SSL_REDIRECT = True\n')), 'ECS415')).toEqual([{ service: 'web', file: 'web/config/settings.py', line: 2, severity: 'blocking' }]);
    const notDebug = 'DEBUG = False\nALLOWED_HOSTS = ["*"]\nSECURE_SSL_REDIRECT = not DEBUG\nSECURE_REDIRECT_EXEMPT = [r"^admin/login/$"]\n';
    expect(at(readiness(django(notDebug)), 'ECS415')).toEqual([{ service: 'web', file: 'web/config/settings.py', line: 3, severity: 'blocking' }]);
  });

  it('stays silent when the health path is exempt, the redirect is off or computed', () => {
    expect(at(readiness(django('ALLOWED_HOSTS = ["*"]\nSECURE_SSL_REDIRECT = True\nSECURE_REDIRECT_EXEMPT = [r"^healthz/$"]\n')), 'ECS415')).toEqual([]);
    expect(at(readiness(django('ALLOWED_HOSTS = ["*"]\nSECURE_SSL_REDIRECT = False\n')), 'ECS415')).toEqual([]);
    expect(at(readiness(django('import os\nALLOWED_HOSTS = ["*"]\nSECURE_SSL_REDIRECT = os.environ.get("SSL_REDIRECT") == "1"\n')), 'ECS415')).toEqual([]);
  });
});

describe('ECS416 compose bind-mounts a repo file the image does not contain (review5 P14)', () => {
  const proxy = (compose: string, dockerfile = 'FROM nginx:1.27-alpine\nEXPOSE 80\n') => ({
    'docker-compose.yml': compose,
    'proxy/Dockerfile': dockerfile,
    'proxy/default.conf': 'server {\n  listen 80;\n  location / { proxy_pass http://api:3000; }\n}\n',
  });
  const base = 'services:\n  proxy:\n    build: ./proxy\n    ports:\n      - "80:80"\n    volumes:\n      - ./proxy/default.conf:/etc/nginx/conf.d/default.conf:ro\n';

  it('names the mount line when the image does not COPY the file', () => {
    expect(at(readiness(proxy(base)), 'ECS416')).toEqual([{ service: 'proxy', file: 'docker-compose.yml', line: 7, severity: 'warning' }]);
  });

  it('stays silent when the image COPYs it to that path, for a mounted directory, and for a named volume', () => {
    expect(at(readiness(proxy(base, 'FROM nginx:1.27-alpine\nCOPY default.conf /etc/nginx/conf.d/default.conf\nEXPOSE 80\n')), 'ECS416')).toEqual([]);
    expect(at(readiness(proxy(base.replace('./proxy/default.conf:/etc/nginx/conf.d/default.conf:ro', './proxy:/etc/nginx/conf.d:ro'))), 'ECS416')).toEqual([]);
    expect(at(readiness(proxy(base.replace('./proxy/default.conf:/etc/nginx/conf.d/default.conf:ro', 'confs:/etc/nginx/conf.d') + 'volumes:\n  confs:\n')), 'ECS416')).toEqual([]);
  });
});

describe('the package.json script the start command runs (review6 R21)', () => {
  // review6 R21's nest repo: `CMD ["npm", "run", "start:prod"]`, and the chain is in package.json.
  const NEST_PKG = (scripts: Record<string, string>) =>
    JSON.stringify({ name: 'nest-api', version: '0.0.1', private: true, scripts: { build: 'nest build', start: 'nest start', 'start:dev': 'nest start --watch', ...scripts }, dependencies: { '@nestjs/common': '^10.0.0', '@nestjs/core': '^10.0.0', '@prisma/client': '^5.14.0' }, devDependencies: { prisma: '^5.14.0' } }, null, 2) + '\n';
  const MAIN = "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\n\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  app.enableShutdownHooks();\n  await app.listen(process.env.PORT ?? 3000);\n}\nbootstrap();\n";
  const DOCKERFILE = (tail: string) =>
    `FROM node:20-alpine AS build\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npx prisma generate && npm run build\n\nFROM node:20-alpine\nWORKDIR /app\nCOPY --from=build /app/package.json ./\nCOPY --from=build /app/node_modules ./node_modules\nCOPY --from=build /app/dist ./dist\nCOPY --from=build /app/prisma ./prisma\nEXPOSE 3000\n${tail}`;
  const nest = (scripts: Record<string, string>, tail = 'CMD ["npm", "run", "start:prod"]\n', extra: Record<string, string> = {}) => ({
    'docker-compose.yml': 'services:\n  api:\n    build: .\n    ports:\n      - "3000:3000"\n',
    'package.json': NEST_PKG(scripts),
    'package-lock.json': '{"name":"nest-api","lockfileVersion":3,"requires":true,"packages":{"":{"name":"nest-api"}}}\n',
    'src/main.ts': MAIN,
    'src/app.controller.ts': "import { Controller, Get } from '@nestjs/common';\n\n@Controller()\nexport class AppController {\n  @Get('health')\n  health() {\n    return { status: 'ok' };\n  }\n}\n",
    Dockerfile: DOCKERFILE(tail),
    ...extra,
  });
  const all = (files: Record<string, string>) => {
    const tree: Tree = new Map(Object.entries(files));
    const { repo, plan } = planTree(tree, []);
    return buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, []).findings;
  };
  const where = (findings: Finding[], code: string) => findings.filter((f) => f.code === code).map((f) => `${f.file}:${f.line}`);
  // The same repo on a Debian-based image, whose /bin/sh is dash.
  const debian = (scripts: Record<string, string>, tail = 'CMD ["npm", "run", "start:prod"]\n', extra: Record<string, string> = {}) => {
    const files = nest(scripts, tail, extra);
    files.Dockerfile = (files.Dockerfile as string).replaceAll('node:20-alpine', 'node:20-slim');
    return files;
  };

  it('`npm run start:prod` with "prisma migrate deploy && node dist/main": ECS410, ECS417, and ECS140 at the script line on a Debian-based image', () => {
    const found = all(debian({ 'start:prod': 'prisma migrate deploy && node dist/main' }));
    expect(where(found, 'ECS410')).toEqual(['package.json:9']);
    expect(at(found, 'ECS417')).toEqual([{ service: 'api', file: 'package.json', line: 9, severity: 'blocking' }]);
    expect(where(found, 'ECS140')).toEqual(['package.json:9']);
    expect(found.find((f) => f.code === 'ECS410')?.message).toContain('npm run start:prod');
  });

  it('the list on alpine: no ECS140 (busybox ash execs the last command of an && list), ECS410 and ECS417 still', () => {
    const found = all(nest({ 'start:prod': 'prisma migrate deploy && node dist/main' }));
    expect(where(found, 'ECS410')).toEqual(['package.json:9']);
    expect(where(found, 'ECS417')).toEqual(['package.json:9']);
    expect(where(found, 'ECS140')).toEqual([]);
    expect(where(all(nest({ 'start:prod': 'prisma migrate deploy; node dist/main' })), 'ECS140')).toEqual([]);
  });

  it('a list behind an init that signals the process group, or run by yarn 2+: no ECS140', () => {
    const list = { 'start:prod': 'prisma migrate deploy && node dist/main' };
    expect(where(all(debian(list, 'ENTRYPOINT ["dumb-init", "--"]\nCMD ["npm", "run", "start:prod"]\n')), 'ECS140')).toEqual([]);
    expect(where(all(debian(list, 'CMD ["yarn", "start:prod"]\n', { '.yarnrc.yml': 'nodeLinker: node-modules\n' })), 'ECS140')).toEqual([]);
    expect(where(all(debian(list, 'ENTRYPOINT ["tini", "--"]\nCMD ["npm", "run", "start:prod"]\n')), 'ECS140')).toEqual(['package.json:9']);
  });

  it('pm2 start then pm2 logs (review: `exec pm2 logs` does not help): ECS422 at warning, no ECS140, on alpine and on Debian', () => {
    for (const files of [nest({ start: 'pm2 start dist/main.js && pm2 logs' }, 'CMD ["npm", "start"]\n'), debian({ start: 'pm2 start dist/main.js && pm2 logs' }, 'CMD ["npm", "start"]\n')]) {
      const found = all(files);
      expect(where(found, 'ECS140')).toEqual([]);
      expect(at(found, 'ECS422')).toEqual([{ service: 'api', file: 'package.json', line: 7, severity: 'warning' }]);
      expect(found.find((f) => f.code === 'ECS422')?.message).toContain('pm2-runtime');
    }
    // In the foreground, the last command of the list is the server again: ECS140 on Debian, no ECS422.
    const foreground = all(debian({ start: 'pm2 flush && pm2-runtime start dist/main.js' }, 'CMD ["npm", "start"]\n'));
    expect(where(foreground, 'ECS140')).toEqual(['package.json:7']);
    expect(where(foreground, 'ECS422')).toEqual([]);
  });

  it('npm\'s prestart hook migrates before `npm start`: ECS410 and ECS417 at the hook; the server script alone is no list', () => {
    const found = all(nest({ prestart: 'prisma migrate deploy', start: 'node dist/main' }, 'CMD ["npm", "start"]\n'));
    expect(where(found, 'ECS410')).toEqual(['package.json:9']);
    expect(where(found, 'ECS417')).toEqual(['package.json:9']);
    expect(where(found, 'ECS140')).toEqual([]);
  });

  it('a script the start script runs first (`npm run migrate && exec node dist/main`): ECS410 at the migrate script, no ECS140 with exec', () => {
    const found = all(nest({ migrate: 'prisma migrate deploy', 'start:prod': 'npm run migrate && exec node dist/main' }));
    expect(where(found, 'ECS410')).toEqual(['package.json:9']);
    expect(where(found, 'ECS140')).toEqual([]);
  });

  it('the compose command that replaces the CMD runs the script', () => {
    const files = debian({ 'start:prod': 'prisma migrate deploy && node dist/main' }, 'CMD ["node", "dist/main"]\n');
    files['docker-compose.yml'] = 'services:\n  api:\n    build: .\n    command: npm run start:prod\n    ports:\n      - "3000:3000"\n';
    const found = all(files);
    expect(where(found, 'ECS410')).toEqual(['package.json:9']);
    expect(where(found, 'ECS140')).toEqual(['package.json:9']);
  });

  it('silent for a script that only starts the server, and for one the start command does not run', () => {
    const found = all(nest({ 'start:prod': 'node dist/main', 'db:deploy': 'prisma migrate deploy && node dist/main' }));
    expect(where(found, 'ECS410')).toEqual([]);
    expect(where(found, 'ECS417')).toEqual([]);
    expect(where(found, 'ECS140')).toEqual([]);
  });

  describe('a single-command script on a Debian-based image (dash does not exec it)', () => {
    it('`"start:prod": "node dist/main"` run by npm on node:20-slim: ECS140 at the script line', () => {
      expect(where(all(debian({ 'start:prod': 'node dist/main' })), 'ECS140')).toEqual(['package.json:9']);
      expect(where(all(debian({ 'start:prod': 'NODE_ENV=production node dist/main' })), 'ECS140')).toEqual(['package.json:9']);
    });

    it('silent on alpine (busybox ash execs it), with exec, and for a list already reported once', () => {
      expect(where(all(nest({ 'start:prod': 'node dist/main' })), 'ECS140')).toEqual([]);
      expect(where(all(debian({ 'start:prod': 'exec node dist/main' })), 'ECS140')).toEqual([]);
      expect(where(all(debian({ 'start:prod': 'prisma migrate deploy && node dist/main' })), 'ECS140')).toEqual(['package.json:9']);
    });

    it('silent behind an init that signals the process group (dumb-init, tini -g), reported behind plain tini', () => {
      const behind = (init: string) => debian({ 'start:prod': 'node dist/main' }, `ENTRYPOINT [${init}]\nCMD ["npm", "run", "start:prod"]\n`);
      expect(where(all(behind('"dumb-init", "--"')), 'ECS140')).toEqual([]);
      expect(where(all(behind('"/usr/bin/tini", "-g", "--"')), 'ECS140')).toEqual([]);
      expect(where(all(behind('"/usr/bin/dumb-init", "--single-child", "--"')), 'ECS140')).toEqual(['package.json:9']);
      expect(where(all(behind('"tini", "--"')), 'ECS140')).toEqual(['package.json:9']);
    });

    it('silent when an .npmrc names another script-shell, and for yarn 2+ (its own shell)', () => {
      expect(where(all(debian({ 'start:prod': 'node dist/main' }, undefined, { '.npmrc': 'script-shell=/bin/bash\n' })), 'ECS140')).toEqual([]);
      const yarn = debian({ 'start:prod': 'node dist/main' }, 'CMD ["yarn", "start:prod"]\n', { '.yarnrc.yml': 'nodeLinker: node-modules\n' });
      expect(where(all(yarn), 'ECS140')).toEqual([]);
    });
  });

  it('an ENTRYPOINT script in the build context: the migration is ECS410; `exec "$@"` makes node PID 1 (no ECS140), a script without exec is ECS140', () => {
    const tail = 'COPY docker-entrypoint.sh /usr/local/bin/\nENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["node", "dist/main"]\n';
    const script = (last: string) => `#!/bin/sh\nset -e\n\nnpx prisma migrate deploy\n\n${last}\n`;
    const withExec = all(nest({ 'start:prod': 'node dist/main' }, tail, { 'docker-entrypoint.sh': script('exec "$@"') }));
    expect(where(withExec, 'ECS410')).toEqual(['docker-entrypoint.sh:4']);
    expect(where(withExec, 'ECS140')).toEqual([]);
    const without = all(nest({ 'start:prod': 'node dist/main' }, tail.replace('CMD ["node", "dist/main"]\n', ''), { 'docker-entrypoint.sh': script('node dist/main') }));
    expect(where(without, 'ECS410')).toEqual(['docker-entrypoint.sh:4']);
    expect(where(without, 'ECS140')).toEqual(['docker-entrypoint.sh:6']);
  });

  it('an ENTRYPOINT script that starts pm2 then tails its logs: ECS422 at warning at the last line, not ECS140', () => {
    const tail = 'COPY docker-entrypoint.sh /usr/local/bin/\nENTRYPOINT ["docker-entrypoint.sh"]\n';
    const found = all(nest({ 'start:prod': 'node dist/main' }, tail, { 'docker-entrypoint.sh': '#!/bin/sh\nset -e\n\npm2 start dist/main.js\npm2 logs\n' }));
    expect(where(found, 'ECS140')).toEqual([]);
    expect(at(found, 'ECS422')).toEqual([{ service: 'api', file: 'docker-entrypoint.sh', line: 5, severity: 'warning' }]);
  });
});

describe('ECS410 in an ENTRYPOINT script exec finds on PATH (review9 R3)', () => {
  // review9 R3's acme-platform api: context = the repo root, the script copied to /usr/local/bin under
  // its own name and started by that bare name (the official node image's convention), WORKDIR moved after.
  const DOCKERFILE = (prod: string) =>
    [
      '# syntax=docker/dockerfile:1.4',
      'ARG NODE_VERSION=18.19.0',
      '',
      'FROM node:${NODE_VERSION}-alpine AS base',
      'WORKDIR /usr/src/app',
      'RUN apk add --no-cache openssl libc6-compat',
      '',
      'FROM base AS build',
      'COPY package.json package-lock.json ./',
      'COPY apps/api/package.json ./apps/api/',
      'RUN npm ci --workspace=@acme/api --include-workspace-root',
      'COPY . .',
      'RUN npm run build --workspace=@acme/api',
      '',
      'FROM base AS prod',
      'ENV NODE_ENV=production',
      'COPY --from=build /usr/src/app/node_modules ./node_modules',
      'COPY --from=build /usr/src/app/apps/api/dist ./apps/api/dist',
      'COPY --from=build /usr/src/app/apps/api/prisma ./apps/api/prisma',
      'COPY apps/api/package.json ./apps/api/',
      prod,
      'EXPOSE 3000',
      'CMD ["node", "dist/main.js"]',
      '',
    ].join('\n');
  const SCRIPT = '#!/bin/sh\nset -e\n\nif [ "${SKIP_MIGRATIONS:-false}" != "true" ]; then\n  echo "Running database migrations..."\n  npx prisma migrate deploy --schema ./prisma/schema.prisma\nfi\n\nexec "$@"\n';
  const repo = (prod: string) => ({
    'docker-compose.yml': 'name: acme\nservices:\n  api:\n    build:\n      context: .\n      dockerfile: docker/api.Dockerfile\n      target: prod\n    ports:\n      - "3000:3000"\n    environment:\n      API_PORT: 3000\n',
    'package.json': JSON.stringify({ name: 'acme-platform', private: true, workspaces: ['apps/*'] }, null, 2) + '\n',
    'package-lock.json': '{"name":"acme-platform","lockfileVersion":3,"requires":true,"packages":{"":{"name":"acme-platform","workspaces":["apps/*"]}}}\n',
    'apps/api/package.json': JSON.stringify({ name: '@acme/api', version: '1.4.2', private: true, main: 'dist/main.js', scripts: { build: 'tsc -p tsconfig.json', start: 'node dist/main.js' }, dependencies: { express: '^4.18.2' } }, null, 2) + '\n',
    'apps/api/src/main.ts': "import express from 'express';\nconst app = express();\napp.get('/api/v1/health', (_req, res) => res.send('ok'));\napp.listen(Number(process.env.API_PORT) || 3000);\n",
    'apps/api/prisma/schema.prisma': 'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n',
    'docker/docker-entrypoint.sh': SCRIPT,
    'docker/api.Dockerfile': DOCKERFILE(prod),
  });
  const lines = (files: Record<string, string>) => at(readiness(files), 'ECS410').map((f) => `${f.service} ${f.file}:${f.line}`);

  it('a bare ENTRYPOINT name is the script COPY put in /usr/local/bin (the default PATH)', () => {
    const prod = 'COPY docker/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh\nWORKDIR /usr/src/app/apps/api\nENTRYPOINT ["docker-entrypoint.sh"]';
    expect(lines(repo(prod))).toEqual(['api docker/docker-entrypoint.sh:6']);
  });

  it('behind tini, and in a directory an ENV PATH of the stage puts on PATH', () => {
    const prod = 'RUN apk add --no-cache tini\nCOPY docker/docker-entrypoint.sh /opt/acme/bin/\nENV PATH=/opt/acme/bin:$PATH\nWORKDIR /usr/src/app/apps/api\nENTRYPOINT ["/sbin/tini", "--", "docker-entrypoint.sh"]';
    expect(lines(repo(prod))).toEqual(['api docker/docker-entrypoint.sh:6']);
  });

  it('silent for a directory that is not on PATH (exec cannot start the script by its bare name)', () => {
    const prod = 'COPY docker/docker-entrypoint.sh /opt/acme/bin/\nWORKDIR /usr/src/app/apps/api\nENTRYPOINT ["docker-entrypoint.sh"]';
    expect(lines(repo(prod))).toEqual([]);
  });
});

describe('ECS421 an entrypoint script whose #! interpreter the image lacks (review9 R36)', () => {
  // review9 R36's B-al2: Flask under uWSGI on python:3.12-alpine, ENTRYPOINT an absolute script path, #!/bin/bash.
  const SCRIPT = (shebang: string) => `${shebang}\nset -e\n\nif [ "$1" = "uwsgi" ]; then\n  echo "starting"\nfi\n\nexec "$@"\n`;
  const DOCKERFILE = (base: string, entry = '["/app/docker/entrypoint.sh"]', apk = 'libpq') =>
    `FROM ${base}\nRUN apk add --no-cache ${apk}\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\nEXPOSE 5000\nENTRYPOINT ${entry}\nCMD ["uwsgi", "--ini", "uwsgi.ini"]\n`;
  const repo = (dockerfile: string, shebang = '#!/bin/bash') => ({
    'docker-compose.yml': 'services:\n  web:\n    build: ./backend\n    ports:\n      - "5000:5000"\n',
    'backend/requirements.txt': 'flask==3.0.0\nuwsgi==2.0.23\n',
    'backend/uwsgi.ini': '[uwsgi]\nmodule = wsgi:app\nhttp = 0.0.0.0:5000\n',
    'backend/wsgi.py': 'from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get("/health")\ndef health():\n    return "ok"\n',
    'backend/docker/entrypoint.sh': SCRIPT(shebang),
    'backend/Dockerfile': dockerfile,
  });
  const lines = (files: Record<string, string>) => at(readiness(files), 'ECS421').map((f) => `${f.severity} ${f.file}:${f.line}`);

  it('blocking at the ENTRYPOINT line for #!/bin/bash and #!/usr/bin/env bash on Alpine, and for any shell on distroless', () => {
    expect(lines(repo(DOCKERFILE('python:3.12-alpine')))).toEqual(['blocking backend/Dockerfile:8']);
    expect(lines(repo(DOCKERFILE('python:3.12-alpine'), '#!/usr/bin/env bash'))).toEqual(['blocking backend/Dockerfile:8']);
    const distroless = 'FROM python:3.12-slim AS build\nWORKDIR /app\nCOPY . .\n\nFROM gcr.io/distroless/python3-debian12\nWORKDIR /app\nCOPY --from=build /app /app\nENTRYPOINT ["/app/docker/entrypoint.sh"]\nCMD ["wsgi.py"]\n';
    expect(lines(repo(distroless, '#!/bin/sh'))).toEqual(['blocking backend/Dockerfile:8']);
  });

  it('silent when the image has it (apk add bash, a Debian base), for #!/bin/sh on Alpine, and for a script the ENTRYPOINT runs through sh', () => {
    expect(lines(repo(DOCKERFILE('python:3.12-alpine', undefined, 'libpq bash')))).toEqual([]);
    expect(lines(repo(DOCKERFILE('python:3.12-slim').replace('apk add --no-cache libpq', 'apt-get update')))).toEqual([]);
    expect(lines(repo(DOCKERFILE('python:3.12-alpine'), '#!/bin/sh'))).toEqual([]);
    expect(lines(repo(DOCKERFILE('python:3.12-alpine', '["sh", "/app/docker/entrypoint.sh"]')))).toEqual([]);
  });
});

describe('ECS418 a compose named volume shared by deployed services (review8 R14)', () => {
  // The Django + nginx shape: admin's collectstatic fills `static`, nginx serves it read-only.
  const stack = (extra = '') => ({
    'docker-compose.yml': [
      'services:',
      '  nginx:',
      '    build: ./nginx',
      '    ports:',
      '      - "80:80"',
      '    volumes:',
      '      - static:/var/www/static:ro',
      '  admin:',
      '    build: ./admin',
      '    volumes:',
      '      - static:/var/www/static',
      '      - media:/var/www/media',
      '  db:',
      '    image: postgres:16',
      '    volumes:',
      '      - pgdata:/var/lib/postgresql/data',
      extra,
      'volumes:',
      '  static:',
      '  media:',
      '  pgdata:',
      '',
    ].join('\n'),
    'nginx/Dockerfile': 'FROM nginx:1.27-alpine\nCOPY nginx.conf /etc/nginx/conf.d/default.conf\nEXPOSE 80\n',
    'nginx/nginx.conf': 'server {\n  listen 80;\n  location /static/ { alias /var/www/static/; }\n  location / { proxy_pass http://admin:8000; }\n}\n',
    'admin/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nEXPOSE 8000\nCMD ["gunicorn", "-b", "0.0.0.0:8000", "config.wsgi"]\n',
    'admin/requirements.txt': 'django==5.0\ngunicorn==22.0\n',
    'admin/manage.py': 'import django\n',
  });

  it('names every mount of a volume two deployed services share, with the other services', () => {
    expect(at(readiness(stack()), 'ECS418')).toEqual([
      { service: 'admin', file: 'docker-compose.yml', line: 11, severity: 'warning' },
      { service: 'nginx', file: 'docker-compose.yml', line: 7, severity: 'warning' },
    ]);
  });

  it('stays silent for a volume one service uses, and for a sharer that only a development profile runs', () => {
    const one = stack();
    one['docker-compose.yml'] = one['docker-compose.yml'].replace('      - static:/var/www/static:ro\n', '');
    expect(at(readiness(one), 'ECS418')).toEqual([]);
    const devOnly = stack();
    devOnly['docker-compose.yml'] = devOnly['docker-compose.yml'].replace('  admin:\n    build: ./admin\n', '  admin:\n    build: ./admin\n    profiles: [dev]\n');
    expect(at(readiness(devOnly), 'ECS418')).toEqual([]);
  });

  it('the task definitions say the volume is not carried over', () => {
    const tree: Tree = new Map(Object.entries(stack()));
    const { repo, plan } = planTree(tree, []);
    const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, []);
    for (const name of ['nginx', 'admin']) {
      const notes = report.ecs.find((s) => s.service === name)?.notes ?? [];
      expect(notes.filter((n) => n.includes('static')), name).toHaveLength(1);
    }
  });
});

describe('ECS419 a compose service that runs to completion (review8 R15)', () => {
  const stack = (condition = 'service_completed_successfully') => ({
    'docker-compose.yml': [
      'services:',
      '  db:',
      '    image: postgres:16',
      '  migrate:',
      '    build: ./api',
      '    command: ["python", "-m", "app.create_tables"]',
      '    restart: "no"',
      '    depends_on:',
      '      db:',
      '        condition: service_healthy',
      '  api:',
      '    build: ./api',
      '    ports:',
      '      - "8000:8000"',
      '    depends_on:',
      '      migrate:',
      `        condition: ${condition}`,
      '',
    ].join('\n'),
    'api/Dockerfile': 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nEXPOSE 8000\nCMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]\n',
    'api/requirements.txt': 'fastapi==0.110.0\nuvicorn==0.29.0\n',
    'api/app/main.py': 'from fastapi import FastAPI\napp = FastAPI()\n\n@app.get("/health")\ndef health():\n    return {"ok": True}\n',
    'api/app/create_tables.py': 'print("created")\n',
  });

  it('names the one-off service at the dependency that waits for its exit, and its task definition says so', () => {
    expect(at(readiness(stack()), 'ECS419')).toEqual([{ service: 'migrate', file: 'docker-compose.yml', line: 17, severity: 'info' }]);
    const tree: Tree = new Map(Object.entries(stack()));
    const { repo, plan } = planTree(tree, []);
    const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, []);
    expect(report.ecs.find((s) => s.service === 'migrate')?.notes.filter((n) => n.includes('run-task'))).toHaveLength(1);
    expect(report.ecs.find((s) => s.service === 'api')?.notes.filter((n) => n.includes('run-task'))).toHaveLength(0);
  });

  it('stays silent when nothing waits for the service to complete', () => {
    expect(at(readiness(stack('service_started')), 'ECS419')).toEqual([]);
  });

  // A job with an image of its own whose code also holds a server (a leftover admin endpoint): the
  // image serves HTTP, but the job is run once per deploy as a run-task that nothing connects to.
  const ownImage = (condition = 'service_completed_successfully') => ({
    'docker-compose.yml': `services:\n  migrate:\n    build: ./migrate\n  api:\n    build: ./api\n    ports:\n      - "3000:3000"\n    depends_on:\n      migrate:\n        condition: ${condition}\n`,
    'api/Dockerfile': 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\nENV PORT=3000\nEXPOSE 3000\nUSER node\nCMD ["node", "src/index.js"]\n',
    'api/package.json': PKG({ name: 'api', main: 'src/index.js' }),
    'api/package-lock.json': '{"lockfileVersion":3}\n',
    'api/src/index.js': "const express = require('express');\nconst app = express();\napp.get('/health', (q, r) => r.send('ok'));\napp.listen(process.env.PORT || 3000);\n",
    'migrate/Dockerfile': 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\nEXPOSE 8080\nUSER node\nCMD ["node", "src/index.js"]\n',
    'migrate/package.json': PKG({ name: 'migrate', main: 'src/index.js' }),
    'migrate/package-lock.json': '{"lockfileVersion":3}\n',
    'migrate/src/index.js': "const express = require('express');\nconst app = express();\napp.get('/status', (q, r) => r.send('migrating'));\napp.listen(3000, '127.0.0.1');\n",
  });
  const withTransforms = (files: Record<string, string>) => {
    const tree: Tree = new Map(Object.entries(files));
    const { repo, plan } = planTree(tree, [...TRANSFORMS]);
    return buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, [...TRANSFORMS]);
  };
  const LONG_RUNNING = ['ECS101', 'ECS107', 'ECS111', 'ECS113', 'ECS152', 'ECS409', 'ECS414'];

  it('a one-off job gets none of the long-running findings (port, HEALTHCHECK, loopback) and no port mapping, healthCheck or target group; as a service it does', () => {
    const job = withTransforms(ownImage());
    expect(job.findings.filter((f) => f.service === 'migrate' && LONG_RUNNING.includes(f.code)).map((f) => f.code)).toEqual([]);
    expect(job.findings.filter((f) => f.code === 'ECS009' && f.file === 'migrate/Dockerfile')).toEqual([]);
    const ecs = job.ecs.find((s) => s.service === 'migrate');
    expect(ecs?.taskDefinition.containerDefinitions[0]?.portMappings).toEqual([]);
    expect(ecs?.taskDefinition.containerDefinitions[0]?.healthCheck).toBeUndefined();
    expect(ecs?.targetGroup).toBeNull();
    expect(ecs?.notes.filter((n) => n.includes('ALB'))).toEqual([]);
    const service = withTransforms(ownImage('service_started'));
    expect([...new Set(service.findings.filter((f) => f.service === 'migrate' && LONG_RUNNING.includes(f.code)).map((f) => f.code))].sort()).toEqual(['ECS107', 'ECS113', 'ECS409', 'ECS414']);
    expect(service.ecs.find((s) => s.service === 'migrate')?.taskDefinition.containerDefinitions[0]?.portMappings).toEqual([{ containerPort: 8080, protocol: 'tcp' }]);
  });

  it('a job sharing the HTTP service\'s image does not keep the HEALTHCHECK out of it (no ECS152); a long-running second command does', () => {
    const shared = (condition: string) => withTransforms(stack(condition)).findings.filter((f) => f.file === 'api/Dockerfile');
    expect(shared('service_completed_successfully').map((f) => f.code)).not.toContain('ECS152');
    expect(shared('service_completed_successfully').filter((f) => f.code === 'ECS009' && f.fixedBy === 'dockerfile-healthcheck-env')).not.toEqual([]);
    expect(shared('service_started').map((f) => f.code)).toContain('ECS152');
  });

  it('a one-off job that migrates is the one-off task ECS410 asks for: no ECS410 for it; a long-running service that migrates at start keeps it', () => {
    const migrating = (condition: string, command = '["alembic", "upgrade", "head"]') => {
      const files = stack(condition);
      return readiness({ ...files, 'docker-compose.yml': (files['docker-compose.yml'] ?? '').replace('["python", "-m", "app.create_tables"]', command) });
    };
    expect(at(migrating('service_completed_successfully'), 'ECS410')).toEqual([]);
    // Not waited on, but its command is only a migration and it publishes no port: a one-off job too (review9 R23).
    expect(at(migrating('service_started'), 'ECS410')).toEqual([]);
    expect(at(migrating('service_started'), 'ECS419').map((f) => f.service)).toEqual(['migrate']);
    // A migration chained before a server is a long-running service that migrates at start.
    const chained = migrating('service_started', '["sh", "-c", "alembic upgrade head && exec uvicorn app.main:app --host 0.0.0.0"]');
    expect(at(chained, 'ECS410').map((f) => f.service)).toEqual(['migrate']);
  });
});

describe('ECS420 / ECS410 a NestJS database module connects before listen (review8 R13)', () => {
  const nest = (options: string) => ({
    'docker-compose.yml': 'services:\n  api:\n    build: ./api\n    ports:\n      - "3000:3000"\n',
    'api/Dockerfile': 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nEXPOSE 3000\nCMD ["node", "dist/main.js"]\n',
    'api/package.json': JSON.stringify({ name: 'api', scripts: { build: 'nest build', start: 'node dist/main.js' }, dependencies: { '@nestjs/core': '^10.4.4', '@nestjs/common': '^10.4.4', '@nestjs/typeorm': '^10.0.2', typeorm: '^0.3.20', pg: '^8.11.0' } }),
    'api/package-lock.json': '{"lockfileVersion":3}\n',
    'api/src/main.ts': "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\n\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.listen(process.env.PORT ?? 3000);\n}\nbootstrap();\n",
    'api/src/app.module.ts': [
      "import { Module } from '@nestjs/common';",
      "import { ConfigModule, ConfigService } from '@nestjs/config';",
      "import { TypeOrmModule } from '@nestjs/typeorm';",
      '',
      '@Module({',
      '  imports: [',
      '    ConfigModule.forRoot({ isGlobal: true }),',
      '    TypeOrmModule.forRootAsync({',
      '      inject: [ConfigService],',
      '      useFactory: (config: ConfigService) => ({',
      "        type: 'postgres',",
      "        url: config.getOrThrow('DATABASE_URL'),",
      `        ${options}`,
      '      }),',
      '    }),',
      '  ],',
      '})',
      'export class AppModule {}',
      '',
    ].join('\n'),
  });

  it('names the module call, and migrationsRun: true as migrations at every start', () => {
    const findings = readiness(nest('autoLoadEntities: true,\n        migrationsRun: true,'));
    expect(at(findings, 'ECS420')).toEqual([{ service: 'api', file: 'api/src/app.module.ts', line: 8, severity: 'warning' }]);
    expect(at(findings, 'ECS410')).toEqual([{ service: 'api', file: 'api/src/app.module.ts', line: 14, severity: 'warning' }]);
  });

  it('stays silent for a connection TypeORM does not open at start (manualInitialization) and without migrationsRun', () => {
    const findings = readiness(nest('manualInitialization: true,'));
    expect(at(findings, 'ECS420')).toEqual([]);
    expect(at(findings, 'ECS410')).toEqual([]);
  });
});

describe('ECS422 the start command puts the server in the background', () => {
  const PY_COMPOSE = 'services:\n  svc:\n    build: ./svc\n    ports:\n      - "8000:8000"\n';
  const py = (dockerfile: string, compose = PY_COMPOSE) => ({
    'docker-compose.yml': compose,
    'svc/requirements.txt': 'flask\ngunicorn\n',
    'svc/app.py': "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/health')\ndef health():\n    return 'ok'\n",
    'svc/Dockerfile': dockerfile,
  });
  const PY_BASE = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n';

  it('gunicorn --daemon as the CMD, through tini too; not when it stays in the foreground', () => {
    expect(at(readiness(py(`${PY_BASE}CMD ["gunicorn", "--daemon", "-b", "0.0.0.0:8000", "app:app"]\n`)), 'ECS422')).toEqual([{ service: 'svc', file: 'svc/Dockerfile', line: 5, severity: 'blocking' }]);
    expect(at(readiness(py(`${PY_BASE}ENTRYPOINT ["tini", "--"]\nCMD ["gunicorn", "-D", "-b", "0.0.0.0:8000", "app:app"]\n`)), 'ECS422').map((f) => f.line)).toEqual([6]);
    expect(at(readiness(py(`${PY_BASE}CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]\n`)), 'ECS422')).toEqual([]);
  });

  it('the task definition excerpt says so', () => {
    const notesOf = (dockerfile: string) => {
      const tree: Tree = new Map(Object.entries(py(dockerfile)));
      const { repo, plan } = planTree(tree, []);
      const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, []);
      return (report.ecs as { service: string; notes: string[] }[]).find((e) => e.service === 'svc')?.notes ?? [];
    };
    expect(notesOf(`${PY_BASE}CMD ["gunicorn", "--daemon", "-b", "0.0.0.0:8000", "app:app"]\n`).filter((n) => n.includes('ECS422'))).toHaveLength(1);
    expect(notesOf(`${PY_BASE}CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]\n`).filter((n) => n.includes('ECS422'))).toEqual([]);
  });

  it('gunicorn.conf.py `daemon = True` in the config gunicorn reads; not a config the process does not read', () => {
    const withConf = (cmd: string) => ({ ...py(`${PY_BASE}${cmd}\n`), 'svc/gunicorn.conf.py': 'bind = "0.0.0.0:8000"\nworkers = 2\ndaemon = True\n' });
    const found = at(readiness(withConf('CMD ["gunicorn", "-c", "gunicorn.conf.py", "app:app"]')), 'ECS422');
    expect(found).toEqual([{ service: 'svc', file: 'svc/Dockerfile', line: 5, severity: 'blocking' }]);
    expect(readiness(withConf('CMD ["gunicorn", "-c", "gunicorn.conf.py", "app:app"]')).find((f) => f.code === 'ECS422')?.message).toContain('svc/gunicorn.conf.py:3');
    expect(at(readiness(withConf('CMD ["fastapi", "run", "app.py", "--port", "8000"]')), 'ECS422')).toEqual([]);
  });

  it('uwsgi.ini `daemonize` in the ini uwsgi runs with', () => {
    const tree = { ...py(`${PY_BASE}CMD ["uwsgi", "--ini", "uwsgi.ini"]\n`), 'svc/uwsgi.ini': '[uwsgi]\nhttp = :8000\nmodule = app:app\ndaemonize = /var/log/uwsgi.log\n' };
    expect(at(readiness(tree), 'ECS422')).toEqual([{ service: 'svc', file: 'svc/Dockerfile', line: 5, severity: 'blocking' }]);
    const foreground = { ...tree, 'svc/uwsgi.ini': '[uwsgi]\nhttp = :8000\nmodule = app:app\nlogto = /tmp/uwsgi.log\n' };
    expect(at(readiness(foreground), 'ECS422')).toEqual([]);
  });

  it('uwsgi --daemonize in a shell-form CMD; a command after it keeps the container up, but signals reach it, not uwsgi: warning', () => {
    expect(at(readiness(py(`${PY_BASE}CMD uwsgi --http :8000 --module app:app --daemonize /var/log/uwsgi.log\n`)), 'ECS422')).toHaveLength(1);
    expect(at(readiness(py(`${PY_BASE}CMD uwsgi --http :8000 --module app:app --daemonize /tmp/u.log && tail -f /tmp/u.log\n`)), 'ECS422')).toEqual([{ service: 'svc', file: 'svc/Dockerfile', line: 5, severity: 'warning' }]);
    expect(at(readiness(py(`${PY_BASE}CMD uwsgi --http :8000 --module app:app --logto /tmp/u.log && tail -f /tmp/u.log\n`)), 'ECS422')).toEqual([]);
  });

  it('pm2 start in the package.json script npm start runs, and in the compose command; not pm2-runtime; pm2 logs after it: warning', () => {
    const pkg = (start: string) => PKG({ scripts: { start } });
    const node = (start: string, compose = COMPOSE) => ({ ...repoWith('FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nCMD ["npm", "start"]\n'), 'svc/package.json': pkg(start), 'docker-compose.yml': compose });
    expect(at(readiness(node('pm2 start dist/index.js --name svc')), 'ECS422')).toEqual([{ service: 'svc', file: 'svc/package.json', line: 9, severity: 'blocking' }]);
    expect(at(readiness(node('npx --yes pm2 start dist/index.js')), 'ECS422')).toHaveLength(1);
    expect(at(readiness(node('pm2-runtime start dist/index.js')), 'ECS422')).toEqual([]);
    expect(at(readiness(node('pm2 start dist/index.js --no-daemon')), 'ECS422')).toEqual([]);
    expect(at(readiness(node('pm2 start dist/index.js && pm2 logs')), 'ECS422')).toEqual([{ service: 'svc', file: 'svc/package.json', line: 9, severity: 'warning' }]);
    expect(at(readiness(node('pm2 start dist/index.js --no-daemon && pm2 logs')), 'ECS422')).toEqual([]);
    const composed = node('node dist/index.js', `${COMPOSE}    command: pm2 start dist/index.js\n`);
    expect(at(readiness(composed), 'ECS422').map((f) => f.file)).toEqual(['docker-compose.yml']);
  });
});
