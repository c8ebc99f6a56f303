/**
 * `ecsfix verify` without an engine: the orchestration against a scripted engine, the reading of
 * start commands and start failures, compose interpolation, engine detection and the CLI's exit
 * codes. The real builds are in verify-images.test.ts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRepoModel } from '../src/repo/discover.js';
import { planChanges } from '../src/run/plan.js';
import { execFile, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateProbe } from '../src/dockerfile/probe.js';
import type { DockerStage } from '../src/repo/dockerfile.js';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { TRANSFORMS } from '../transforms/index.js';
import { emptyFromUnset, interpolate, resolveComposeValues } from '../src/verify/composeEnv.js';
import { buildahEngine, detectEngine, EngineError, OWN_STDIO, programAsExecuted, type Engine, type ImageConfig, type Sandbox, type StartOptions } from '../src/verify/engine.js';
import type { ProcessResult, ProcessRunner, RunningProcess } from '../src/verify/process.js';
import { parseProbe, probeScript } from '../src/verify/probe.js';
import { startCommands } from '../src/verify/startCommand.js';
import { diagnoseStart, healthcheckClientError } from '../src/verify/startOutcome.js';
import { verdictStatus, verifyRepo } from '../src/verify/verify.js';
import { verifyCommand } from '../src/cli/verify.js';
import type { Io } from '../src/cli/io.js';
import { FIXTURES, runCli, tempDir } from './helpers/tmp.js';

const ok = (stdout = ''): ProcessResult => ({ code: 0, stdout, stderr: '', timedOut: false });

describe('start commands', () => {
  it('finds the program and entry of node, python, ASGI servers, wrappers and sh -c scripts', () => {
    expect(startCommands(['docker-entrypoint.sh', 'node', '--enable-source-maps', 'dist/index.js'])).toEqual([
      { program: 'docker-entrypoint.sh', entry: null },
      { program: 'node', entry: { kind: 'file', runtime: 'node', path: 'dist/index.js' } },
    ]);
    expect(startCommands(['tini', '--', 'python', '-u', '-m', 'app.worker'])[1]).toEqual({ program: 'python', entry: { kind: 'module', runtime: 'python', name: 'app.worker' } });
    expect(startCommands(['gunicorn', '-b', '0.0.0.0:8000', '-w', '2', 'config.wsgi:application'])[0]?.entry).toEqual({ kind: 'module', runtime: 'python', name: 'config.wsgi' });
    expect(startCommands(['/bin/sh', '-c', 'python manage.py migrate && exec uvicorn app.main:app --port ${PORT:-8000}'])).toEqual([
      { program: '/bin/sh', entry: null },
      { program: 'python', entry: { kind: 'file', runtime: 'python', path: 'manage.py' } },
      { program: 'uvicorn', entry: { kind: 'module', runtime: 'python', name: 'app.main' } },
    ]);
    expect(startCommands(['node', '-e', 'console.log(1)'])).toEqual([{ program: 'node', entry: null }]);
    expect(startCommands(['node', '$ENTRY'])).toEqual([{ program: 'node', entry: null }]);
  });
});

describe('start failures', () => {
  it('a permission error is the image\'s fault, with the path it names', () => {
    const d = diagnoseStart("node:fs:1386\nError: EACCES: permission denied, mkdir 'logs'\n    at Object.mkdirSync\n  code: 'EACCES',\n");
    expect(d).toEqual({ failure: 'permission', line: "Error: EACCES: permission denied, mkdir 'logs'", path: 'logs' });
    expect(diagnoseStart("PermissionError: [Errno 13] Permission denied: '/app/models'").path).toBe('/app/models');
  });
  it('a missing module is the image\'s fault even after a connection error', () => {
    expect(diagnoseStart("connect ECONNREFUSED 127.0.0.1:5432\nError: Cannot find module '@acme/shared'").failure).toBe('missing');
  });
  it('an unreachable database is outside the image; a missing file reported last is not', () => {
    expect(diagnoseStart('MongoServerSelectionError: getaddrinfo ENOTFOUND mongo').failure).toBe('outside');
    expect(diagnoseStart('getaddrinfo ENOTFOUND kafka\nError: ENOENT: no such file or directory, open \'/app/config.json\'').failure).toBe('missing');
    expect(diagnoseStart('Segmentation fault').failure).toBe('other');
  });
  it('a log file a server cannot create is the image\'s fault (FileNotFoundError is no DNS error)', () => {
    const out = "[INFO] Starting gunicorn 26.2.0\nError: '/var/log/app/access.log' isn't writable [FileNotFoundError(2, 'No such file or directory')]";
    expect(diagnoseStart(out).failure).toBe('missing');
  });
});

describe('compose interpolation', () => {
  it('resolves defaults, required and unset variables as docker compose does', () => {
    const env = { SET: 'x', EMPTY: '' };
    expect(interpolate('${SET:-d}/${UNSET:-d}/${EMPTY:-d}/${EMPTY-d}/$SET/$$SET', env)).toBe('x/d/d//x/$SET');
    expect(interpolate('${UNSET:?must be set}', env)).toBeNull();
    expect(resolveComposeValues({ A: '${UNSET:-15s}', B: null, SET: null }, env)).toEqual({ A: '15s', SET: 'x' });
  });
});

describe('the probe script', () => {
  it('parses every answer, a write answer with the owner and the directory checked', () => {
    const request = { workingDir: '/app', writes: ['/app/logs', '/data'], programs: ['node'], entries: [{ kind: 'file' as const, runtime: 'node' as const, path: 'dist/index.js' }], shellSyntax: [], packages: ['@a/b'] };
    expect(probeScript(request)).toContain("w 0 '/app/logs'");
    const out = ['ECSFIX id 0 ok 1001 nodejs', 'ECSFIX write 0 fail root:root /app', 'ECSFIX write 1 ok nodejs:nodejs /data', 'ECSFIX program 0 ok', 'ECSFIX entry 0 fail', 'ECSFIX package 0 fail MODULE_NOT_FOUND'].join('\n');
    expect(parseProbe(out, request)).toEqual({
      uid: 1001,
      userName: 'nodejs',
      writes: [{ ok: false, owner: 'root:root', at: '/app' }, { ok: true, owner: 'nodejs:nodejs', at: '/data' }],
      programs: [{ ok: true }],
      entries: [{ ok: false }],
      shellSyntax: [],
      packages: [{ ok: false, detail: 'MODULE_NOT_FOUND' }],
    });
  });
});

describe('the probe script resolves workspace packages as the entry file does (review4 Q4)', () => {
  // A pnpm workspace as its deploy lays it out: the links are in the package's node_modules, beside its entry, not in the WORKDIR's.
  const workspace = () => {
    const root = tempDir();
    const link = join(root, 'apps/worker/node_modules/@acme/kafka');
    mkdirSync(join(root, 'apps/worker/dist'), { recursive: true });
    mkdirSync(link, { recursive: true });
    writeFileSync(join(link, 'package.json'), JSON.stringify({ name: '@acme/kafka', main: 'index.js' }));
    writeFileSync(join(link, 'index.js'), 'module.exports = {};\n');
    return root;
  };
  const run = (root: string, resolveFrom: string | undefined) => {
    const request = { workingDir: root, writes: [], programs: [], entries: [], shellSyntax: [], packages: ['@acme/kafka', '@acme/absent'], ...(resolveFrom ? { resolveFrom } : {}) };
    return parseProbe(execFileSync('sh', ['-c', probeScript(request)], { encoding: 'utf8' }), request).packages.map((p) => p.ok);
  };

  it('from the entry directory, the package beside it resolves and a missing one does not', () => {
    const root = workspace();
    expect(run(root, join(root, 'apps/worker/dist'))).toEqual([true, false]);
    // From the WORKDIR (the workspace root) neither resolves.
    expect(run(root, undefined)).toEqual([false, false]);
  });

  it('verify asks from the directory of the start command\'s node entry, made absolute against the WORKDIR', async () => {
    const repo = shop();
    const scripts: string[] = [];
    const { engine } = fakeEngine({
      config: { workingDir: '/app', cmd: ['node', 'services/worker/dist/index.js'] },
      probe: (_tag, script) => (scripts.push(script), 'ECSFIX id 0 ok 1001 nodejs\n'),
      start: () => ({ exits: false, output: '' }),
    });
    await verifyRepo(repo, null, { engine, startSeconds: 0.2, services: ['worker'] });
    expect(scripts.some((s) => s.includes("'/app/services/worker/dist' '@"))).toBe(true);
  });
});

/** A runner where nothing is installed. */
const nothingInstalled: ProcessRunner = {
  run: async () => ({ code: 127, stdout: '', stderr: 'not found', timedOut: false }),
  start: () => {
    throw new Error('nothing to start');
  },
  which: async () => false,
};

