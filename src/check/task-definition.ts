/**
 * The ECS side of a service, matching the repo as the transforms leave it: a task definition that
 * `aws ecs register-task-definition --cli-input-json` accepts once the placeholders (`<account-id>`,
 * `<region>`, `<image-tag>`, role names, secret ARNs) are filled in, and, for a service behind the
 * ALB, the target group (`aws elbv2 create-target-group --cli-input-json`) with its health check.
 * ECS ignores an image's HEALTHCHECK, so the container `healthCheck` is declared here, as a command
 * the image can run (node, python, wget, curl: whichever it has), with the Dockerfile's timings.
 */
import { detachments } from './readiness/detached-start.js';
import { posix } from 'node:path';
import { isLiveCredential, isSecretName } from '../secretNames.js';
import { generateProbe } from '../dockerfile/probe.js';
import { effectiveInstructions, type DockerStage, type ParsedDockerfile } from '../repo/dockerfile.js';
import type { ImageVariable } from '../repo/startVariables.js';
import { FIXED_PORT_CMD, fixedListenPorts, otherPortVariable, portReadUnestablished, probeTarget } from '../repo/portReads.js';
import type { ProbeTool } from '../repo/baseImage.js';
import type { Service } from '../repo/model.js';
import { deployedProcess, variableSetAt, type ComposeEnvFile, type ComposeService } from '../repo/compose.js';
import { envFileEntries } from '../repo/envFiles.js';
import { isLivenessRoute } from '../repo/sourceScan.js';
import { dependencyPhrase } from '../repo/healthFactories.js';
import { uwsgiSocketReason } from '../repo/uwsgiConfig.js';
import { standaloneBindsHostname } from '../repo/nextRoutes.js';
import { sourceFacts } from '../source/index.js';
import { lastInForce, serviceImage, type CheckContext } from './context.js';
import { shutdownFacts } from './shutdown.js';
import { composeHostsIn, composeHostsInArgs, emulatorHostsIn, mailCatcherHostsIn } from './readiness/compose-only-hostname.js';
import { UNPRIVILEGED_NGINX_PORT } from '../nginx/config.js';
import { nginxImageConfig } from '../nginx/image.js';
import { filledDirs, nginxHealthPath, type NginxProbe } from '../nginx/health.js';
import { copyArguments } from '../dockerfile/copy.js';
import { sharedVolumeNotes } from './readiness/compose-shared-volume.js';
import { oneOffNotes } from './readiness/one-off-service.js';
import { oneOffCommand } from './readiness/migrate-on-start.js';

export interface ContainerHealthCheck {
  command: string[];
  interval: number;
  timeout: number;
  retries: number;
  startPeriod?: number;
}

export interface TaskDefinition {
  family: string;
  networkMode: 'awsvpc';
  requiresCompatibilities: ['FARGATE'];
  cpu: string;
  memory: string;
  executionRoleArn: string;
  taskRoleArn: string;
  containerDefinitions: ContainerDefinition[];
}

export interface ContainerDefinition {
  name: string;
  image: string;
  essential: true;
  portMappings: { containerPort: number; protocol: 'tcp' }[];
  /** Compose's `entrypoint`/`command` for this service: ECS otherwise runs the image's ENTRYPOINT and CMD. */
  entryPoint?: string[];
  command?: string[];
  /** Compose's `working_dir`: ECS otherwise runs the process in the image's WORKDIR (and its relative writes land elsewhere). */
  workingDirectory?: string;
  healthCheck?: ContainerHealthCheck;
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
  stopTimeout?: number;
  logConfiguration: { logDriver: 'awslogs'; options: Record<string, string> };
}

export interface TargetGroup {
  Name: string;
  Protocol: 'HTTP';
  Port: number;
  VpcId: string;
  TargetType: 'ip';
  HealthCheckEnabled: true;
  HealthCheckProtocol: 'HTTP';
  HealthCheckPath: string;
  /** `traffic-port`, or the port of a second server that serves the health route (ECS183). */
  HealthCheckPort: string;
  HealthCheckIntervalSeconds: number;
  HealthCheckTimeoutSeconds: number;
  HealthyThresholdCount: number;
  UnhealthyThresholdCount: number;
  Matcher: { HttpCode: string };
}

export interface EcsService {
  service: string;
  /** The compose file that defines the service, when one does (two projects may both name a service `web`). */
  composeFile?: string;
  role: Service['role'];
  taskDefinition: TaskDefinition;
  targetGroup: TargetGroup | null;
  /** What the fragment could not establish, for a human to settle. */
  notes: string[];
}

/**
 * Variables whose value is a credential go to Secrets Manager / Parameter Store, never a plain value:
 * a secret's name as compose-secret-defaults decides it ({@link isSecretName}), a live-credential value,
 * or a datastore connection string, which usually carries its password.
 */
