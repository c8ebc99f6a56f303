/**
 * A service's role — an HTTP service, a queue worker, a static frontend — from what its code does
 * (listens, consumes a queue), what its image runs (a web server CMD, an nginx base) and what
 * compose and the image say about ports, with the reasons.
 */
import type { ComposeService } from './compose.js';
import type { DockerInstruction, DockerStage } from './dockerfile.js';
import type { ServiceRole } from './model.js';
import type { SourceFacts } from './sourceScan.js';
import type { WorkspacePackage } from './workspace.js';

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

const WEB_SERVER_CMD = /\b(uvicorn|gunicorn|hypercorn|daphne|runserver|flask\s+run|http-server|serve\s|next\s+start|nuxt\s+start|remix-serve|react-router-serve|astro\s+preview)/;

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