class Capture {
  text = '';
  isTTY = false;
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
}

describe('engine detection', () => {
  it('without docker, podman or buildah: one line naming what was tried, exit 2', async () => {
    await expect(detectEngine(nothingInstalled)).rejects.toBeInstanceOf(EngineError);
    const stdout = new Capture();
    const stderr = new Capture();
    const io = { stdout, stderr, stdinIsTTY: false } as unknown as Io;
    const code = await verifyCommand(['verify', join(FIXTURES, 'verify')], io, nothingInstalled);
    expect(code).toBe(2);
    expect(stderr.text.trim().split('\n')).toHaveLength(1);
    for (const name of ['docker', 'podman', 'buildah']) expect(stderr.text).toContain(name);
    expect(stdout.text).toBe('');
  });

  it('a docker client with no daemon is skipped for the next engine', async () => {
    const runner: ProcessRunner = {
      ...nothingInstalled,
      which: async (c) => c === 'docker' || c === 'buildah',
      run: async (c) => (c === 'buildah' ? ok('{}') : { code: 1, stdout: '', stderr: 'Cannot connect to the Docker daemon', timedOut: false }),
    };
    expect((await detectEngine(runner)).name).toBe('buildah');
    await expect(detectEngine(runner, 'docker')).rejects.toThrow(/docker \(no daemon answers\)/);
  });

  it('the CLI rejects an unknown engine and a bad number, exit 2', async () => {
    expect((await runCli(['verify', '--engine', 'lxc'])).code).toBe(2);
    expect((await runCli(['verify', '--start-seconds', 'soon'])).code).toBe(2);
  });
});

