/**
 * ECS406 (seed 000 sections 2.3, 9): an environment value of a deployed service that names another
 * compose service as its host (`KAFKA_BROKERS: kafka:9092`, `COURSE_SERVICE_URL:
 * http://course-service:3005`, a bare `REDIS_HOST: redis`). ECS has no such name; the task definition must set the variable.
 */
import type { Finding } from '../../findings/finding.js';
import { deployedProcess, variableSetAt } from '../../repo/compose.js';
import { unfollowedDefinitions } from '../../repo/followedProjects.js';
import { finding, type CheckContext } from '../context.js';

/** host:port, optionally after a scheme and credentials; the host is captured. */
const HOST_PORT = /(?:^|[\s,;=(/@'"])([A-Za-z][\w.-]*):(\d{2,5})\b/g;
/** A variable that holds a bare host name (`REDIS_HOST: redis`, `DB_HOST: db`, `KAFKA_BROKERS: kafka`). */
const HOST_VARIABLE = /(?:^|_)(?:HOST|HOSTNAME|HOSTS|SERVER|SERVERS|ADDR|ADDRESS|BROKER|BROKERS|ENDPOINT)$/;

/**
 * The hosts `value` uses that `accept` takes: in `host:port` (after a scheme and credentials), or as
 * the whole value of a host variable (`DB_HOST: db`, `REDIS_HOSTS: redis-a,redis-b`; no port then).
 */
function hostsIn(key: string, value: string, accept: (host: string, port: string | null) => boolean): string[] {
  const hosts = [...value.matchAll(HOST_PORT)].filter((m) => accept(m[1] ?? '', m[2] ?? '')).map((m) => `${m[1]}:${m[2]}`);
  if (HOST_VARIABLE.test(key))
    for (const bare of value.split(',').map((v) => v.trim().replace(/^['"]|['"]$/g, '')))
      if (accept(bare, null)) hosts.push(bare);
  return [...new Set(hosts)];
}

/** The compose service names `value` uses as a host ({@link hostsIn}), other than `self`. */
export function composeHostsIn(key: string, value: string, composeNames: ReadonlySet<string>, self?: string): string[] {
  return hostsIn(key, value, (host) => composeNames.has(host) && host !== self);
}

/** The compose service names a command's words use as `host:port` (`rq worker --url redis://redis:6379/0`), other than `self`. */
export function composeHostsInArgs(args: readonly string[], composeNames: ReadonlySet<string>, self?: string): string[] {
  return [...new Set(args.flatMap((a) => composeHostsIn('', a, composeNames, self)))];
}

/** Local AWS emulators by host name: LocalStack (and its `*.localhost.localstack.cloud` names), MinIO, DynamoDB Local, ElasticMQ. */
const EMULATOR_HOST = /^(?:localstack|minio|dynamodb-local|dynamodb_local|elasticmq)$|(?:^|\.)localstack\.cloud$/i;
const LOOPBACK = /^(?:localhost|host\.docker\.internal)$/;
/** LocalStack's edge port (and its legacy one), ElasticMQ's: an emulator when served on the developer's machine. */
const EMULATOR_PORTS: ReadonlySet<string> = new Set(['4566', '4571', '9324']);

/** The local AWS emulator hosts `value` points at (`http://localstack:4566/000000000000/jobs`, `http://localhost:4566`, `minio:9000`). */
export function emulatorHostsIn(key: string, value: string): string[] {
  return hostsIn(key, value, (host, port) => EMULATOR_HOST.test(host) || (port !== null && LOOPBACK.test(host) && EMULATOR_PORTS.has(port)));
}

/** The local-development mail catchers by the host names their images and compose files use: MailHog, Mailpit, MailDev, smtp4dev, MailCatcher. */
const MAIL_CATCHER_HOST = /^(?:mailhog|mailpit|maildev|smtp4dev|mailcatcher)$/i;

/**
 * The local mail catcher hosts `value` points at (`SMTP_HOST: mailhog`, `smtp://mailpit:1025`): a
 * development stand-in for the SMTP server a deployment sends through, like the AWS emulators.
 */
export function mailCatcherHostsIn(key: string, value: string): string[] {
  return hostsIn(key, value, (host) => MAIL_CATCHER_HOST.test(host));
}

/**
 * Each deployed compose service's variables in force as a deployment runs it (without the
 * local-development layer), in every project that defines it but the ones the task definitions do
 * not follow (a local stack beside the deployed project: ECS218), at the line that sets each: an
 * `extends:` base's line for what the base gives every service extending it, an env file's line.
 */
export function composeOnlyHostname(ctx: CheckContext): Finding[] {
  const composeNames = new Set(ctx.repo.compose.services.map((s) => s.name));
  const deployed = new Set(ctx.repo.services.filter((s) => s.compose).map((s) => s.name));
  const unfollowed = unfollowedDefinitions(ctx.repo);
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const compose of ctx.repo.compose.services) {
    const process = deployed.has(compose.name) && !unfollowed.has(compose) ? deployedProcess(compose) : null;
    for (const [name, value] of Object.entries(process?.environment ?? {})) {
      const hosts = value === null ? [] : composeHostsIn(name, value, composeNames, compose.name);
      const at = process && variableSetAt(process, name);
      const key = `${compose.name}\0${name}\0${at?.file}\0${at?.line}`;
      if (hosts.length === 0 || !at || seen.has(key)) continue;
      seen.add(key);
      findings.push(
        finding(ctx, 'ECS406', {
          service: compose.name,
          file: at.file,
          line: at.line,
          message: `${name} points at ${hosts.join(', ')}, a compose service name ECS cannot resolve: set ${name} in the task definition`,
        }),
      );
    }
    if (process) findings.push(...commandHosts(ctx, compose.name, process, composeNames, seen));
  }
  return findings;
}

/**
 * ECS406 for a compose `command`/`entrypoint` that names another compose service (review9 R20): the
 * task definition runs it as written, and the name does not resolve on ECS.
 */
function commandHosts(ctx: CheckContext, service: string, process: NonNullable<ReturnType<typeof deployedProcess>>, composeNames: ReadonlySet<string>, seen: Set<string>): Finding[] {
  const args = [...(process.entrypointArgs ?? []), ...(process.commandArgs ?? [])];
  const hosts = composeHostsInArgs(args, composeNames, service);
  const key = `${service}\0(command)\0${process.file}\0${process.line}`;
  if (hosts.length === 0 || seen.has(key)) return [];
  seen.add(key);
  const which = process.entrypointArgs && process.commandArgs ? 'entrypoint and command' : process.entrypointArgs ? 'entrypoint' : 'command';
  return [
    finding(ctx, 'ECS406', {
      service,
      file: process.file,
      line: process.line,
      message: `the compose ${which} (\`${args.join(' ')}\`) points at ${hosts.join(', ')}, a compose service name ECS cannot resolve, and the task definition runs it as written: put the deployed address in the task definition's command, or have the command read it from a variable the task definition sets`,
    }),
  ];
}
