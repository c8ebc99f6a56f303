/**
 * A service's port: the evidence for it (the image's ENV PORT, EXPOSE, CMD flags and HEALTHCHECK
 * URL; compose's mapping and environment; the code's listen defaults), the one rule that chooses,
 * and whether the compose projects that build the image disagree.
 */
import { variableSetAt, type ComposeService } from './compose.js';
import type { DockerInstruction } from './dockerfile.js';
import type { Evidence } from './model.js';
import type { SourceFacts } from './sourceScan.js';
import type { ServiceListen } from '../source/index.js';
import type { PatternListen } from './serverListen.js';

/** Port sources in the order {@link choosePort} trusts them (code defaults come last). */
export const PORT_PRIORITY = ['ENV PORT', 'compose environment PORT', 'compose port mapping', 'EXPOSE', 'CMD', 'HEALTHCHECK URL'];

/** The image's own ENV PORT wins, then what compose runs it on, then the Dockerfile, then the code. */
function choosePort(evidence: Evidence<number>[], composePorts: number[]): number | null {
  for (const source of PORT_PRIORITY) {
    const hit = evidence.find((e) => e.source === source);
    if (hit) return hit.value;
  }
  const code = evidence.filter((e) => e.source.startsWith('code'));
  if (code.length) {
    const counts = new Map<number, number>();
    for (const e of code) counts.set(e.value, (counts.get(e.value) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  }
  if (composePorts.length) {
    return composePorts[0] ?? null;
  }
  return null;
}

/**
 * `process.env.PORT || 3005` is this service's port; `process.env.STUDENT_SERVICE_PORT || 3003` in
 * course-service is the port of the service it calls. A named variable counts only when it names
 * this service (COURSE_SERVICE_PORT or COURSE_PORT for course-service).
 */
function isOwnPortVar(envVar: string | null, serviceName: string, packageName: string | null): boolean {
  if (envVar === null || envVar === 'PORT' || envVar === 'HTTP_PORT' || envVar === 'APP_PORT' || envVar === 'SERVER_PORT') return true;
  const stem = envVar.replace(/_PORT$/, '');
  const names = [serviceName, packageName?.split('/').pop() ?? ''].filter(Boolean).map((n) => n.toUpperCase().replace(/[^A-Z0-9]+/g, '_'));
  return names.some((n) => n === stem || n.replace(/_SERVICE$/, '') === stem || n === `${stem}_SERVICE`);
}

/** Port evidence from the instructions in force in the deployed stage of Dockerfile `df`. */
function dockerfilePortEvidence(inForce: DockerInstruction[], df: string): Evidence<number>[] {
  const portEvidence: Evidence<number>[] = [];
  for (const ins of inForce) {
    if (ins.keyword === 'ENV') {
      const m = /(?:^|\s)PORT(?:=|\s+)["']?(\d{2,5})\b/.exec(ins.args);
      if (m) portEvidence.push({ value: Number(m[1]), source: 'ENV PORT', file: df, line: ins.line });
    }
    if (ins.keyword === 'EXPOSE') {
      for (const tok of ins.args.split(/\s+/)) {
        const p = Number(tok.split('/')[0]);
        if (Number.isInteger(p) && p > 0) portEvidence.push({ value: p, source: 'EXPOSE', file: df, line: ins.line });
      }
    }
    if (ins.keyword === 'HEALTHCHECK') {
      const m = /(?:localhost|127\.0\.0\.1|0\.0\.0\.0)(?::|['"]?\s*\+\s*['"]?)(\d{2,5})\b/.exec(ins.args);
      if (m) portEvidence.push({ value: Number(m[1]), source: 'HEALTHCHECK URL', file: df, line: ins.line });
    }
    if (ins.keyword === 'CMD' || ins.keyword === 'ENTRYPOINT') {
      const m = /(?:--port["',\s]+|--bind["',\s]+[\w.]*:|-b["',\s]+[\w.]*:|runserver["',\s]+[\w.]*:|\$\{PORT:-)(\d{2,5})\b/.exec(ins.args);
      if (m) portEvidence.push({ value: Number(m[1]), source: 'CMD', file: df, line: ins.line });
    }
  }
  return portEvidence;
}

export interface PortInput {
  name: string;
  packageName: string | null;
  dockerfile: string | null;
  /** The deployed stage's instructions in force; empty when there is no parsed Dockerfile. */
  inForce: DockerInstruction[];
  compose: ComposeService | null;
  /** The same image in other compose projects. */
  alsoComposedBy: ComposeService[];
  facts: Map<string, SourceFacts>;
  /** Python/Go/Rust servers' start calls read by pattern (src/repo/serverListen.ts). */
  patternListens?: PatternListen[];
}

export interface ServicePort {
  port: number | null;
  evidence: Evidence<number>[];
  /** Compose projects that build the image disagree about its port (then the port is not changed). */
  dispute: string | null;
}

export function servicePort(input: PortInput): ServicePort {
  const { compose } = input;
  const portEvidence = dockerfilePortEvidence(input.inForce, input.dockerfile ?? '');
  const composePorts = compose?.containerPorts ?? [];
  if (composePorts.length === 1 && compose) portEvidence.push({ value: composePorts[0] ?? 0, source: 'compose port mapping', file: compose.file, line: compose.line });
  const composeEnvPort = compose?.environment.PORT;
  if (composeEnvPort && /^\d+$/.test(composeEnvPort) && compose)
    portEvidence.push({ value: Number(composeEnvPort), source: 'compose environment PORT', ...(variableSetAt(compose, 'PORT') ?? { file: compose.file, line: compose.line }) });
  const side = sideServerListens(input);
  for (const [file, f] of input.facts)
    for (const hint of f.ports)
      if (isOwnPortVar(hint.envVar, input.name, input.packageName) && !(hint.envVar === null && side.has(`${file}:${hint.line}`)))
        portEvidence.push({ value: hint.port, source: `code (${hint.what})`, file, line: hint.line });
  // The server's own start call: a literal port, or the default of the variable it reads.
  for (const l of input.patternListens ?? [])
    if (l.port !== null && !portEvidence.some((e) => e.file === l.file && e.line === l.line))
      portEvidence.push({ value: l.port, source: `code (${l.envVar ? `${l.receiver} ${l.envVar} default` : `${l.receiver} literal`})`, file: l.file, line: l.line });
  return { port: choosePort(portEvidence, composePorts), evidence: portEvidence, dispute: composePortDispute(input.name, compose, input.alsoComposedBy) };
}

/**
 * The listen calls (`file:line`) of a second server with a port fixed in code (`metrics.listen(9090)`)
 * in a process whose server reads the service's port variable (`app.listen(process.env.PORT ||
 * 3000)`): that port is the side server's, not evidence about the service's. Empty when no listen
 * reads the port variable (several literal ports then do disagree).
 */
function sideServerListens(input: PortInput): Set<string> {
  const listens = [...input.facts].flatMap(([file, f]) => (f.js?.listen ?? []).map((l) => ({ ...l, file })));
  const readsOwn = listens.some((l) => !l.viaHelper && (l.envVars ?? [l.envVar]).some((v) => v !== null && v !== undefined && isOwnPortVar(v, input.name, input.packageName)));
  if (!readsOwn) return new Set();
  return new Set(listens.filter((l) => l.envVar === null && !l.fromConfig && l.port !== null).map((l) => `${l.file}:${l.line}`));
}

/**
 * Two compose projects that build this image disagree about its port: neither says which is deployed.
 * (A definition that sets no port says nothing; PORT in its environment outranks its mappings.)
 */
function composePortDispute(name: string, compose: ComposeService | null, others: ComposeService[]): string | null {
  const composePortOf = (c: ComposeService) =>
    c.environment.PORT && /^\d+$/.test(c.environment.PORT) ? c.environment.PORT : c.containerPorts.length ? [...c.containerPorts].sort((a, b) => a - b).join(',') : null;
  const ownComposePort = compose ? composePortOf(compose) : null;
  const disputing = ownComposePort === null ? [] : others.filter((c) => composePortOf(c) !== null && composePortOf(c) !== ownComposePort);
  const describe = (c: ComposeService) => `${c.file}:${c.line} (${c.containerPorts.join(', ') || 'no port'}${c.environment.PORT ? `, PORT=${c.environment.PORT}` : ''})`;
  return disputing.length && compose ? `compose projects disagree about the port of "${name}": ${[compose, ...disputing].map(describe).join(' vs ')}` : null;
}

/**
 * The env variable the server reads its port from: the first listen call (entry file first) whose
 * port expression reads one (PORT when it reads PORT at all, as in `process.env.X ||
 * process.env.PORT`); none when the name is only an argument of a port helper whose body was not
 * read (it may fall back to PORT). JS/TS listens come from the parse, Python/Go/Rust start calls
 * from patterns (`address`: the variable holds `host:port`, as Go's `SERVER_ADDRESS=":8082"`).
 * When no start call says, Python's `getenv`/`environ.get` reads whose default is the service port,
 * when they name one variable (a `REDIS_PORT` read defaults to another port).
 */
export function servicePortVariable(
  listen: (ServiceListen & { address?: boolean })[],
  facts: Map<string, SourceFacts>,
  port: number | null,
  entryFile: string | null,
): (Evidence<string> & { address?: boolean }) | undefined {
  const read = listen.find((l) => l.envVar);
  if (read?.envVar && !read.viaHelper) {
    const readsPort = read.envVars?.includes('PORT') ?? read.envVar === 'PORT';
    return { value: readsPort ? 'PORT' : read.envVar, source: 'listen call', file: read.file, line: read.line, ...(read.address && !readsPort ? { address: true } : {}) };
  }
  // A listen whose port the code states (a literal) leaves no variable; one that leads nowhere readable
  // (`uvicorn.run(app, port=settings.port)`) falls back to the getenv reads below.
  if (listen.some((l) => l.port !== null) || port === null) return undefined;
  const reads = [...facts.entries()]
    // `os.getenv('ML_PORT', '9000')`, or a JS config module's `port: process.env.PORT || 4000` (the listen call reads `config.port`).
    // A config schema entry (`port: { default: 4000, env: 'CATALOG_PORT' }`) names the variable whatever it is called.
    .flatMap(([file, f]) => f.ports.filter((h) => (h.what === 'env PORT default' || h.what === 'config schema env' || (h.what === 'process.env fallback' && h.envVar === 'PORT')) && h.envVar && h.port === port).map((h) => ({ file, h })))
    .sort((a, b) => Number(b.file === entryFile) - Number(a.file === entryFile));
  const names = new Set(reads.map((r) => r.h.envVar));
  const first = reads[0];
  if (names.size !== 1 || !first?.h.envVar) return undefined;
  return { value: first.h.envVar, source: 'getenv default', file: first.file, line: first.h.line };
}