/** A scripted engine: every image builds; the probe (given its script), the start (given its environment) and the HEALTHCHECK say what `script` says per image. */
function fakeEngine(script: {
  probe: (tag: string, script: string) => string;
  start: (tag: string, env: Record<string, string>) => { exits: boolean; output: string; code?: number };
  healthcheck?: (tag: string) => ProcessResult;
  config?: Partial<ImageConfig>;
  build?: ProcessResult;
}) {
  const built: { dockerfile: string; target: string | null; args: Record<string, string> }[] = [];
  const engine: Engine = {
    name: 'buildah',
    async build(r) {
      built.push({ dockerfile: r.dockerfile, target: r.target, args: r.args });
      return script.build ?? ok();
    },
    async inspect() {
      return { user: 'nodejs', workingDir: '/app', env: {}, entrypoint: [], cmd: ['node', 'dist/index.js'], healthcheck: null, volumes: [], ...script.config };
    },
    async sandbox(tag): Promise<Sandbox> {
      return {
        isolated: true,
        // The probe is a `sh -c` script; anything else run in the container is the HEALTHCHECK.
        exec: async (argv) => (script.healthcheck && argv[0] !== 'sh' ? script.healthcheck(tag) : ok(script.probe(tag, argv.at(-1) ?? ''))),
        start(_argv, options): RunningProcess {
          const s = script.start(tag, { ...options.env });
          const result = { code: s.exits ? (s.code ?? 1) : null, stdout: s.output, stderr: '', timedOut: false };
          return { exited: Promise.resolve(result), output: () => s.output, done: () => s.exits, stop: async () => result };
        },
        dispose: async () => undefined,
      };
    },
    removeImage: async () => undefined,
  };
  return { engine, built };
}

