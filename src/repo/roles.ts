/**
 * A service's role — an HTTP service, a queue worker, a static frontend — from what its code does
 * (listens, consumes a queue), what its image runs (a web server CMD, an nginx base) and what
 * compose and the image say about ports, with the reasons.
 */
import { deployedProcess, type ComposeService } from './compose.js';
import type { DockerInstruction, DockerStage } from './dockerfile.js';
import type { ReplacedServer, ServiceRole } from './model.js';
import type { SourceFacts } from './sourceScan.js';
import type { WorkspacePackage } from './workspace.js';
import { cliSubcommand } from './commandPattern.js';

export interface RoleInput {
  name: string;
  facts: Map<string, SourceFacts>;
  /** The deployed stage and the instructions in force there (its parent stages' included). */
  stage: DockerStage | undefined;
  inForce: DockerInstruction[];
  /** What the container runs: the ENTRYPOINT and CMD as compose leaves them (its `command`/`entrypoint` replace the image's), joined. */
  cmdText: string;
  pkg: WorkspacePackage | null;
  compose: ComposeService | null;
}

export interface ServiceRoleFinding {
  role: ServiceRole;
  reasons: string[];
  /** The deployed stage runs nginx, httpd or caddy. */
  webServerImage: boolean;
  /** The queue worker or scheduler the command runs (`celery worker`), which handles SIGTERM itself. */
  workerProcess?: string;
}

/** Queue workers and schedulers started by their own CLI: no port, no HTTP route, whatever the image's code serves elsewhere. */
const WORKER_CMD: { test: RegExp; name: string }[] = [
  { test: /\bcelery\b.*\sworker\b/, name: 'celery worker' },
  { test: /\bcelery\b.*\sbeat\b/, name: 'celery beat' },
  { test: /\brq\s+worker\b|\bmanage\.py\s+rqworker\b/, name: 'rq worker' },
  { test: /\bdramatiq\s/, name: 'dramatiq' },
];

/** A script (entrypoint, start script) that starts a web server. */
export const scriptStartsServer = (text: string): boolean => WEB_SERVER_CMD.test(text);

const WEB_SERVER_CMD = new RegExp(
  `\\b(uvicorn|gunicorn|hypercorn|daphne|runserver|uwsgi(?![\\w.-])|http-server|serve\\s|next\\s+start|nuxt\\s+start|remix-serve|react-router-serve|astro\\s+preview)|${cliSubcommand('\\bflask', 'run').source}`,
);

