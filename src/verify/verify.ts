/**
 * `ecsfix verify`: builds the images ecsfix changes (or all of them) for the stage compose deploys,
 * and proves each still works as its runtime user: checks inside the image (not root, written paths
 * writable, start program and entry file present, HEALTHCHECK runnable, workspace packages
 * resolvable), then a smoke start of the image's own command for a few seconds with compose's
 * environment, and one run of the HEALTHCHECK while it runs. Every problem is a finding (ECS6xx)
 * with the service, the Dockerfile and the line that caused it where known.
 *
 * Library code: it never prints; progress goes to `onProgress`. The engine and the processes it
 * runs are injected, so all of this is testable without one.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, posix } from 'node:path';
import type { Finding, Severity } from '../findings/finding.js';
import { findingCode } from '../findings/codes.js';
import { deployedStage, effectiveInstructions, parseDockerfile, type DockerInstruction, type ParsedDockerfile } from '../repo/dockerfile.js';
import type { RepoModel, Service } from '../repo/model.js';
import type { Plan } from '../run/plan.js';
import { decodeText } from '../text.js';
import { envExampleFor, parseEnvFile } from '../repo/envFiles.js';
import { emptyFromUnset, resolveComposeValues } from './composeEnv.js';
import { deployedVolumes } from '../repo/compose.js';
import type { Engine, EngineName, ImageConfig, Sandbox } from './engine.js';
import { parseProbe, probeScript, type ProbeRequest } from './probe.js';
import type { ProcessResult } from './process.js';
import { buildFiles } from './stage.js';
import { startCommands, shellCommands, type EntryRef } from './startCommand.js';
import { blamesEmptyVariable, diagnoseStart, healthcheckClientError, reportsPermissionError, type StartFailure } from './startOutcome.js';

export interface VerifyOptions {
  engine: Engine;
  /** Every service image, not only those ecsfix's pending changes touch. */
  all?: boolean;
  /** Build the files as they are, without ecsfix's pending changes. */
  asIs?: boolean;
  /** Keep the built images (their tags are in the result). */
  keep?: boolean;
  startSeconds?: number;
  buildTimeoutSeconds?: number;
  /** Images built and started at once (default: the core count). */
  parallel?: number;
  /** Only these services (names). */
  services?: string[];
  /** The environment compose interpolates from (default: this process's). */
  env?: Readonly<Record<string, string | undefined>>;
  onProgress?: (message: string) => void;
}

/** Which images were chosen: those ecsfix changes, all (asked), or all because nothing is pending. */
export type Selection = 'pending' | 'all' | 'nothing-pending';

export interface WrittenPath {
  path: string;
  why: string;
  writable: boolean | null;
  owner?: string;
}

export interface ServiceVerdict {
  service: string;
  dockerfile: string;
  target: string | null;
  /** Built with ecsfix's pending changes (not yet written to the repo). */
  withPendingChanges: boolean;
  built: boolean;
  buildSeconds: number;
  /** The image tag, when kept. */
  image: string | null;
  user: string | null;
  uid: number | null;
  writes: WrittenPath[];
  start: { outcome: 'running' | 'exited' | 'not-started'; code: number | null; failure: StartFailure | null; line: string | null };
  healthcheck: { ok: boolean; output: string } | null;
  /** Whether the checks and the start ran on a network of their own (false: the host's). */
  networkIsolated: boolean | null;
  /** The end of the build or start output, for a failure. */
  log: string;
  findings: Finding[];
}

export interface VerifyResult {
  engine: EngineName;
  selection: Selection;
  services: ServiceVerdict[];
  findings: Finding[];
}

/**
 * How a service's image came out: `blocking` (a blocking finding), `exited` (no blocking finding,
 * but the process exited with a non-zero code at start: it did not run, whatever the cause), `ok`.
 */
export function verdictStatus(v: ServiceVerdict): 'blocking' | 'exited' | 'ok' {
  if (v.findings.some((f) => f.severity === 'blocking')) return 'blocking';
  if (v.start.outcome === 'exited' && v.start.code !== 0) return 'exited';
  return 'ok';
}