const shop = () => buildRepoModel(join(FIXTURES, 'verify'));
const shopPlan = () => {
  const repo = shop();
  return { repo, plan: planChanges(repo, [...TRANSFORMS], {}, (p) => readFileSync(join(repo.root, p), 'utf8')) };
};

describe('verifyRepo (scripted engine)', () => {
  it('builds the images with pending changes, for the deployed stage, with compose build args; nothing pending means all', async () => {
    const { repo, plan } = shopPlan();
    const { engine, built } = fakeEngine({ probe: () => 'ECSFIX id 0 ok 1001 nodejs\n', start: () => ({ exits: false, output: '' }) });
    const result = await verifyRepo(repo, plan, { engine, startSeconds: 0.2 });
    expect(result.selection).toBe('pending');
    expect(result.services.map((s) => s.service).sort()).toEqual(plan.changes.flatMap((c) => repo.services.filter((s) => s.dockerfile === c.path).map((s) => s.name)).sort());
    expect(result.services.every((s) => s.withPendingChanges)).toBe(true);
    expect(built.find((b) => b.dockerfile.endsWith('Dockerfile') && b.target === 'prod')).toBeDefined();
    const asIs = await verifyRepo(repo, plan, { engine, startSeconds: 0.2, asIs: true });
    expect(asIs.selection).toBe('nothing-pending');
    expect(asIs.services).toHaveLength(repo.services.filter((s) => s.dockerfile).length);
  });

  it('reports root, an unwritable path and a permission death with the USER line; a dead database is not a failure', async () => {
    const repo = shop();
    const { engine } = fakeEngine({
      config: { volumes: ['/data'] },
      probe: (tag) => (tag.includes('notifier') ? 'ECSFIX id 0 ok 0 root\nECSFIX write 0 ok root:root /data\n' : 'ECSFIX id 0 ok 1001 nodejs\nECSFIX write 0 fail root:root /data\n'),
      start: (tag) =>
        tag.includes('api') ? { exits: true, output: "Error: EACCES: permission denied, mkdir 'logs'" } : { exits: true, output: 'KafkaJSConnectionError: getaddrinfo ENOTFOUND kafka' },
    });
    const result = await verifyRepo(repo, null, { engine, startSeconds: 0.2, services: ['api', 'notifier', 'worker'] });
    const codes = (service: string) => result.findings.filter((f) => f.service === service).map((f) => `${f.code}:${f.severity}`);
    expect(codes('notifier')).toEqual(expect.arrayContaining(['ECS602:blocking', 'ECS610:info']));
    expect(codes('worker')).toEqual(['ECS603:blocking', 'ECS610:info']);
    const api = result.findings.filter((f) => f.service === 'api');
    const userLine = readFileSync(join(repo.root, 'services/api/Dockerfile'), 'utf8').split('\n').findIndex((l) => l.startsWith('USER')) + 1;
    expect(api).toContainEqual(expect.objectContaining({ code: 'ECS608', file: 'services/api/Dockerfile', line: userLine, message: expect.stringContaining('/app/logs') }));
    expect(api).toContainEqual(expect.objectContaining({ code: 'ECS603', line: userLine, message: expect.stringContaining('/data') }));
  });

  it('a process that exited non-zero at start is never ok, whatever its findings say; a running one or a one-shot exit 0 is', async () => {
    const repo = shop();
    const { engine } = fakeEngine({
      probe: () => 'ECSFIX id 0 ok 1001 nodejs\n',
      start: (tag) =>
        tag.includes('api')
          ? { exits: true, code: 1, output: 'nginx: [emerg] host not found in upstream "pyapi" in /etc/nginx/conf.d/default.conf:12' }
          : tag.includes('notifier')
            ? { exits: true, code: 0, output: 'done' }
            : { exits: false, output: 'listening' },
    });
    const result = await verifyRepo(repo, null, { engine, startSeconds: 0.2, services: ['api', 'notifier', 'worker'] });
    const status = Object.fromEntries(result.services.map((v) => [v.service, verdictStatus(v)]));
    const blocking = (name: string) => result.findings.some((f) => f.service === name && f.severity === 'blocking');
    expect(result.services.find((v) => v.service === 'api')?.start).toMatchObject({ outcome: 'exited', code: 1 });
    // An upstream host verify's network cannot resolve is outside the image.
    expect(result.findings.filter((f) => f.service === 'api').map((f) => `${f.code}:${f.severity}`)).toEqual(['ECS610:info']);
    expect(status.api).toBe('exited');
    expect(result.findings.filter((f) => f.service === 'notifier').map((f) => `${f.code}:${f.severity}`)).toContain('ECS611:info');
    for (const name of ['notifier', 'worker']) expect(status[name], name).toBe(blocking(name) ? 'blocking' : 'ok');
  });

  it('a process that crashes at start for a reason inside the image is blocking, so the exit code says so', async () => {
    const repo = shop();
    const crash = [
      'running migrations',
      'CannotExecuteNotConnectedError: Cannot execute operation on "default" connection because connection is not yet established.',
      '    at DataSource.runMigrations (/app/node_modules/typeorm/data-source/DataSource.js:259:19)',
    ].join('\n');
    const { engine } = fakeEngine({ probe: () => 'ECSFIX id 0 ok 1001 nodejs\n', start: () => ({ exits: true, code: 1, output: crash }) });
    const result = await verifyRepo(repo, null, { engine, startSeconds: 0.2, services: ['api'] });
    expect(result.findings.map((f) => `${f.code}:${f.severity}`)).toEqual(['ECS611:blocking']);
    expect(verdictStatus(result.services[0]!)).toBe('blocking');
  });

  it('a failed build names the line of the failing step, in a multi-stage build too', async () => {
    const repo = shop();
    const output = '[1/4] STEP 1/2: FROM node:20-alpine AS base\n[1/4] STEP 2/2: WORKDIR /app\n[2/4] STEP 1/6: FROM base AS deps\n[2/4] STEP 2/6: RUN npm install -g pnpm@8.15.0\n[2/4] STEP 6/6: RUN pnpm install --frozen-lockfile\n';
    const { engine } = fakeEngine({ probe: () => '', start: () => ({ exits: false, output: '' }), build: { code: 1, stdout: output, stderr: 'Error: building at STEP "RUN pnpm install --frozen-lockfile": exit status 1', timedOut: false } });
    const result = await verifyRepo(repo, null, { engine, services: ['api'] });
    const line = readFileSync(join(repo.root, 'services/api/Dockerfile'), 'utf8').split('\n').findIndex((l) => l === 'RUN pnpm install --frozen-lockfile') + 1;
    expect(result.findings).toEqual([expect.objectContaining({ code: 'ECS601', file: 'services/api/Dockerfile', line })]);
  });
});

