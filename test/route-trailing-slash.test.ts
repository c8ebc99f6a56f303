/**
 * A health route's trailing slash as each framework serves it (review8 R7): FastAPI and Flask serve
 * the declared path only (Starlette redirects the other form with 307, which an ALB counts
 * unhealthy), and so do Fastify (404 for `/health` when `/health/` is declared, fastify 5.12) and
 * Hono (strict by default); Express and @koa/router answer both forms. A route `/` under a prefix is
 * the prefix itself everywhere except FastAPI/Flask (`/health/`). NestJS strips trailing slashes.
 */
import { describe, expect, it } from 'vitest';
import { healthRoutes } from '../src/repo/routes.js';
import { scanSource } from '../src/repo/sourceScan.js';

function paths(files: Record<string, string>): string[] {
  const facts = new Map(Object.entries(files).map(([path, text]) => [path, scanSource(text, path.endsWith('.py') ? 'python' : 'js', path)]));
  return healthRoutes(facts, 'src/').filter((r) => !r.unresolvedMount).map((r) => r.path);
}

describe('health route trailing slash', () => {
  it('FastAPI: the declared slash is kept, under prefixes too; prefix + "/" is prefix/', () => {
    expect(paths({ 'src/main.py': 'from fastapi import FastAPI\napp = FastAPI()\n@app.get("/healthz/")\ndef h(): return "ok"\n' })).toEqual(['/healthz/']);
    expect(paths({ 'src/main.py': 'from fastapi import APIRouter, FastAPI\nr = APIRouter()\n@r.get("/health-check/")\ndef h(): return "ok"\napp = FastAPI()\napp.include_router(r, prefix="/api/v1/utils")\n' })).toEqual(['/api/v1/utils/health-check/']);
    expect(paths({ 'src/main.py': 'from fastapi import APIRouter, FastAPI\nr = APIRouter(prefix="/health")\n@r.get("/")\ndef h(): return "ok"\napp = FastAPI()\napp.include_router(r)\n' })).toEqual(['/health/']);
    expect(paths({ 'src/main.py': 'from fastapi import APIRouter, FastAPI\nr = APIRouter()\n@r.get("/health")\ndef h(): return "ok"\napp = FastAPI()\napp.include_router(r, prefix="/api")\n' })).toEqual(['/api/health']);
  });

  it('Flask: a blueprint route "/" under url_prefix is url_prefix/', () => {
    expect(paths({ 'src/app.py': 'from flask import Flask, Blueprint\nbp = Blueprint("ops", __name__)\n@bp.route("/")\ndef h(): return "ok"\napp = Flask(__name__)\napp.register_blueprint(bp, url_prefix="/health")\n' })).toEqual(['/health/']);
  });

  it('Fastify and Express: the declared slash is kept under a prefix; a "/" route under a prefix is the prefix', () => {
    const fastify = (route: string) => `import Fastify from 'fastify';\nconst app = Fastify();\napp.register(async (api) => {\n  api.get('${route}', async () => 'ok');\n}, { prefix: '/health' });\napp.listen({ port: Number(process.env.PORT) || 3000 });\n`;
    expect(paths({ 'src/server.ts': fastify('/live/') })).toEqual(['/health/live/']);
    expect(paths({ 'src/server.ts': fastify('/') })).toEqual(['/health']);
    const express = (route: string) => `import express from 'express';\nconst app = express();\nconst router = express.Router();\nrouter.get('${route}', (req, res) => res.send('ok'));\napp.use('/health', router);\napp.listen(process.env.PORT || 3000);\n`;
    expect(paths({ 'src/server.ts': express('/live/') })).toEqual(['/health/live/']);
    expect(paths({ 'src/server.ts': express('/') })).toEqual(['/health']);
    expect(paths({ 'src/server.ts': "import express from 'express';\nconst app = express();\napp.get('/healthz/', (req, res) => res.send('ok'));\napp.listen(3000);\n" })).toEqual(['/healthz/']);
  });

  it('NestJS: no trailing slash (Nest strips it)', () => {
    expect(paths({ 'src/health.controller.ts': "import { Controller, Get } from '@nestjs/common';\n@Controller('health/')\nexport class HealthController {\n  @Get('live/')\n  live() { return 'ok'; }\n}\n" })).toEqual(['/health/live']);
  });
});
