/**
 * ECS414: an HTTP server that binds a loopback address. In awsvpc mode the ALB (and every other
 * task) connects to the task's own IP, which a socket on 127.0.0.1 refuses, while a container
 * HEALTHCHECK on localhost still passes: the targets never turn healthy and nothing says why.
 * Established from the listen call: a literal `'localhost'`/`'127.0.0.1'`, a `HOST` variable whose
 * fallback is one and that neither the image nor compose sets, or Fastify's default (localhost
 * when `listen` names no host). A HOST the image sets to a value its build does not establish (an
 * ARG with no value) is not known to be loopback: no finding.
 */
import type { Finding } from '../../findings/finding.js';
import { finding, type CheckContext } from '../context.js';

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/;

export function loopbackBind(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const service of ctx.repo.services) {
    // A one-off job serves no traffic: nothing connects to it.
    if (service.role !== 'http' || service.runsToCompletion) continue;
    const image = new Map([...service.imageEnv].map(([name, v]) => [name, v.value]));
    const env = new Map<string, string | null>([...image, ...Object.entries(service.compose?.environment ?? {})]);
    for (const listen of service.listen ?? []) {
      const host = listen.host;
      if (!host) continue;
      const set = host.envVar ? env.get(host.envVar) : undefined;
      if (set === null && host.envVar && !Object.hasOwn(service.compose?.environment ?? {}, host.envVar)) continue;
      const bound = set !== undefined && set !== null ? set : host.value;
      if (bound === null || !LOOPBACK.test(bound)) continue;
      const how = host.implicit
        ? `Fastify's listen binds localhost when it names no host`
        : host.envVar && set === undefined
          ? `it binds ${host.envVar}, which neither the image nor compose sets, so its fallback ${bound} applies`
          : `it binds ${bound}`;
      findings.push(
        finding(ctx, 'ECS414', {
          service: service.name,
          file: listen.file,
          line: listen.line,
          message: `the server of "${service.name}" listens on a loopback address: ${how}. The ALB and the other tasks connect to the task's IP, which it refuses, while a HEALTHCHECK on localhost still passes. Listen on 0.0.0.0 (\`host: '0.0.0.0'\`)`,
        }),
      );
    }
  }
  return findings;
}