describe('verify: HEALTHCHECK answers and variables compose leaves unset (review4 Q19)', () => {
  it('reads the 4xx a failed HEALTHCHECK printed, from urllib, wget and curl; a 5xx, 408 or 429 is not a client error', () => {
    const urllib = 'Traceback (most recent call last):\n  File "<string>", line 1, in <module>\nurllib.error.HTTPError: HTTP Error 404: NOT FOUND\nError: exit status 1';
    expect(healthcheckClientError(urllib)).toBe(404);
    expect(healthcheckClientError('Connecting to 127.0.0.1:3000 (127.0.0.1:3000)\nwget: server returned error: HTTP/1.1 401 Unauthorized')).toBe(401);
    expect(healthcheckClientError('--2026-11-30 10:00:00--  http://localhost:8080/healthz\nHTTP request sent, awaiting response... 404 Not Found\n2026-11-30 10:00:00 ERROR 404: Not Found.')).toBe(404);
    expect(healthcheckClientError('curl: (22) The requested URL returned error: 405')).toBe(405);
    expect(healthcheckClientError('urllib.error.HTTPError: HTTP Error 503: Service Unavailable')).toBeNull();
    expect(healthcheckClientError('wget: server returned error: HTTP/1.1 429 Too Many Requests')).toBeNull();
    expect(healthcheckClientError('urllib.error.URLError: <urlopen error [Errno 111] Connection refused>')).toBeNull();
  });

  it('ecsfix\'s own node probe, run against a server: silent and 0 on 200, "HTTP 404" and 1 on a 404, silent and 1 with no server (review5 item 3)', async () => {
    const argv = JSON.parse(generateProbe('node', { base: { distro: 'debian' }, tools: [] } as unknown as DockerStage, 3000, '/health') as string) as string[];
    const server = createServer((req, res) => ((res.statusCode = req.url === '/health' ? 200 : 404), res.end('x')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const probe = (path: string, env: Record<string, string>) =>
      new Promise<{ code: number; output: string }>((resolve) =>
        execFile(process.execPath, [argv[1] as string, (argv[2] as string).replace('/health', path)], { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code) : 0, output: stdout + stderr }),
        ),
      );
    try {
      expect(argv.slice(0, 2)).toEqual(['node', '-e']);
      expect(await probe('/health', { PORT: String(port) })).toEqual({ code: 0, output: '' });
      const notFound = await probe('/healthz', { PORT: String(port) });
      expect(notFound).toEqual({ code: 1, output: 'HTTP 404\n' });
      expect(healthcheckClientError(`${notFound.output}subprocess exited with status 1\nError: exit status 1`)).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const refused = await probe('/health', { PORT: String(port) });
    expect(refused).toEqual({ code: 1, output: '' });
    expect(healthcheckClientError(refused.output)).toBeNull();
  });

  it('names the entries compose leaves empty because the variable they are taken from is unset', () => {
    const values = { DATABASE_URL: '${BILLING_DATABASE_URL}', INVOICE_DIR: '/app/invoices', LOG: '${LOG_LEVEL:-info}', TOKEN: null, KEY: '${API_KEY:?set it}', URL: 'http://${HOST}:${PORT}' };
    expect(emptyFromUnset(values, { PORT: '80' })).toEqual({ DATABASE_URL: ['BILLING_DATABASE_URL'], TOKEN: ['TOKEN'], KEY: ['API_KEY'] });
    expect(emptyFromUnset(values, { BILLING_DATABASE_URL: 'postgresql://db/billing', TOKEN: 't', API_KEY: 'k' })).toEqual({});
  });

  /** verify-secrets: rd after apply (billing's DATABASE_URL default removed into .env.example; accounts probes a path Flask answers 404 on). */
  const secretsRepo = (envExample?: string) => {
    const dir = tempDir();
    cpSync(join(FIXTURES, 'verify-secrets'), dir, { recursive: true });
    if (envExample !== undefined) writeFileSync(join(dir, '.env.example'), envExample);
    return buildRepoModel(dir);
  };
  const sqlalchemy = (url: string) =>
    url === ''
      ? { exits: true, code: 1, output: '  File "/app/alembic/env.py", line 17, in <module>\n    run_migrations_online()\nsqlalchemy.exc.ArgumentError: Could not parse SQLAlchemy URL from string \'\'' }
      : { exits: true, code: 1, output: "INFO  [alembic.runtime.migration] Will assume transactional DDL.\nPermissionError: [Errno 13] Permission denied: '/app/invoices'" };

  it('starts with a secret whose compose default was removed taken from .env.example, so the crash inside the image is found', async () => {
    const repo = secretsRepo();
    const seen: Record<string, string>[] = [];
    const { engine } = fakeEngine({
      config: { user: 'app', cmd: [], entrypoint: ['/usr/local/bin/entrypoint.sh'] },
      probe: () => 'ECSFIX id 0 ok 1001 app\n',
      start: (_tag, env) => {
        seen.push(env);
        return sqlalchemy(env.DATABASE_URL ?? '');
      },
    });
    const result = await verifyRepo(repo, null, { engine, startSeconds: 0.2, services: ['billing'], env: {} });
    expect(seen[0]).toMatchObject({ DATABASE_URL: 'postgresql+psycopg://billing:change-me@db:5432/billing', INVOICE_DIR: '/app/invoices' });
    expect(result.findings.map((f) => `${f.code}:${f.severity}`)).toContain('ECS608:blocking');
    expect(result.findings.map((f) => f.code)).not.toContain('ECS611');
  });

  it('an exit on a variable left empty (listed empty in .env.example, unset here) is outside the image, not ECS611', async () => {
    const repo = secretsRepo('# Secrets the compose files no longer default: copy this file to .env and set them.\nBILLING_DATABASE_URL=\n');
    const { engine } = fakeEngine({ config: { user: 'app', cmd: [], entrypoint: ['/usr/local/bin/entrypoint.sh'] }, probe: () => 'ECSFIX id 0 ok 1001 app\n', start: (_tag, env) => sqlalchemy(env.DATABASE_URL ?? '') });
    const result = await verifyRepo(repo, null, { engine, startSeconds: 0.2, services: ['billing'], env: {} });
    expect(result.findings.map((f) => `${f.code}:${f.severity}`)).toEqual(['ECS610:info']);
    expect(verdictStatus(result.services[0]!)).toBe('exited');
    // Set where verify runs, the variable is compose's: the process gets it and dies inside the image.
    const set = await verifyRepo(repo, null, { engine, startSeconds: 0.2, services: ['billing'], env: { BILLING_DATABASE_URL: 'postgresql://db/billing' } });
    expect(set.findings.map((f) => `${f.code}:${f.severity}`)).toEqual(['ECS608:blocking']);
  });

  it('a HEALTHCHECK answered 404 while the server runs is blocking (ECS616); a 503 or a refused connection stays ECS612', async () => {
    const repo = secretsRepo();
    const healthcheck = ['CMD', 'python3', '-c', "import os, urllib.request; urllib.request.urlopen('http://localhost:' + os.environ.get('PORT', '5000') + '/health', timeout=4)"];
    const answering = (stderr: string) =>
      fakeEngine({
        config: { user: 'app', workingDir: '/srv', cmd: ['/bin/sh', '-c', 'gunicorn --workers 2 -b 0.0.0.0:${PORT:-5000} "accounts.app:create_app()"'], healthcheck },
        probe: () => 'ECSFIX id 0 ok 1001 app\n',
        start: () => ({ exits: false, output: '[INFO] Listening at: http://0.0.0.0:5000' }),
        healthcheck: () => ({ code: 1, stdout: '', stderr, timedOut: false }),
      }).engine;
    const run = async (stderr: string) => (await verifyRepo(repo, null, { engine: answering(stderr), startSeconds: 0.2, services: ['accounts'] })).services[0]!;
    const notFound = await run('Traceback (most recent call last):\nurllib.error.HTTPError: HTTP Error 404: NOT FOUND\nError: exit status 1');
    expect(notFound.findings.map((f) => `${f.code}:${f.severity}:${f.line}`)).toEqual(['ECS616:blocking:18']);
    expect(verdictStatus(notFound)).toBe('blocking');
    // What ecsfix's node probe prints on a 404 (buildah's own lines after it).
    expect((await run('HTTP 404\nsubprocess exited with status 1\nError: exit status 1')).findings.map((f) => f.code)).toEqual(['ECS616']);
    for (const stderr of ['urllib.error.HTTPError: HTTP Error 503: Service Unavailable', 'urllib.error.URLError: <urlopen error [Errno 111] Connection refused>']) {
      const v = await run(stderr);
      expect(v.findings.map((f) => `${f.code}:${f.severity}`), stderr).toEqual(['ECS612:warning']);
      expect(verdictStatus(v)).toBe('ok');
    }
  });
});

describe('the buildah sandbox starts what Docker and ECS would start (review5 N7, P10)', () => {
  /** A runner that answers buildah's inspect and from, and records what it is asked to start. */
  const buildahRunner = (workingDir: string) => {
    const started: string[][] = [];
    const runner: ProcessRunner = {
      which: async () => false, // no private network: the argv is buildah's own
      run: async (_c, args) =>
        args[0] === 'inspect' ? ok(JSON.stringify({ Docker: { config: { WorkingDir: workingDir, Entrypoint: ['./docker-entrypoint.sh'], Cmd: ['node', 'index.js'] } } })) : ok('search-working-container\n'),
      start(command, args) {
        started.push([command, ...args]);
        const result = ok();
        return { exited: Promise.resolve(result), output: () => '', done: () => true, stop: async () => result };
      },
    };
    return { runner, started };
  };
  const programOf = (argv: string[]) => argv.slice(argv.indexOf('--') + 1);

  it('a relative program path runs from the WORKDIR, not by its basename on PATH; names and absolute paths are unchanged', async () => {
    expect(programAsExecuted(['./docker-entrypoint.sh', 'node', 'index.js'], '/srv/search')).toEqual(['/srv/search/docker-entrypoint.sh', 'node', 'index.js']);
    expect(programAsExecuted(['bin/server'], '/')).toEqual(['/bin/server']);
    expect(programAsExecuted(['docker-entrypoint.sh', 'node'], '/srv')).toEqual(['docker-entrypoint.sh', 'node']);
    expect(programAsExecuted(['/usr/bin/tini', '--', './run'], '/app')).toEqual(['/usr/bin/tini', '--', './run']);
    const { runner, started } = buildahRunner('/srv/search');
    const sandbox = await buildahEngine(runner).sandbox('localhost/search');
    sandbox.start(['./docker-entrypoint.sh', 'node', 'index.js'], { user: '', env: {} });
    expect(programOf(started[0]!)).toEqual(['/srv/search/docker-entrypoint.sh', 'node', 'index.js']);
  });

  it('a process not run as root is exec\'d by the image\'s sh with stdout and stderr on a FIFO of its user\'s', async () => {
    const { runner, started } = buildahRunner('/srv/search');
    const sandbox = await buildahEngine(runner).sandbox('localhost/search');
    sandbox.start(['./docker-entrypoint.sh', 'nginx', '-g', 'daemon off;'], { user: 'nginx', env: {}, ownStdio: true });
    expect(programOf(started[0]!)).toEqual(['sh', '-c', OWN_STDIO, 'sh', '/srv/search/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;']);
    expect(started[0]).toEqual(expect.arrayContaining(['--user', 'nginx']));
  });

  it('the FIFO script hands the process stdio it can reopen, keeps its exit code, and execs it as it is where it cannot', () => {
    const script = (argv: string[], path?: string) => execFileSync('sh', ['-c', `${OWN_STDIO}`, 'sh', ...argv], { encoding: 'utf8', env: { ...process.env, ...(path ? { PATH: path } : {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
    // Reopened by path, as nginx opens /var/log/nginx/error.log -> /dev/stderr.
    expect(script(['sh', '-c', 'echo out; echo err > /proc/self/fd/2; readlink /proc/self/fd/1'])).toMatch(/^out\nerr\n\/.*\/out \(deleted\)\n$/);
    expect(() => script(['sh', '-c', 'exit 7'])).toThrow(expect.objectContaining({ status: 7 }));
    // No mkfifo on PATH: the process gets the shell's own stdio.
    const bare = tempDir();
    for (const tool of ['sh', 'readlink']) execFileSync('ln', ['-s', execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bare, tool)]);
    expect(script(['readlink', '/proc/self/fd/1'], bare)).toMatch(/^(?:pipe|socket):/); // node's own, not a FIFO
  });

  it('verify asks for that only when the probe ran through the image\'s sh and the user is not root', async () => {
    const repo = shop();
    const asked: Record<string, boolean | undefined> = {};
    const engineFor = (probe: string) => {
      const { engine } = fakeEngine({ probe: () => probe, start: () => ({ exits: false, output: '' }) });
      return {
        ...engine,
        async sandbox(tag: string) {
          const sandbox = await engine.sandbox(tag);
          return { ...sandbox, start: (argv: readonly string[], o: StartOptions) => ((asked[probe] = o.ownStdio), sandbox.start(argv, o)) };
        },
      } satisfies Engine;
    };
    for (const probe of ['ECSFIX id 0 ok 101 nginx\n', 'ECSFIX id 0 ok 0 root\n', 'sh: not found\n'])
      await verifyRepo(repo, null, { engine: engineFor(probe), startSeconds: 0.1, services: ['worker'] });
    expect(asked).toEqual({ 'ECSFIX id 0 ok 101 nginx\n': true, 'ECSFIX id 0 ok 0 root\n': false, 'sh: not found\n': false });
  });
});
