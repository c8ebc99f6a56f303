/**
 * ECS401 for Python ASGI apps (review8 R12): a FastAPI/Starlette lifespan (the `@asynccontextmanager`
 * passed as `lifespan=`) or an `@app.on_event("startup")` handler that connects to a datastore before
 * the app serves (`async with engine.begin() as conn: await conn.run_sync(Base.metadata.create_all)`).
 * When the connect fails, uvicorn reports "Application startup failed. Exiting." and the worker exits;
 * under gunicorn's UvicornWorker the arbiter then stops with "Worker failed to boot" (exit code 3). On
 * ECS a slow or restarting database is then a crash loop. Read by pattern: the lifespan's code before
 * its first `yield` (the startup handler's whole body), same-file only; a `try:` there (a retry, a
 * handled failure) is not reported.
 */
import type { Finding } from '../../findings/finding.js';
import { finding, type CheckContext } from '../context.js';

/** Calls that connect to a datastore when awaited at startup, with what they connect to. */
const CONNECTS: [string, RegExp][] = [
  ['the database (SQLAlchemy engine)', /\b\w*engine\w*\.(?:begin|connect)\(\s*\)/i],
  ['the database (create_all)', /\.run_sync\([^)]*create_all/],
  ['Postgres (asyncpg)', /\basyncpg\.(?:connect|create_pool)\(/],
  ['the database (databases)', /\bawait\s+(?:\w+\.)*(?:database|db)\.connect\(\s*\)/],
  ['the database (Tortoise ORM)', /\bawait\s+Tortoise\.init\(/],
  ['MongoDB (Beanie)', /\bawait\s+init_beanie\(/],
  ['Redis', /\bawait\s+(?:\w+\.)*\w*redis\w*\.ping\(\s*\)/i],
  ['Prisma', /\bawait\s+(?:\w+\.)*prisma\.connect\(\s*\)/i],
  ['RabbitMQ', /\bawait\s+aio_pika\.connect(?:_robust)?\(/],
  ['Kafka', /\bawait\s+(?:\w+\.)*\w*(?:producer|consumer)\w*\.start\(\s*\)/i],
];

const NOT_APP_CODE = /(?:^|\/)(?:tests?|alembic|migrations)\/|(?:^|\/)(?:test_[^/]*|[^/]*_test|conftest)\.py$/;

export function asgiStartupConnect(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const service of ctx.repo.services) {
    if (service.language !== 'python' || service.role !== 'http' || service.serverReplacedBy) continue;
    const files = service.sourceFiles.filter((f) => f.endsWith('.py') && !NOT_APP_CODE.test(f));
    const texts = new Map(files.map((f) => [f, ctx.read(f) ?? '']));
    const lifespans = new Set([...texts.values()].flatMap((t) => [...t.matchAll(/\b(?:FastAPI|Starlette)\s*\([^)]*?\blifespan\s*=\s*(\w+)/gs)].map((m) => m[1] as string)));
    for (const [file, text] of texts) {
      for (const handler of startupHandlers(text, lifespans)) {
        const hit = firstConnect(handler.body);
        if (!hit) continue;
        const line = handler.firstLine + hit.offset;
        findings.push(
          finding(ctx, 'ECS401', {
            service: service.name,
            file,
            line,
            message: `${service.name} connects to ${hit.what} in its ${handler.kind} (${file}:${line}) before it serves: when that fails (the database slow, restarting or unreachable), startup fails, uvicorn exits ("Application startup failed. Exiting.") and under gunicorn the master stops ("Worker failed to boot", exit 3); on ECS the task crash-loops until it is back. Connect lazily or with retries in the ${handler.kind}, and create tables in a one-off migration task`,
          }),
        );
      }
    }
  }
  return findings;
}

interface StartupHandler {
  kind: 'lifespan' | 'startup handler';
  /** Line number of the body's first line. */
  firstLine: number;
  /** The lines that run before the app serves. */
  body: string[];
}

/** The lifespans passed to FastAPI/Starlette (`@asynccontextmanager async def <name>`) and the `on_event("startup")` handlers of a file. */
function startupHandlers(text: string, lifespans: Set<string>): StartupHandler[] {
  const lines = text.split('\n');
  const out: StartupHandler[] = [];
  lines.forEach((line, i) => {
    const def = /^(\s*)async\s+def\s+(\w+)\s*\(/.exec(line);
    if (!def) return;
    const decorators = decoratorsAbove(lines, i);
    const lifespan = lifespans.has(def[2] ?? '') && decorators.some((d) => /^@(?:contextlib\.)?asynccontextmanager\b/.test(d));
    const startup = decorators.some((d) => /^@\w+\.on_event\(\s*["']startup["']\s*\)/.test(d));
    if (!lifespan && !startup) return;
    const indent = (def[1] ?? '').length;
    const body: string[] = [];
    for (let k = i + 1; k < lines.length; k++) {
      const l = lines[k] ?? '';
      if (l.trim() && (l.length - l.trimStart().length) <= indent) break;
      if (lifespan && /^\s*yield\b/.test(l)) break;
      body.push(l);
    }
    if (!body.some((l) => /^\s*try\s*:/.test(l))) out.push({ kind: lifespan ? 'lifespan' : 'startup handler', firstLine: i + 2, body });
  });
  return out;
}

/** The decorator lines right above line `i`. */
function decoratorsAbove(lines: string[], i: number): string[] {
  const out: string[] = [];
  for (let k = i - 1; k >= 0 && /^\s*@/.test(lines[k] ?? ''); k--) out.push((lines[k] ?? '').trim());
  return out;
}

/** The first line of the body that connects, and to what. */
function firstConnect(body: string[]): { offset: number; what: string } | null {
  for (let k = 0; k < body.length; k++) {
    const code = (body[k] ?? '').replace(/#.*$/, '');
    const hit = CONNECTS.find(([, re]) => re.test(code));
    if (hit) return { offset: k, what: hit[0] };
  }
  return null;
}