interface Target {
  service: Service;
  dockerfile: string;
  context: string;
  target: string | null;
  buildArgs: Record<string, string>;
  /** The smoke start's environment: compose's, with variables unset here taken from the env example file. */
  environment: Record<string, string>;
  /** Entries of `environment` still empty or unset because what compose takes them from is unset (see {@link emptyFromUnset}). */
  emptyFromUnset: Record<string, string[]>;
  /** The env example file (null: the repo has none) and the variables the smoke start took from it. */
  fromExample: { file: string | null; variables: string[] };
  /** Dockerfile text as built (with a pending change when there is one). */
  text: string;
  pending: boolean;
}

const tail = (text: string, lines = 25) => text.split('\n').filter((l) => l.trim()).slice(-lines).join('\n');

function finding(code: string, target: Target, message: string, line?: number, severity?: Severity): Finding {
  const def = findingCode(code);
  return {
    code,
    severity: severity ?? def?.defaultSeverity ?? 'blocking',
    message,
    file: target.dockerfile,
    ...(line ? { line } : {}),
    service: target.service.name,
    ...(def?.fixedBy ? { fixedBy: def.fixedBy } : {}),
  };
}

/** The Dockerfile lines verify points at: the deployed stage's USER, CMD/ENTRYPOINT, HEALTHCHECK, FROM. */
class DockerfileLines {
  private readonly inForce: DockerInstruction[];
  readonly parsed: ParsedDockerfile | null;
  constructor(text: string, target: string | null) {
    let parsed: ParsedDockerfile | null = null;
    try {
      parsed = parseDockerfile(text);
    } catch {
      parsed = null;
    }
    this.parsed = parsed;
    const stage = parsed ? deployedStage(parsed, target) : undefined;
    this.inForce = parsed && stage ? effectiveInstructions(parsed, stage) : [];
  }
  last(...keywords: string[]): number | undefined {
    return [...this.inForce].reverse().find((i) => keywords.includes(i.keyword))?.line;
  }
  /** The line of the instruction a build log names last (`STEP 5/9: RUN ...`, `[deps 3/6] RUN ...`). */
  failedStep(log: string): number | undefined {
    if (!this.parsed) return undefined;
    const norm = (s: string) => s.replace(/\\\s*\n/g, ' ').replace(/\s+/g, ' ').trim().toLowerCase();
    // buildah/podman: `[2/3] STEP 2/5: RUN ...`; docker (BuildKit): `#8 [deps 3/6] RUN ...`.
    const buildah = [...log.matchAll(/STEP \d+(?:\/\d+)?: ([A-Z]+ [^\n]*)/g)];
    const matches = buildah.length ? buildah : [...log.matchAll(/\[[^\]\n]*\d+\/\d+\] ([A-Z]+ [^\n]*)/g)];
    const steps = matches.map((m) => norm(m[1] ?? ''));
    const step = steps[steps.length - 1];
    if (!step) return undefined;
    return this.parsed.instructions.find((i) => {
      const text = norm(`${i.keyword} ${i.args}`);
      return text === step || text.startsWith(step) || step.startsWith(text);
    })?.line;
  }
}

/** Repo-relative path -> contents after ecsfix's pending changes (none with `asIs`). */
function pendingFiles(plan: Plan | null, options: VerifyOptions): Map<string, string> {
  return new Map(plan && !options.asIs ? plan.changes.map((c) => [c.path, c.after]) : []);
}

function selectTargets(repo: RepoModel, plan: Plan | null, options: VerifyOptions): { targets: Target[]; selection: Selection } {
  const changed = pendingFiles(plan, options);
  const env = options.env ?? process.env;
  const buildable = repo.services.filter(
    (s) => s.dockerfile !== null && !repo.dockerfiles.get(s.dockerfile)?.error && (!options.services?.length || options.services.includes(s.name)),
  );
  const touched = (s: Service) =>
    changed.has(s.dockerfile as string) || (s.dir !== '' && [...changed.keys()].some((p) => p.startsWith(s.dir + '/')));
  let selection: Selection = options.all ? 'all' : 'pending';
  let chosen = options.all ? buildable : buildable.filter(touched);
  if (!options.all && chosen.length === 0) {
    selection = 'nothing-pending';
    chosen = buildable;
  }
  const targets = chosen.map((service): Target => {
    const dockerfile = service.dockerfile as string;
    const pendingText = changed.get(dockerfile);
    const raw = pendingText ?? readFileSync(join(repo.root, dockerfile), 'utf8');
    const { interpolation, start, fromExample } = composeEnvironments(repo.root, service, env);
    const values = service.compose?.environment ?? {};
    return {
      service,
      dockerfile,
      context: service.buildContext,
      target: service.target,
      buildArgs: resolveComposeValues(service.compose?.build?.args ?? {}, interpolation),
      environment: resolveComposeValues(values, start),
      emptyFromUnset: emptyFromUnset(values, start),
      fromExample,
      text: decodeText(raw).text,
      pending: touched(service) && changed.size > 0,
    };
  });
  return { targets, selection };
}