const CONNECTION_STRING_NAME = /(?:^|_)(?:MONGO|MONGODB|DATABASE|POSTGRES|PG|DB|REDIS|AMQP|RABBITMQ)_(?:URI|URL)$/;
const CREDENTIAL_URL = /\w+:\/\/[^\s:@/]*:[^\s@/]+@/;
const PY_ENV_READ = /os\.environ(?:\.get)?\(\s*['"]([A-Z_][A-Z0-9_]*)['"]|os\.environ\[['"]([A-Z_][A-Z0-9_]*)['"]\]|os\.getenv\(\s*['"]([A-Z_][A-Z0-9_]*)['"]/g;
/**
 * What the ECS agent and Fargate set in every container: the task metadata endpoints, the task role's
 * credentials endpoint and token, the execution environment, the region. The task definition never
 * lists them to fill in: a value there would replace the real one (service-url-defaults' start-up
 * guard and the AWS SDKs read them).
 */
const AGENT_INJECTED: ReadonlySet<string> = new Set([
  'ECS_CONTAINER_METADATA_URI',
  'ECS_CONTAINER_METADATA_URI_V4',
  'ECS_AGENT_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_EXECUTION_ENV',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
]);
/**
 * What points the AWS SDK away from the task role and AWS itself: static keys and a session token
 * (every SDK's default chain takes them before the task role's container credentials), a profile
 * (a credentials file the task does not have) and endpoint overrides (a local emulator). Compose sets
 * them for LocalStack; the task definition leaves them out, the task role signs the calls.
 */
const TASK_ROLE_OVERRIDE = /^AWS_(?:ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|ENDPOINT_URL(?:_[A-Z0-9_]+)?)$/;
const PROBE_ORDER: Record<string, ProbeTool[]> = { python: ['python', 'wget', 'curl', 'node'], default: ['node', 'wget', 'curl', 'python'] };

export function ecsServices(ctx: CheckContext): EcsService[] {
  return ctx.repo.services.filter((s) => s.dockerfile).map((s) => ecsService(ctx, s));
}

/**
 * The container port as the transforms leave it: dockerfile-nginx-non-root, while pending, moves a
 * port only root can bind to 8080 in the config, EXPOSE and compose, so the task definition and the
 * target group say 8080 too.
 */
function servedPort(ctx: CheckContext, service: Service): number | null {
  const port = service.port;
  if (port !== null && port < 1024 && service.dockerfile && ctx.pending('dockerfile-nginx-non-root', service.dockerfile)) return UNPRIVILEGED_NGINX_PORT;
  return port;
}

/** The path the ALB target group and the container healthCheck probe for a service, null when ecsfix gives it none. */
export function albHealthPath(ctx: CheckContext, service: Service): string | null {
  if (!service.dockerfile || !servesTraffic(service) || servedPort(ctx, service) === null) return null;
  return healthPath(ctx, service, serviceImage(ctx.repo, service));
}

/**
 * An HTTP or frontend service that serves traffic on ECS: not a one-off job (a run-task that runs to
 * completion has no port mapping, no container healthCheck and no ALB target group, whatever its image serves).
 */
function servesTraffic(service: Service): boolean {
  // A one-off job (waited on to complete, or a compose command that only migrates) serves nothing.
  return (service.role === 'http' || service.role === 'frontend') && !service.runsToCompletion && !oneOffCommand(service);
}

/** Web servers that take their port from their config, never from an env variable. */
const FIXED_PORT_SERVERS: readonly string[] = ['nginx', 'httpd', 'caddy'];

function ecsService(ctx: CheckContext, service: Service): EcsService {
  const notes: string[] = [];
  const image = serviceImage(ctx.repo, service);
  const composed = composeProcess(service, image?.stage, new Set(ctx.repo.compose.services.map((s) => s.name)));
  const served = servesTraffic(service);
  const port = served ? servedPort(ctx, service) : null;
  notes.push(...disputeNotes(service, port), ...composed.notes);
  if (served && port === null) notes.push('no port established: set portMappings by hand');
  const { environment, secrets, notes: variableNotes } = variables(ctx, service, port);
  notes.push(...variableNotes, ...sharedVolumeNotes(service), ...oneOffNotes(service));
  for (const d of detachments(ctx, service))
    notes.push(`${d.said} (${d.file}:${d.line}) runs ${d.how}, which puts the server in the background: ${d.kind === 'exits' ? 'the container exits at start' : 'an ECS stop never reaches it'} (ECS422); ${d.fix}`);
  const container: ContainerDefinition = {
    name: service.name,
    image: `<account-id>.dkr.ecr.<region>.amazonaws.com/${service.name}:<image-tag>`,
    essential: true,
    portMappings: port === null ? [] : [{ containerPort: port, protocol: 'tcp' }],
    ...composed.args,
    environment,
    secrets,
    logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': `/ecs/${service.name}`, 'awslogs-region': '<region>', 'awslogs-stream-prefix': service.name } },
  };
  const path = healthPath(ctx, service, image);
  const replaced = service.serverReplacedBy;
  if (!served && replaced) notes.push(`compose runs \`${replaced.command}\` (${replaced.file}:${replaced.line}) in place of the image's server (\`${replaced.server}\`), and it starts no server: no port mapping, no healthCheck and no ALB target group`);
  let targetGroup: TargetGroup | null = null;
  if (served && port !== null) {
    if (path === null) notes.push(noHealthPathNote(ctx, service, image));
    else {
      const timing = image ? healthTiming(image.parsed, image.stage) : DEFAULT_TIMING;
      const side = service.healthRoute?.sidePort;
      if (side)
        notes.push(`${path} is served by a second server on port ${side.port} (${side.file}:${side.line}), not on ${port}: the healthCheck and the target group probe port ${side.port}; the tasks' security group must let the ALB reach it`);
      const unreachable = image ? standaloneBindsHostname(effectiveInstructions(image.parsed, image.stage)) : null;
      const command = image && !unreachable ? probeCommand(service, image.stage, imageProbeTarget(service, image, port, composed.args), path) : null;
      if (command) container.healthCheck = { command, ...timing };
      else if (unreachable) notes.push(`the Next.js standalone server listens on $HOSTNAME, not localhost: no container healthCheck until the image sets ENV HOSTNAME=0.0.0.0 (${service.dockerfile}:${unreachable.line})`);
      else notes.push('the image has no tool to probe with (node, python, wget, curl): no container healthCheck');
      targetGroup = targetGroupOf(service, port, path, timing);
    }
  }
  // celery's worker finishes its running tasks on SIGTERM (warm shutdown); beat just exits.
  const shutdown = service.workerProcess ? { handled: true, timerMs: null } : shutdownFacts(ctx, service);
  // ECS kills the task stopTimeout seconds after SIGTERM (30 s by default on Fargate, at most 120):
  // a worker gets it spelled out, and any service whose shutdown timer needs longer gets that.
  const needed = shutdown.timerMs === null ? 0 : Math.ceil(shutdown.timerMs / 1000) + 5;
  // A queue consumer with a health/metrics side server is a worker for its shutdown.
  const consumer = service.role === 'worker' || service.sideServer !== undefined;
  if (shutdown.handled && (consumer || needed > 30)) container.stopTimeout = Math.min(120, Math.max(30, needed));
  if (shutdown.handled && needed > 120) notes.push(`the SIGTERM handler waits up to ${Math.ceil((shutdown.timerMs ?? 0) / 1000)} s, longer than ECS allows (120 s): shorten it`);
  if (!shutdown.handled && consumer)
    notes.push('no SIGTERM handler found: ECS stops the task with SIGKILL after stopTimeout; add a graceful shutdown (worker-graceful-shutdown)');
  return {
    service: service.name,
    ...(service.compose ? { composeFile: service.compose.file } : {}),
    role: service.role,
    taskDefinition: {
      family: service.name,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      executionRoleArn: 'arn:aws:iam::<account-id>:role/<execution-role>',
      taskRoleArn: 'arn:aws:iam::<account-id>:role/<task-role>',
      containerDefinitions: [container],
    },
    targetGroup,
    notes,
  };
}

/** The ALB target group: the health path on the traffic port, or on the port of the second server that serves it. */
function targetGroupOf(service: Service, port: number, path: string, timing: Omit<ContainerHealthCheck, 'command'>): TargetGroup {
  const side = service.healthRoute?.sidePort;
  return {
    Name: service.name.slice(0, 32),
    Protocol: 'HTTP',
    Port: port,
    VpcId: '<vpc-id>',
    TargetType: 'ip',
    HealthCheckEnabled: true,
    HealthCheckProtocol: 'HTTP',
    HealthCheckPath: path,
    HealthCheckPort: side ? String(side.port) : 'traffic-port',
    HealthCheckIntervalSeconds: Math.max(5, Math.min(300, timing.interval)),
    HealthCheckTimeoutSeconds: Math.max(2, Math.min(120, timing.timeout)),
    HealthyThresholdCount: 2,
    UnhealthyThresholdCount: Math.max(2, Math.min(10, timing.retries)),
    Matcher: { HttpCode: '200' },
  };
}

/** Flags of a development server (code reload, debugger) that compose adds to the image's own command. */
const DEV_FLAGS = new Set(['--reload', '--debug']);

/** The `entryPoint`/`command` compose gives the service, when they differ from the image's ENTRYPOINT/CMD (a shared image run as web, worker and beat). */
function composeProcess(service: Service, stage: DockerStage | undefined, composeNames: ReadonlySet<string>): { args: Pick<ContainerDefinition, 'entryPoint' | 'command' | 'workingDirectory'>; notes: string[] } {
  const compose = deployedProcess(service.compose);
  const image = (keyword: string) => {
    const args = stage?.instructions.filter((i) => i.keyword === keyword).at(-1)?.args.trim() ?? '';
    try {
      return args.startsWith('[') ? (JSON.parse(args) as unknown[]).map(String).join(' ') : args;
    } catch {
      return args;
    }
  };
  const differs = (args: string[] | undefined, keyword: string) => args !== undefined && args.join(' ') !== image(keyword);
  // A compose entrypoint drops the image's CMD, so the command goes along even when it is the same text.
  const entryPoint = differs(compose?.entrypointArgs, 'ENTRYPOINT') ? compose?.entrypointArgs : undefined;
  let command = compose?.commandArgs && (entryPoint || differs(compose.commandArgs, 'CMD')) ? compose.commandArgs : undefined;
  const notes: string[] = [];
  const devLayer = devLayerNote(service.compose);
  if (devLayer) notes.push(devLayer);
  // The image's CMD plus a development flag (`--reload` next to a source bind mount) is the image's process: ECS runs the CMD.
  const devFlags = command?.filter((a) => DEV_FLAGS.has(a)) ?? [];
  if (!entryPoint && devFlags.length && !differs(command?.filter((a) => !DEV_FLAGS.has(a)), 'CMD')) {
    notes.push(`compose runs the image CMD with ${devFlags.join(' ')} (${compose?.file}), a development flag: the task definition runs the image CMD`);
    command = undefined;
  }
  const hosts = composeHostsInArgs([...(entryPoint ?? []), ...(command ?? [])], composeNames, service.name);
  if (hosts.length) notes.push(`the ${entryPoint ? 'entryPoint/command' : 'command'} (${compose?.file}:${compose?.line}) names ${hosts.join(', ')}, a compose service name ECS cannot resolve: replace it with the deployed address before registering the task definition`);
  // The directory the process runs in is where its relative writes land (and what non-root hands to the user).
  const workingDir = compose?.workingDir;
  const workingDirectory = workingDir && workingDir.value.startsWith('/') && !workingDir.value.includes('$') ? workingDir.value : undefined;
  if (workingDir && !workingDirectory) notes.push(`compose sets working_dir: ${workingDir.value} (${workingDir.file}:${workingDir.line}), which is not an absolute path ecsfix can carry over: set workingDirectory by hand`);
  return { args: { ...(entryPoint ? { entryPoint } : {}), ...(command ? { command } : {}), ...(workingDirectory ? { workingDirectory } : {}) }, notes };
}

/** Two compose projects define the service differently (ECS218) or give it different ports (ECS150): the fragment follows the first project and says so. */
function disputeNotes(service: Service, port: number | null): string[] {
  const notes = service.definitionDispute ? [service.definitionDispute.message] : [];
  if (port !== null && service.portDispute) notes.push(`${service.portDispute}: containerPort ${port} is the first project's, not established as the deployed one`);
  return notes;
}

/** What the local-development layer sets differently from the files a deployment uses, which the task definition leaves out. */
function devLayerNote(compose: ComposeService | null): string | null {
  const deployed = compose?.deployed;
  if (!compose || !deployed) return null;
  const names = Object.keys(compose.environment).filter((name) => deployed.environment[name] !== compose.environment[name]);
  if (compose.command !== deployed.command) names.push('command');
  if (compose.entrypoint !== deployed.entrypoint) names.push('entrypoint');
  if (compose.workingDir?.value !== deployed.workingDir?.value) names.push('working_dir');
  if (deployed.devTarget) names.push(`build target "${deployed.devTarget}"`);
  if (names.length === 0) return null;
  return `${deployed.devLayer} is the local-development layer: the task definition does not take its ${names.join(', ')}, it keeps ${compose.file}'s (or the image's)`;
}

/** Why a served service gets no healthCheck and no target group. */
function noHealthPathNote(ctx: CheckContext, service: Service, image: { parsed: ParsedDockerfile; stage: DockerStage } | null): string {
  const nginx = service.role === 'frontend' && image ? nginxProbe(ctx, service, image) : null;
  if (nginx && 'reason' in nginx)
    return `no path of its nginx config is established to answer 200 (${nginx.reason}): no healthCheck and no ALB target group; add a \`location = /healthz { return 200; }\` and run check again, or set both by hand`;
  const replaced = service.serverReplacedBy;
  if (replaced)
    return `compose runs \`${replaced.command}\` (${replaced.file}:${replaced.line}) in place of the image's server (\`${replaced.server}\`): that server's health route and port are not this process's, so no healthCheck and no ALB target group; set both by hand on a route this process serves`;
  const uwsgi = uwsgiSocketReason(service);
  if (uwsgi) return `${uwsgi}: no healthCheck and no ALB target group`;
  const rpc = service.rpcServer;
  if (rpc) return `its server is a NestJS ${rpc.transport} microservice (${rpc.file}:${rpc.line}), not HTTP: no healthCheck and no ALB target group; other services reach it through ECS Service Connect or an NLB`;
  const blocked = service.blockedHealthRoutes?.[0];
  if (blocked?.notProbed) return `${blocked.notProbed.reason} (${blocked.notProbed.code}): a 200 from a probe of ${blocked.path} is not established, so no healthCheck and no ALB target group; set both by hand on a route and port that answer 200`;
  const readiness = service.readinessRoutes?.[0];
  if (readiness) return `its health route ${readiness.path} (${readiness.file}:${readiness.line}) ${dependencyPhrase(readiness)}: a container healthCheck on it would mark every task unhealthy at once when that dependency blips; the ALB target group gets no path on it either (the ALB keeps routing when every target fails, but ECS still replaces the tasks the target group reports unhealthy); add a shallow liveness route (GET /health/live answering 200 without touching dependencies) for both`;
  const unresolved = service.unresolvedHealthRoutes?.[0];
  if (unresolved?.unresolvedMount)
    return `its health route ${unresolved.path} (${unresolved.file}:${unresolved.line}) is served under a prefix ecsfix cannot establish (${unresolved.unresolvedMount.reason}): no healthCheck or target group; set both by hand on the full path`;
  return 'no health route ecsfix can read in the code: set the healthCheck and the target group path by hand on its liveness route (add one if it has none) before putting it behind the ALB';
}

function healthPath(ctx: CheckContext, service: Service, image: { parsed: ParsedDockerfile; stage: DockerStage } | null): string | null {
  // uWSGI's `socket` answers the uwsgi protocol only: no HTTP path is probed there.
  if (service.uwsgiSocket) return null;
  const route = service.healthRoute?.path;
  if (route && isLivenessRoute(route)) return route;
  if (route) return '/health';
  if (service.role !== 'frontend') return null;
  // A web server image whose own HEALTHCHECK probes a dedicated route (nginx `location = /healthz`)
  // is probed there, not on the SPA index.
  const own = image && imageProbePath(image.parsed, image.stage);
  if (own) return own;
  // nginx: a path its config answers 200 on, or none.
  const nginx = image ? nginxProbe(ctx, service, image) : null;
  if (nginx) return 'path' in nginx ? nginx.path : null;
  return '/';
}

/**
 * Why an nginx frontend gets no target group health path (no path of its config is established to
 * answer 200, and its own HEALTHCHECK names none), with the line to name; null when it gets one or
 * is not an nginx frontend ecsfix gives a port.
 */
export function nginxNoHealthPath(ctx: CheckContext, service: Service): { reason: string; line: number } | null {
  const image = serviceImage(ctx.repo, service);
  if (!image || service.role !== 'frontend' || !servesTraffic(service) || servedPort(ctx, service) === null || albHealthPath(ctx, service) !== null) return null;
  const probe = nginxProbe(ctx, service, image);
  return probe && 'reason' in probe ? { reason: probe.reason, line: image.stage.from.line } : null;
}

/** For an nginx image, the path its config answers 200 on or why there is none; null for another web server. */
function nginxProbe(ctx: CheckContext, service: Service, image: { parsed: ParsedDockerfile; stage: DockerStage }): NginxProbe | null {
  if (image.stage.base.family !== 'nginx' || service.port === null) return null;
  const config = nginxImageConfig(image.parsed, image.stage, service.buildContext, { ...ctx.repo, dockerfile: service.dockerfile }, ctx.read, service.compose?.environment ?? {}, { stockDefault: true });
  if ('kind' in config) return { reason: `the config the image starts with is not established: ${config.message}${config.line ? ` (${config.file ?? service.dockerfile}:${config.line})` : ''}` };
  const copied = effectiveInstructions(image.parsed, image.stage)
    .filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')
    .map((i) => copyArguments(image.parsed, i)?.dest.value ?? '')
    .filter((d) => d.startsWith('/'));
  return nginxHealthPath(config, service.port, filledDirs(copied));
}

/** The path the image's HEALTHCHECK in force requests on localhost (`wget -q --spider http://localhost/healthz`). */
function imageProbePath(parsed: ParsedDockerfile, stage: DockerStage): string | null {
  const hc = lastInForce(parsed, stage, 'HEALTHCHECK');
  const url = hc ? /https?:\/\/(?:localhost|127\.0\.0\.1)(?::[^/\s"']*)?(\/[^\s"'?#]*)/.exec(parsed.text.slice(hc.start, hc.end)) : null;
  const path = url?.[1];
  return path && path !== '/' && isLivenessRoute(path) ? path : null;
}

/** The port and variable to probe; nginx, httpd and caddy take their port from their config, never from PORT. */
function imageProbeTarget(service: Service, image: { parsed: ParsedDockerfile; stage: DockerStage }, port: number, process: Pick<ContainerDefinition, 'entryPoint' | 'command'>): { port: number; variable: string | null } {
  if (FIXED_PORT_SERVERS.includes(image.stage.base.family)) return { port, variable: null };
  // A health route of a second server (management, metrics) on its literal port.
  const side = service.healthRoute?.sidePort;
  if (side) return { port: side.port, variable: null };
  // The server started by compose's command on a literal port (`uvicorn app:app --port 8002`) listens there, not on the image CMD's.
  const composed = [...(process.entryPoint ?? []), ...(process.command ?? [])].join(' ');
  const fixed = /\$\{?PORT\b/.test(composed) ? undefined : FIXED_PORT_CMD.exec(composed)?.[1];
  if (fixed) return { port: Number(fixed), variable: null };
  return probeTarget(service, image.stage, effectiveInstructions(image.parsed, image.stage), port);
}

/** The timings dockerfile-healthcheck-env writes into a new HEALTHCHECK (start period included). */
const DEFAULT_TIMING = { interval: 30, timeout: 5, retries: 3, startPeriod: 30 };

function seconds(value: string | undefined): number | null {
  const m = value ? /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value) : null;
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(unit === 'ms' ? n / 1000 : unit === 'm' ? n * 60 : unit === 'h' ? n * 3600 : n);
}

/** interval/timeout/retries/startPeriod from the HEALTHCHECK in force, within the ranges ECS accepts. */
function healthTiming(parsed: Parameters<typeof lastInForce>[0], stage: Parameters<typeof lastInForce>[1]): Omit<ContainerHealthCheck, 'command'> {
  const hc = lastInForce(parsed, stage, 'HEALTHCHECK');
  const body = hc ? parsed.text.slice(hc.start, hc.end) : '';
  const flag = (name: string) => new RegExp(`--${name}=(\\S+)`).exec(body)?.[1];
  const clamp = (v: number | null, lo: number, hi: number, fallback: number) => Math.max(lo, Math.min(hi, v ?? fallback));
  // No HEALTHCHECK yet: the one dockerfile-healthcheck-env adds has a 30 s start period.
  const startPeriod = hc ? seconds(flag('start-period')) : DEFAULT_TIMING.startPeriod;
  return {
    interval: clamp(seconds(flag('interval')), 5, 300, DEFAULT_TIMING.interval),
    timeout: clamp(seconds(flag('timeout')), 2, 60, DEFAULT_TIMING.timeout),
    retries: clamp(Number(flag('retries')) || null, 1, 10, DEFAULT_TIMING.retries),
    ...(startPeriod !== null ? { startPeriod: Math.max(0, Math.min(300, startPeriod)) } : {}),
  };
}

/**
 * The probe as an ECS command: exec form `["CMD", ...]`, shell form `["CMD-SHELL", "..."]`. It hits
 * the port the image's HEALTHCHECK does: the variable the server reads, or its fixed port.
 */
function probeCommand(service: Service, stage: Parameters<typeof generateProbe>[1], target: { port: number; variable: string | null }, path: string): string[] | null {
  const order = PROBE_ORDER[service.language] ?? PROBE_ORDER.default ?? [];
  for (const tool of order) {
    if (!stage.tools.includes(tool)) continue;
    const probe = generateProbe(tool, stage, target.port, path, target.variable);
    if (!probe) continue;
    return probe.startsWith('[') ? ['CMD', ...(JSON.parse(probe) as string[])] : ['CMD-SHELL', probe];
  }
  return null;
}

/** Environment names from compose and the code; secrets by name or by a credential in the value. */
function variables(ctx: CheckContext, service: Service, port: number | null) {
  const values = new Map<string, string | null>();
  const process = deployedProcess(service.compose);
  for (const [name, value] of Object.entries(process?.environment ?? {})) values.set(name, value);
  // A variable only the code reads, with a fallback at every read (`process.env.MAIL_QUEUE || 'mail.send'`): unset, as compose leaves it.
  for (const [name, fallback] of codeEnvReads(ctx, service)) if (!values.has(name) && !fallback) values.set(name, null);
  const image = serviceImage(ctx.repo, service);
  // The port goes in the variable the server reads (SERVICE_PORT, an address in SERVER_ADDRESS); none
  // for a server on a fixed port or one whose reading of PORT is not established.
  const portVariable = port !== null && image ? portSetting(service, image, port) : port !== null ? { name: 'PORT', value: String(port) } : null;
  if (portVariable) values.set(portVariable.name, portVariable.value);
  const composeNames = new Set(ctx.repo.compose.services.map((s) => s.name));
  const dotenv = projectDotenv(ctx, service.compose);
  const known = (value: string | null) => (value === null ? null : interpolated(value, dotenv));
  const standIns = standInsOf(values, known, port);
  const environment: { name: string; value: string }[] = [];
  const secrets: { name: string; valueFrom: string }[] = [];
  const notes: string[] = unreadEnvFiles(process?.envFiles ?? []);
  const overrides: string[] = [];
  for (const [name, value] of [...values].sort((a, b) => a[0].localeCompare(b[0]))) {
    const at = process && variableSetAt(process, name);
    const where = at ? `${at.file}:${at.line}` : service.compose?.file;
    if (AGENT_INJECTED.has(name)) {
      if (value !== null) notes.push(`compose sets ${name} (${where}); ECS sets ${name} in every task, so the task definition leaves it out: add it by hand only if the service needs a value other than the one ECS gives`);
      continue;
    }
    if (TASK_ROLE_OVERRIDE.test(name)) {
      overrides.push(name);
      continue;
    }
    if (isSecretName(name) || CONNECTION_STRING_NAME.test(name) || (value && (CREDENTIAL_URL.test(value) || isLiveCredential(value)))) {
      secrets.push({ name, valueFrom: `arn:aws:secretsmanager:<region>:<account-id>:secret:${service.name}/${name}` });
      continue;
    }
    const fromImage = service.imageEnv.get(name);
    if (fromImage && name !== portVariable?.name && value === null) {
      if (fromImage.value !== null) continue; // the image's ENV already sets it
      notes.push(unsettledImageValue(service, name, fromImage));
    }
    const standIn = standIns.get(name);
    if (standIn) notes.push(`${name} ${standIn.port ? `(${where}) is the port of ${standIn.port}` : `points at ${standIn.hosts.join(', ')} (${where})`}, ${standIn.what}: the task definition has <${name}>, to fill in with ${standIn.port ? `the port of ${standIn.fill}` : standIn.fill}`);
    environment.push({ name, value: (standIn ? null : plainValue(name, known(value), composeNames)) ?? `<${name}>` });
  }
  if (overrides.length) notes.push(taskRoleNote(overrides, values, service.compose?.file));
  return { environment, secrets, notes };
}

/** The variables the service's code reads, each with whether every read has a fallback of its own (`|| 'x'`, Python's `getenv('X', 'x')`). */
function codeEnvReads(ctx: CheckContext, service: Service): Map<string, boolean> {
  const reads = new Map<string, boolean>();
  const add = (name: string | undefined, fallback: boolean) => {
    if (name && /^[A-Z_][A-Z0-9_]*$/.test(name)) reads.set(name, (reads.get(name) ?? true) && fallback);
  };
  for (const path of service.sourceFiles) {
    const text = ctx.read(path);
    if (text === null) continue;
    if (path.endsWith('.py')) for (const m of text.matchAll(PY_ENV_READ)) add(m.slice(1).find(Boolean), /^\s*,/.test(text.slice((m.index ?? 0) + m[0].length)));
    else for (const r of sourceFacts(path, text).envReads) add(r.name, r.fallback === true);
  }
  return reads;
}

/**
 * The variables of a committed `.env` in the directory of the project that defines the service:
 * what compose interpolates `${VAR}` with before the shell's (a gitignored one is the developer's, not the repo's).
 */
function projectDotenv(ctx: CheckContext, compose: ComposeService | null): Map<string, string> {
  const project = compose ? ctx.repo.compose.projects.find((p) => p.services.includes(compose)) : undefined;
  const dir = project ? posix.dirname(project.file) : null;
  const text = dir === null ? null : ctx.read(dir === '.' ? '.env' : `${dir}/.env`);
  return new Map([...envFileEntries(text ?? '')].map(([k, v]) => [k, v.value]));
}

/**
 * A compose value with its interpolations done as compose does without the variable in the shell:
 * `${LOG_LEVEL:-info}` -> `info` (the project's committed .env first), `$$` -> `$`. Null when a
 * variable has neither (`${API_URL}`): the value is not established.
 */
function interpolated(value: string, dotenv: Map<string, string>): string | null {
  let unknown = false;
  const out = value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^${}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced?: string, op?: string, fallback?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare) as string;
    const set = dotenv.get(name);
    if (set !== undefined && !(op === ':-' && set === '')) return set;
    if (op !== undefined) return fallback ?? '';
    unknown = true;
    return whole;
  });
  return unknown || /\$\{/.test(out.replace(/\$\$/g, '')) ? null : out;
}

/**
 * The variables whose value points at a local-development stand-in ({@link localStandIn}), and the
 * `<PREFIX>_PORT` beside a stand-in `<PREFIX>_HOST` (`SMTP_PORT=1025` with `SMTP_HOST=mailhog`): the
 * catcher's port, not the real server's, so it is filled in with the host.
 */
function standInsOf(values: Map<string, string | null>, known: (value: string | null) => string | null, port: number | null): Map<string, StandIn & { port?: string }> {
  const out = new Map<string, StandIn & { port?: string }>();
  for (const [name, value] of values) {
    const resolved = known(value);
    const standIn = resolved === null ? null : localStandIn(name, resolved, port);
    if (standIn) out.set(name, standIn);
  }
  for (const [name, standIn] of [...out]) {
    const prefix = /^(.+)_(?:HOST|HOSTNAME|SERVER|ADDR|ADDRESS)$/.exec(name)?.[1];
    const sibling = prefix && `${prefix}_PORT`;
    if (sibling && values.get(sibling) != null && !out.has(sibling)) out.set(sibling, { ...standIn, port: `${standIn.hosts.join(', ')}, which ${name} points at` });
  }
  return out;
}

/**
 * Why a variable the image's ENV sets is a placeholder: its value expands a variable to which
 * neither the Dockerfile nor compose gives a value at build time (an ARG with no default and no
 * `build.args`), so what the image holds is the build's or the base image's, not the repo's.
 */
function unsettledImageValue(service: Service, name: string, v: ImageVariable): string {
  const why = v.unknown.length ? `expands ${v.unknown.map((n) => `$${n}`).join(', ')}, to which neither the Dockerfile nor compose gives a value at build time` : 'has no value';
  return `the image's ENV ${name} (${service.dockerfile}:${v.line}) ${why}: its value in the image is whatever the build (a --build-arg) or the base image gives, which the repo does not establish; the task definition has <${name}>, to fill in (or leave out when the image already holds the right value)`;
}

/**
 * The env files compose gives the service that the repo does not have (git ignores them, or they do
 * not exist): their variables are the service's under compose, and not in the task definition.
 */
function unreadEnvFiles(envFiles: readonly ComposeEnvFile[]): string[] {
  return envFiles
    .filter((f) => f.variables === null && (f.onDisk || f.ignoredBy || f.required))
    .map((f) => `compose reads ${f.path} as env_file (${f.file}:${f.line}) and the repo does not have it (${f.ignoredBy ? `git ignores it: ${f.ignoredBy}` : 'it does not exist'}): its variables are not in this task definition; add them by hand (credentials under secrets)`);
}

/** The env setting that puts the server on `port`, or null when no variable does (fixed or not established). */
function portSetting(service: Service, image: { parsed: ParsedDockerfile; stage: DockerStage }, port: number): { name: string; value: string } | null {
  // nginx, httpd and caddy take their port from their config, never from an env variable.
  if (FIXED_PORT_SERVERS.includes(image.stage.base.family)) return null;
  // So does uWSGI serving a `socket` (ECS182): PORT would change nothing.
  if (service.uwsgiSocket) return null;
  const inForce = effectiveInstructions(image.parsed, image.stage);
  if (fixedListenPorts(service, inForce).length) return null;
  const other = otherPortVariable(service, inForce);
  if (other) return { name: other.name, value: other.address ? `:${port}` : String(port) };
  return portReadUnestablished(service, image.stage, inForce) ? null : { name: 'PORT', value: String(port) };
}

/** A compose value usable as is: a literal (its interpolations done, {@link interpolated}), without a compose-only host (ECS406 names those). */
function plainValue(name: string, value: string | null, composeNames: Set<string>): string | null {
  if (value === null) return null;
  return composeHostsIn(name, value, composeNames).length ? null : value;
}

interface StandIn {
  hosts: string[];
  what: string;
  fill: string;
}

/** `scheme://[user@]localhost[:port]`: the developer's machine (or, in a container, the container itself). */
const LOOPBACK_URL = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/\s]*@)?(localhost|127\.0\.0\.1|\[::1\]|host\.docker\.internal)(?::(\d+))?(?=[/?#]|$)/i;

/**
 * The local-development stand-in a value points at, which a deployment replaces: a local AWS
 * emulator (LocalStack, MinIO) for the AWS resource, a mail catcher (MailHog, Mailpit) for the SMTP
 * server, a URL on localhost other than the service's own port (`CORS_ORIGIN=http://localhost:8080`,
 * the developer's browser origin; on ECS localhost is the task itself). Null when it points at none.
 */
function localStandIn(name: string, value: string, ownPort: number | null): StandIn | null {
  const emulators = emulatorHostsIn(name, value);
  if (emulators.length) return { hosts: emulators, what: 'a local AWS emulator', fill: 'the AWS resource' };
  const catchers = mailCatcherHostsIn(name, value);
  if (catchers.length) return { hosts: catchers, what: 'a local-development mail catcher', fill: 'the SMTP server (or email service) the deployment sends through' };
  const loopback = LOOPBACK_URL.exec(value);
  if (!loopback) return null;
  const scheme = (loopback[1] as string).toLowerCase();
  const port = loopback[3] ? Number(loopback[3]) : scheme === 'http' || scheme === 'ws' ? 80 : scheme === 'https' || scheme === 'wss' ? 443 : null;
  if (port !== null && port === ownPort && !/docker\.internal/i.test(loopback[2] as string)) return null;
  const host = `${loopback[2]}${loopback[3] ? `:${loopback[3]}` : ''}`;
  return { hosts: [host], what: 'an address of the developer\'s machine (on ECS, localhost is the task itself)', fill: 'the address the deployment uses' };
}

/** Why the task definition leaves out the AWS credentials, profile and endpoint overrides compose sets or the code reads. */
function taskRoleNote(names: string[], values: Map<string, string | null>, composeFile: string | undefined): string {
  const set = names.filter((n) => values.get(n) !== null);
  const read = names.filter((n) => values.get(n) === null);
  const where = [set.length ? `compose sets ${set.join(', ')} (${composeFile})` : '', read.length ? `the code reads ${read.join(', ')}` : ''].filter(Boolean).join('; ');
  return `${where}: the task definition leaves ${names.length > 1 ? 'them' : 'it'} out, use the task role (<task-role>) and grant it what the service calls. On ECS the AWS SDK takes static keys before the task role's credentials (every call would be signed with them), and a profile or endpoint override points it at a credentials file or a local emulator the task does not have`;
}


