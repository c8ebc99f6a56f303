/**
 * ECS406 (seed 000 sections 2.3, 9): an environment value of a deployed service that names another
 * compose service as its host (`KAFKA_BROKERS: kafka:9092`, `COURSE_SERVICE_URL:
 * http://course-service:3005`). ECS has no such name; the task definition must set the variable.
 */
import type { Finding } from '../../findings/finding.js';
import { composeEntries } from '../compose-entries.js';
import { finding, type CheckContext } from '../context.js';

/** host:port, optionally after a scheme and credentials; the host is captured. */
const HOST_PORT = /(?:^|[\s,;=(/@'"])([A-Za-z][\w.-]*):(\d{2,5})\b/g;

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
      const hosts = [...env.value.matchAll(HOST_PORT)].map((m) => `${m[1]}:${m[2]}`).filter((h) => composeNames.has(h.split(':')[0] ?? '') && h.split(':')[0] !== env.service);
      const key = `${env.service}\0${env.key}`;
      if (hosts.length === 0 || seen.has(key)) continue;
      seen.add(key);
      findings.push(
        finding(ctx, 'ECS406', {
          service: env.service,
          file,
          line: env.line,
          message: `${env.key} points at ${[...new Set(hosts)].join(', ')}, a compose service name ECS cannot resolve: set ${env.key} in the task definition`,
        }),
      );
    }
  }
  return findings;
}