/**
 * What compose interpolates a service's values from: the caller's environment over the `.env` file
 * beside the compose file (as `docker compose` reads it). For the smoke start only, a variable still
 * unset is taken from the repo's env example file (where compose-secret-defaults lists the secrets
 * whose defaults it removed: `cp .env.example .env` is how the stack is meant to start locally).
 */
function composeEnvironments(root: string, service: Service, env: Readonly<Record<string, string | undefined>>) {
  const read = (p: string) => {
    try {
      return readFileSync(join(root, p), 'utf8');
    } catch {
      return null;
    }
  };
  const file = service.compose?.file;
  if (!file) return { interpolation: env, start: env, fromExample: { file: null, variables: [] } };
  const interpolation = { ...parseEnvFile(read(posix.join(posix.dirname(file), '.env')) ?? ''), ...env };
  const example = envExampleFor(file, read);
  const exampleValues = Object.entries(parseEnvFile(example.text ?? '')).filter(([name, value]) => value !== '' && !interpolation[name]);
  const values = service.compose?.environment ?? {};
  const before = Object.values(emptyFromUnset(values, interpolation)).flat();
  const variables = exampleValues.map(([name]) => name).filter((name) => before.includes(name));
  const start = { ...interpolation, ...Object.fromEntries(exampleValues.filter(([name]) => variables.includes(name))) };
  return { interpolation, start, fromExample: { file: example.text === null ? null : example.path, variables } };
}

/** Paths the process writes at run time, as container paths: the model's, the image's VOLUMEs, compose's named volumes. */
function writtenPaths(service: Service, config: ImageConfig): { path: string; why: string; file?: string; line?: number }[] {
  const out: { path: string; why: string; file?: string; line?: number }[] = [];
  const add = (path: string, why: string, file?: string, line?: number) => {
    const clean = posix.normalize(path).replace(/\/+$/, '') || '/';
    if (!out.some((w) => w.path === clean)) out.push({ path: clean, why, ...(file ? { file, line } : {}) });
  };
  // Relative paths are taken from the WORKDIR: the model has already placed a write relative to the
  // process's working directory in the directory the start command runs it in (src/repo/processCwd.ts). A write the model could not resolve to
  // a path (`unresolved`, issue 9's model) has nothing to probe, nor one under the user's home (`home`),
  // which depends on the user the image runs as (the smoke start shows whether it is writable).
  for (const w of service.runtimeWrites ?? [])
    if (!(w as { unresolved?: boolean }).unresolved && !w.home) add(w.absolute ? w.path : posix.join(config.workingDir, w.path), w.reason, w.file, w.line);
  for (const v of config.volumes) add(v, 'VOLUME in the image (a new volume takes its ownership from the image)');
  for (const v of deployedVolumes(service.compose))
    if (!v.readOnly && (v.source === null || !/^[./~]/.test(v.source))) add(v.target, `compose ${v.source === null ? 'anonymous' : 'named'} volume`);
  return out;
}

/** The workspace packages a Node service's package depends on directly. */
function workspacePackagesOf(repo: RepoModel, service: Service): string[] {
  if (service.language !== 'node' || !service.packageName) return [];
  return repo.workspacePackages.find((p) => p.name === service.packageName)?.workspaceDeps ?? [];
}

/** Where the start command's Node entry file resolves its imports from: its directory (absolute), else the WORKDIR. */
function resolveFrom(workingDir: string, commands: { entry: EntryRef | null }[]): string {
  const entry = commands.find((c) => c.entry?.kind === 'file' && c.entry.runtime === 'node')?.entry;
  return entry?.kind === 'file' ? posix.resolve(workingDir || '/', posix.dirname(entry.path)) : workingDir || '/';
}

