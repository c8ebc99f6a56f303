/**
 * ECS406 (seed 000 sections 2.3, 9): an environment value of a deployed service that names another
 * compose service as its host (`KAFKA_BROKERS: kafka:9092`, `COURSE_SERVICE_URL:
 * http://course-service:3005`, a bare `REDIS_HOST: redis`). ECS has no such name; the task definition must set the variable.
 */
import type { Finding } from '../../findings/finding.js';
import { composeEntries } from '../compose-entries.js';
import { finding, type CheckContext } from '../context.js';

/** host:port, optionally after a scheme and credentials; the host is captured. */
const HOST_PORT = /(?:^|[\s,;=(/@'"])([A-Za-z][\w.-]*):(\d{2,5})\b/g;
/** A variable that holds a bare host name (`REDIS_HOST: redis`, `DB_HOST: db`, `KAFKA_BROKERS: kafka`). */
const HOST_VARIABLE = /(?:^|_)(?:HOST|HOSTNAME|HOSTS|SERVER|SERVERS|ADDR|ADDRESS|BROKER|BROKERS|ENDPOINT)$/;

/**
 * The compose service names `value` uses as a host: in `host:port` (after a scheme and credentials),
 * or as the whole value of a host variable (`DB_HOST: db`, `REDIS_HOSTS: redis-a,redis-b`).
 */
export function composeHostsIn(key: string, value: string, composeNames: ReadonlySet<string>, self?: string): string[] {
  const hosts = [...value.matchAll(HOST_PORT)].map((m) => `${m[1]}:${m[2]}`).filter((h) => composeNames.has(h.split(':')[0] ?? '') && h.split(':')[0] !== self);
  if (HOST_VARIABLE.test(key))
    for (const bare of value.split(',').map((v) => v.trim().replace(/^['"]|['"]$/g, '')))
      if (composeNames.has(bare) && bare !== self) hosts.push(bare);
  return [...new Set(hosts)];
}

export function composeOnlyHostname(ctx: CheckContext): Finding[] {
  const composeNames = new Set(ctx.repo.compose.services.map((s) => s.name));
  const deployed = new Set(ctx.repo.services.filter((s) => s.compose).map((s) => s.name));
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const file of ctx.repo.composeFiles) {
    const text = ctx.read(file);
    if (text === null) continue;
    for (const env of composeEntries(file, text).environment) {
      if (!deployed.has(env.service)) continue;
      const hosts = composeHostsIn(env.key, env.value, composeNames, env.service);
      const key = `${env.service}\0${env.key}`;
      if (hosts.length === 0 || seen.has(key)) continue;
      seen.add(key);
      findings.push(
        finding(ctx, 'ECS406', {
          service: env.service,
          file,
          line: env.line,
          message: `${env.key} points at ${hosts.join(', ')}, a compose service name ECS cannot resolve: set ${env.key} in the task definition`,
        }),
      );
    }
  }
  return findings;
}