export function serviceRole({ name, facts, stage, inForce, cmdText, pkg, compose }: RoleInput): ServiceRoleFinding {
  const roleReasons: string[] = [];
  const anyListen = [...facts.entries()].filter(([, f]) => f.listens).map(([file]) => file);
  const anyQueue = [...facts.entries()].filter(([, f]) => f.consumesQueue).map(([file]) => file);
  const stageKeywords = new Set(inForce.map((i) => i.keyword));
  // `npm start` runs the package's start script: read that too (e.g. `next start`).
  const cmdWords = cmdText.replace(/[[\]",]/g, ' '); // exec form as words
  const startScript = /\b(?:npm|pnpm|yarn)\s+(?:run\s+)?start\b/.test(cmdWords) ? (pkg?.scripts.start ?? '') : '';
  const servesFromCmd = WEB_SERVER_CMD.test(`${cmdWords} ${startScript}`);
  let role: ServiceRole = 'unknown';
  const family = stage?.base.family;
  const webServerImage = family === 'nginx' || family === 'httpd' || family === 'caddy';
  const worker = servesFromCmd ? undefined : WORKER_CMD.find((w) => w.test.test(cmdWords));
  if (worker) {
    role = 'worker';
    roleReasons.push(`its command runs ${worker.name}${compose?.command ? ` (compose command, ${compose.file})` : ''}`);
  } else if (webServerImage) {
    role = 'frontend';
    roleReasons.push(`deployed stage runs ${stage?.base.reference}`);
  } else if (anyListen.length || servesFromCmd) {
    role = 'http';
    roleReasons.push(anyListen.length ? `starts an HTTP server (${anyListen[0]})` : `CMD starts a web server`);
  } else if (anyQueue.length) {
    role = 'worker';
    roleReasons.push(`consumes a queue (${anyQueue[0]})`);
  } else if (compose?.containerPorts.length || stageKeywords.has('EXPOSE') || stageKeywords.has('HEALTHCHECK')) {
    role = 'http';
    roleReasons.push(compose?.containerPorts.length ? 'compose publishes a port' : 'the image EXPOSEs a port or has a HEALTHCHECK');
  } else if (/worker|consumer|processor|scheduler|cron/i.test(name)) {
    role = 'worker';
    roleReasons.push('named as a worker, no port anywhere');
  }
  return { role, reasons: roleReasons, webServerImage, ...(worker ? { workerProcess: worker.name } : {}) };
}

/** Paths a command runs or hands to an interpreter: scripts and source files, not binaries in a bin/ or sbin/ directory; manage.py serves only through its subcommand. */
const PROCESS_FILE = /^(?:(?![\w./-]*\/s?bin\/)(?:\.{1,2}\/|\/)[\w./-]+|[\w./-]+\.(?:sh|py|[cm]?[jt]s))$/;

/**
 * Whether a command starts a web server: a server CLI in its words or in the npm script it runs,
 * else a script or source file it runs that starts one (`fileServes`). Null when that depends on a
 * script or file ecsfix cannot read.
 */
function startsServer(words: string, pkg: WorkspacePackage | null, fileServes: (path: string) => boolean | null): boolean | null {
  const scripts = [...words.matchAll(/\b(?:npm|pnpm|yarn)\s+(?:run(?:-script)?\s+)?([\w:.-]+)/g)].map((m) => pkg?.scripts[m[1] ?? ''] ?? null);
  if (scripts.includes(null)) return null;
  const text = `${words} ${scripts.join(' ')}`;
  if (WEB_SERVER_CMD.test(text)) return true;
  const files = text.split(/\s+/).filter((w) => PROCESS_FILE.test(w) && !/(?:^|\/)manage\.py$/.test(w)).map(fileServes);
  return files.includes(null) ? null : files.includes(true);
}

/**
 * The compose `command`/`entrypoint` a deployment runs, when it is established not to be the image's
 * web server: the image's ENTRYPOINT and CMD start one, what compose runs in their place starts none
 * (`celery -A config flower`, `python -m app.jobs`). The server's health route and fixed port are then
 * not this process's. Null when compose keeps the image's process, runs a server itself (`gunicorn
 * ... --workers 4`, `uvicorn app:app --port 8001`), or either side depends on something unread.
 */
export function serverReplacedBy(inForce: DockerInstruction[], compose: ComposeService | null, pkg: WorkspacePackage | null, fileServes: (path: string) => boolean | null): ReplacedServer | null {
  const process = deployedProcess(compose);
  if (!process || (process.command === undefined && process.entrypoint === undefined)) return null;
  const words = (text: string) => text.replace(/[[\]",]/g, ' ').replace(/\s+/g, ' ').trim();
  const image = (keyword: string) => words(inForce.filter((i) => i.keyword === keyword).at(-1)?.args ?? '');
  const server = words(`${image('ENTRYPOINT')} ${image('CMD')}`);
  const command = words(process.entrypoint !== undefined ? `${process.entrypoint} ${process.command ?? ''}` : (process.command ?? ''));
  const ran = process.entrypoint !== undefined ? command : words(`${image('ENTRYPOINT')} ${command}`);
  if (ran === server || startsServer(server, pkg, fileServes) !== true || startsServer(ran, pkg, fileServes) !== false) return null;
  return { command, server, file: process.file, line: process.line };
}

/** A route of a worker's side server: metrics, liveness or readiness. */
const AUXILIARY_ROUTE = /^\/(?:metrics|health\w*|healthz|ready\w*|readyz|live\w*|livez)(?:\/[\w-]*)?\/?$/i;

/**
 * The side server of a queue worker: some file consumes a queue, JS/TS files listen (not on PORT, and
 * compose publishes no port), and every route the service's files declare is a health or metrics one, with nothing mounted from elsewhere (a router's
 * routes would be unknown) and no NestJS app. Null unless all that is established.
 */
export function workerSideServer(facts: Map<string, SourceFacts>, compose: ComposeService | null): { file: string; line: number; routes: string[] } | null {
  const all = [...facts.entries()];
  const listening = all.filter(([, f]) => f.listens);
  if (listening.length === 0 || !all.some(([, f]) => f.consumesQueue)) return null;
  if (listening.some(([, f]) => !f.js || f.js.listen.length === 0)) return null;
  // The service's main server, not a side one: compose publishes its port, or it listens on PORT.
  if (compose?.containerPorts.length || listening.some(([, f]) => f.js?.listen.some((l) => (l.envVars ?? [l.envVar]).includes('PORT')))) return null;
  if (all.some(([, f]) => f.mounts.length > 0 || f.js?.rpcServer || Object.keys(f.routers).length > 0)) return null;
  const routes = all.flatMap(([, f]) => f.routes.map((r) => r.path));
  if (routes.length === 0 || !routes.every((r) => AUXILIARY_ROUTE.test(r))) return null;
  const [file, f] = listening[0] as [string, SourceFacts];
  return { file, line: f.js?.listen[0]?.line ?? 1, routes: [...new Set(routes)].sort() };
}