const READS_PORT = /\$\{?PORT\b|process\.env\.PORT\b|process\.env\[['"]PORT['"]\]|environ(?:\.get\(|\[)\s*['"]PORT['"]|getenv\(\s*['"]PORT['"]/;

function healthcheckCommand(test: string[]): { argv: string[]; shell: string | null; text: string } {
  if (test[0] === 'CMD-SHELL') return { argv: ['sh', '-c', test[1] ?? ''], shell: test[1] ?? '', text: test[1] ?? '' };
  const argv = test[0] === 'CMD' ? test.slice(1) : test;
  return { argv, shell: null, text: argv.join(' ') };
}

const describeEntry = (e: EntryRef) => (e.kind === 'file' ? e.path : `module ${e.name}`);

async function verifyTarget(target: Target, repo: RepoModel, changed: ReadonlyMap<string, string>, options: VerifyOptions, tag: string): Promise<ServiceVerdict> {
  const { engine } = options;
  const lines = new DockerfileLines(target.text, target.target);
  const pendingNote = target.pending ? ' (with ecsfix\'s pending change)' : '';
  const verdict: ServiceVerdict = {
    service: target.service.name,
    dockerfile: target.dockerfile,
    target: target.target,
    withPendingChanges: target.pending,
    built: false,
    buildSeconds: 0,
    image: null,
    user: null,
    uid: null,
    writes: [],
    start: { outcome: 'not-started', code: null, failure: null, line: null },
    healthcheck: null,
    networkIsolated: null,
    log: '',
    findings: [],
  };
  const report = (code: string, message: string, line?: number, severity?: Severity) => verdict.findings.push(finding(code, target, message, line, severity));
  const progress = (message: string) => options.onProgress?.(`${target.service.name}: ${message}`);

  const files = buildFiles(repo.root, target.context, target.dockerfile, target.pending ? changed : new Map());
  const started = Date.now();
  progress(`building ${target.dockerfile}${target.target ? ` (stage ${target.target})` : ''}${pendingNote}`);
  let build: ProcessResult;
  try {
    build = await engine.build({
      context: files.context,
      dockerfile: files.dockerfile,
      target: target.target,
      args: target.buildArgs,
      tag,
      timeoutMs: (options.buildTimeoutSeconds ?? 600) * 1000,
    });
  } finally {
    files.cleanup();
  }
  verdict.buildSeconds = Math.round((Date.now() - started) / 100) / 10;
  const buildLog = build.stdout + '\n' + build.stderr;
  if (build.code !== 0 || build.timedOut) {
    verdict.log = tail(buildLog);
    const why = build.timedOut
      ? `timed out after ${options.buildTimeoutSeconds ?? 600} s`
      : (tail(build.stderr || build.stdout, 1) || `exit code ${build.code}`);
    report('ECS601', `the image does not build${pendingNote}: ${why}`, lines.failedStep(buildLog));
    progress('build failed');
    return verdict;
  }
  verdict.built = true;
  progress(`built in ${verdict.buildSeconds} s`);

  let sandbox: Sandbox | null = null;
  try {
    const config = await engine.inspect(tag);
    sandbox = await engine.sandbox(tag);
    verdict.networkIsolated = sandbox.isolated;
    verdict.user = config.user || 'root';
    const env = target.environment;
    const argv = [...config.entrypoint, ...config.cmd];
    const commands = startCommands(argv);
    const health = config.healthcheck ? healthcheckCommand(config.healthcheck) : null;
    const healthPrograms = health ? (health.shell !== null ? shellCommands(health.shell).map((c) => c[0] ?? '') : [health.argv[0] ?? '']).filter((p) => p && !p.includes('$')) : [];
    const writes = writtenPaths(target.service, config);
    const request: ProbeRequest = {
      workingDir: config.workingDir,
      writes: writes.map((w) => w.path),
      programs: [...new Set([...commands.map((c) => c.program), ...healthPrograms])],
      entries: commands.flatMap((c) => (c.entry ? [c.entry] : [])),
      shellSyntax: health?.shell ? [health.shell] : [],
      packages: workspacePackagesOf(repo, target.service),
      resolveFrom: resolveFrom(config.workingDir, commands),
    };
    const probe = await sandbox.exec(['sh', '-c', probeScript(request)], { user: config.user, env, timeoutMs: 60_000 });
    const answers = parseProbe(probe.stdout, request);
    if (!probe.stdout.includes('ECSFIX id')) {
      report('ECS613', `cannot run checks in the image as ${verdict.user}: ${tail(probe.stderr || probe.stdout, 1) || `exit code ${probe.code}`}`);
    } else {
      verdict.uid = answers.uid;
      const userLine = lines.last('USER');
      if (answers.uid === 0) report('ECS602', `the container runs as root${config.user ? ` (USER ${config.user})` : ''}`, userLine ?? lines.last('FROM'));
      writes.forEach((w, i) => {
        const a = answers.writes[i];
        verdict.writes.push({ path: w.path, why: w.why, writable: a?.ok ?? null, ...(a?.owner ? { owner: a.owner } : {}) });
        if (a?.ok === false)
          report('ECS603', `${w.path} is not writable by ${answers.userName ?? verdict.user} (uid ${answers.uid}): ${a.at === w.path ? w.path : `its nearest existing directory ${a.at}`} is owned by ${a.owner}; the process writes it (${w.why}${w.file ? `, ${w.file}:${w.line}` : ''})`, userLine);
      });
      const startLine = lines.last('CMD', 'ENTRYPOINT');
      request.programs.forEach((p, i) => {
        if (answers.programs[i]?.ok !== false) return;
        const inHealth = !commands.some((c) => c.program === p);
        if (inHealth) report('ECS606', `the HEALTHCHECK runs "${p}", which is not in the image`, lines.last('HEALTHCHECK'));
        else report('ECS604', `the start command runs "${p}", which is not on the PATH of ${verdict.user}`, startLine);
      });
      request.entries.forEach((e, i) => {
        if (answers.entries[i]?.ok === false) report('ECS605', `the start command loads ${describeEntry(e)}, which is not in ${config.workingDir} (or not readable by ${verdict.user})`, startLine);
      });
      if (answers.shellSyntax[0]?.ok === false) report('ECS606', 'the HEALTHCHECK shell line does not parse', lines.last('HEALTHCHECK'));
      if (health && READS_PORT.test(health.text) && !('PORT' in config.env) && !('PORT' in env))
        report('ECS606', 'the HEALTHCHECK reads PORT, but neither the image nor compose sets PORT', lines.last('HEALTHCHECK'));
      request.packages.forEach((p, i) => {
        const a = answers.packages[i];
        if (a?.ok === false) report('ECS607', `${p} does not resolve from ${request.resolveFrom} as ${verdict.user}${a.detail ? ` (${a.detail})` : ''}`, lines.last('FROM'));
      });
    }

    // The probe ran through the image's sh; a process not run as root gets stdio it can reopen.
    const ownStdio = probe.stdout.includes('ECSFIX id') && answers.uid !== null && answers.uid !== 0;
    if (argv.length === 0) report('ECS615', 'the image has no CMD or ENTRYPOINT', lines.last('FROM'));
    else await smokeStart(sandbox, argv, config, target, options, verdict, report, lines, health?.argv ?? null, ownStdio);
  } catch (error) {
    report('ECS613', `the engine failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await sandbox?.dispose().catch(() => undefined);
    if (options.keep) verdict.image = tag;
    else await engine.removeImage(tag).catch(() => undefined);
  }
  return verdict;
}

async function smokeStart(
  sandbox: Sandbox,
  argv: string[],
  config: ImageConfig,
  target: Target,
  options: VerifyOptions,
  verdict: ServiceVerdict,
  report: (code: string, message: string, line?: number, severity?: Severity) => void,
  lines: DockerfileLines,
  healthArgv: string[] | null,
  ownStdio: boolean,
) {
  const seconds = options.startSeconds ?? 5;
  const { file, variables } = target.fromExample;
  const example = variables.length > 0 ? ` (${variables.join(', ')} from ${file})` : '';
  options.onProgress?.(`${target.service.name}: starting as ${verdict.user} for ${seconds} s${example}`);
  const proc = sandbox.start(argv, { user: config.user, env: target.environment, ownStdio });
  const deadline = Date.now() + seconds * 1000;
  while (!proc.done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (proc.done()) {
    const result = await proc.exited;
    const output = proc.output();
    verdict.log = tail(output);
    const diagnosis = diagnoseStart(output);
    verdict.start = { outcome: 'exited', code: result.code, failure: result.code === 0 ? null : diagnosis.failure, line: diagnosis.line };
    if (result.code === 0) {
      report('ECS611', `the process exited with code 0 within ${seconds} s (a one-shot job?)`, lines.last('CMD', 'ENTRYPOINT'), 'info');
      return;
    }
    const said = diagnosis.line ? `: ${diagnosis.line}` : '';
    const path = diagnosis.path === null ? null : posix.resolve(config.workingDir, diagnosis.path);
    if (diagnosis.failure === 'permission')
      report('ECS608', `started as ${verdict.user}, the process died of a permission error${path ? ` on ${path}` : ''}${said}`, lines.last('USER') ?? lines.last('CMD', 'ENTRYPOINT'));
    else if (diagnosis.failure === 'missing') report('ECS609', `the process died at start, something is missing${said}`, lines.last('CMD', 'ENTRYPOINT'));
    else if (diagnosis.failure === 'outside') report('ECS610', `the process exited (code ${result.code}) because it cannot reach something outside the image${said}`, lines.last('CMD', 'ENTRYPOINT'));
    else if (blamesEmptyVariable(output, diagnosis.line, target.emptyFromUnset))
      report('ECS610', `the process exited (code ${result.code}) on ${describeEmpty(target)}${said}`, lines.last('CMD', 'ENTRYPOINT'));
    else {
      const empty = Object.keys(target.emptyFromUnset).length > 0 ? ` (${describeEmpty(target)})` : '';
      report('ECS611', `the process exited with code ${result.code} within ${seconds} s${empty}${said}`, lines.last('CMD', 'ENTRYPOINT'));
    }
    return;
  }
  verdict.start = { outcome: 'running', code: null, failure: null, line: null };
  const permission = reportsPermissionError(proc.output());
  if (permission) report('ECS614', `the process runs but reported a permission error: ${permission}`, lines.last('USER'));
  if (healthArgv) {
    const runHealthcheck = () => sandbox.exec(healthArgv, { user: config.user, env: target.environment, timeoutMs: 15_000 });
    const hc = await runHealthcheck();
    const output = tail(hc.stdout + '\n' + hc.stderr, 3);
    verdict.healthcheck = { ok: hc.code === 0, output };
    // A 4xx answer is the server's verdict on the probe's path, not a slow start: asked again, it
    // gives the same answer, and the container is never healthy.
    const status = hc.code !== 0 ? healthcheckClientError(hc.stdout + '\n' + hc.stderr) : null;
    const again = status !== null ? await runHealthcheck() : null;
    if (status !== null && again && again.code !== 0 && healthcheckClientError(again.stdout + '\n' + again.stderr) === status)
      report('ECS616', `the HEALTHCHECK is answered with HTTP ${status} while the process runs (twice): the server does not serve what it probes`, lines.last('HEALTHCHECK'));
    else if (hc.code !== 0)
      report('ECS612', `the HEALTHCHECK failed while the process ran (exit ${hc.timedOut ? 'timeout' : hc.code})${output ? `: ${output.split('\n').pop()}` : ''}`, lines.last('HEALTHCHECK'));
  }
  await proc.stop();
}

/** `DATABASE_URL empty (compose takes it from BILLING_DATABASE_URL, unset here and in .env.example)`. */
function describeEmpty(target: Target): string {
  const entries = Object.entries(target.emptyFromUnset).map(([key, from]) => (from.length === 1 && from[0] === key ? `${key} unset` : `${key} empty (compose takes it from ${from.join(', ')})`));
  return `${entries.join(', ')}: unset here and without a value in ${target.fromExample.file ?? 'an env example file'}, a cause outside the image`;
}

async function pool<T, R>(items: T[], size: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
  return results;
}

let images = 0;
const tagFor = (service: string) => `localhost/ecsfix-verify-${service.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}:${process.pid}-${++images}`;

/** Builds and checks the selected images. `plan` holds ecsfix's pending changes (null = none). */
export async function verifyRepo(repo: RepoModel, plan: Plan | null, options: VerifyOptions): Promise<VerifyResult> {
  const { targets, selection } = selectTargets(repo, plan, options);
  const changed = pendingFiles(plan, options);
  const parallel = options.parallel ?? availableParallelism();
  const services = await pool(targets, parallel, (t) => verifyTarget(t, repo, changed, options, tagFor(t.service.name)));
  return { engine: options.engine.name, selection, services, findings: services.flatMap((s) => s.findings) };
}
