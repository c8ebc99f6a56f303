/**
 * A service's port: the evidence for it (the image's ENV PORT, EXPOSE, CMD flags and HEALTHCHECK
 * URL; compose's mapping and environment; the code's listen defaults), the one rule that chooses,
 * and whether the compose projects that build the image disagree.
 */
import { variableSetAt, type ComposeService } from './compose.js';
import type { DockerInstruction } from './dockerfile.js';
import type { Evidence, PortEvidence } from './model.js';
import { startVariables, type ImageEnvironment } from './startVariables.js';
import type { SourceFacts } from './sourceScan.js';
import type { ServiceListen } from '../source/index.js';
import type { PatternListen } from './serverListen.js';

/** Port sources in the order {@link choosePort} trusts them (code defaults come last). */
export const PORT_PRIORITY = ['ENV PORT', 'compose environment PORT', 'compose port mapping', 'EXPOSE', 'CMD', 'HEALTHCHECK URL'];

/** The {@link PORT_PRIORITY} entry a source is (`ENV PORT (ARG APP_PORT default)` is `ENV PORT`), or null (the code's). */
export function portSourceKind(source: string): string | null {
  return PORT_PRIORITY.find((s) => source === s || source.startsWith(`${s} (`)) ?? null;
}

/** Where a source stands in {@link PORT_PRIORITY} (the code's after every other). */
export function portSourceRank(source: string): number {
  const kind = portSourceKind(source);
  return kind === null ? PORT_PRIORITY.length : PORT_PRIORITY.indexOf(kind);
}

/** The image's own ENV PORT wins, then what compose runs it on, then the Dockerfile, then the code (a default that never applies does not count). */
function choosePort(evidence: PortEvidence[], composePorts: number[]): number | null {
  const declared = evidence.filter((e) => portSourceKind(e.source) !== null).sort((a, b) => portSourceRank(a.source) - portSourceRank(b.source));
  if (declared[0]) return declared[0].value;
  const code = evidence.filter((e) => e.source.startsWith('code') && !e.neverApplies);
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
function dockerfilePortEvidence(inForce: DockerInstruction[], df: string): PortEvidence[] {
  const portEvidence: PortEvidence[] = [];
  for (const ins of inForce) {
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
  /** The deployed stage's ENV as its build expands it (src/repo/startVariables.ts). */
  imageEnv: ImageEnvironment;
  compose: ComposeService | null;
  /** The same image in other compose projects. */
  alsoComposedBy: ComposeService[];
  facts: Map<string, SourceFacts>;
  /** Python/Go/Rust servers' start calls read by pattern (src/repo/serverListen.ts). */
  patternListens?: PatternListen[];
}

export interface ServicePort {
  port: number | null;
  evidence: PortEvidence[];
  /** Compose projects that build the image disagree about its port (then the port is not changed). */
  dispute: string | null;
}

/**
 * The image's PORT as its build establishes it (`ENV PORT=$APP_PORT` is the compose build arg, else
 * the ARG default, which the source names: a `--build-arg` the repo does not show may change it).
 * None when the value is not established or not a port.
 */
function envPortEvidence(imageEnv: ImageEnvironment, df: string): PortEvidence[] {
  const port = imageEnv.get('PORT');
  if (!port?.value || !/^\d{2,5}$/.test(port.value)) return [];
  const source = port.argDefaults.length ? `ENV PORT (${port.argDefaults.map((a) => `ARG ${a}`).join(', ')} default${port.argDefaults.length > 1 ? 's' : ''})` : 'ENV PORT';
  return [{ value: Number(port.value), source, file: df, line: port.line }];
}

/**
 * The code reads its port from a variable the container sets to a port (`SERVICE_PORT=8080` in
 * compose, over the code's `|| 3000`): that value, at the read. PORT set by the image or compose
 * is their evidence already.
 */
function setVariableEvidence(evidence: PortEvidence[]): PortEvidence[] {
  const out: PortEvidence[] = [];
  const shown = new Set(evidence.some((e) => ['ENV PORT', 'compose environment PORT'].includes(portSourceKind(e.source) ?? '')) ? ['PORT'] : []);
  for (const e of evidence) {
    const set = e.neverApplies;
    if (!set || !/^\d{2,5}$/.test(set.value) || shown.has(set.variable)) continue;
    shown.add(set.variable);
    out.push({ value: Number(set.value), source: `code (reads ${set.variable}, which the container sets)`, file: e.file, line: e.line });
  }
  return out;
}

export function servicePort(input: PortInput): ServicePort {
  const { compose } = input;
  const portEvidence = [...envPortEvidence(input.imageEnv, input.dockerfile ?? ''), ...dockerfilePortEvidence(input.inForce, input.dockerfile ?? '')];
  const composePorts = compose?.containerPorts ?? [];
  if (composePorts.length === 1 && compose) portEvidence.push({ value: composePorts[0] ?? 0, source: 'compose port mapping', file: compose.file, line: compose.line });
  const composeEnvPort = compose?.environment.PORT;
  if (composeEnvPort && /^\d+$/.test(composeEnvPort) && compose)
    portEvidence.push({ value: Number(composeEnvPort), source: 'compose environment PORT', ...(variableSetAt(compose, 'PORT') ?? { file: compose.file, line: compose.line }) });
  // A default for a variable the container has a value for never applies.
  const variables = startVariables(input.imageEnv, [compose, ...input.alsoComposedBy]);
  const setTo = (name: string | null | undefined) => {
    const value = name ? variables(name) : null;
    return name && value ? { neverApplies: { variable: name, value } } : {};
  };
  const side = sideServerListens(input);
  for (const [file, f] of input.facts)
    for (const hint of f.ports)
      if (isOwnPortVar(hint.envVar, input.name, input.packageName) && !(hint.envVar === null && side.has(`${file}:${hint.line}`)))
        portEvidence.push({ value: hint.port, source: `code (${hint.what})`, file, line: hint.line, ...setTo(hint.envVar) });
  // The server's own start call: a literal port, or the default of the variable it reads.
  for (const l of input.patternListens ?? [])
    if (l.port !== null && !portEvidence.some((e) => e.file === l.file && e.line === l.line))
      portEvidence.push({ value: l.port, source: `code (${l.envVar ? `${l.receiver} ${l.envVar} default` : `${l.receiver} literal`})`, file: l.file, line: l.line, ...setTo(l.envVar) });
  portEvidence.push(...setVariableEvidence(portEvidence));
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
