/**
 * ECS137 (review8 R6): an nginx frontend whose config answers 200 on no path ecsfix can establish
 * (a reverse proxy with no `location /` and no root: `/` is 404 in the official image; a proxied
 * `/`; a health location that answers 204) gets no task definition healthCheck and no ALB target
 * group, rather than a probe that would keep every target unhealthy. The finding says why, so the
 * missing probe is not silent.
 */
import type { Finding } from '../../findings/finding.js';
import { finding, type CheckContext } from '../context.js';
import { nginxNoHealthPath } from '../task-definition.js';

export function nginxHealthPath(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const service of ctx.repo.services) {
    const none = service.dockerfile ? nginxNoHealthPath(ctx, service) : null;
    if (!none || !service.dockerfile) continue;
    findings.push(
      finding(ctx, 'ECS137', {
        service: service.name,
        file: service.dockerfile,
        line: none.line,
        message: `no ALB target group or task healthCheck for "${service.name}": no path of its nginx config is established to answer 200 (${none.reason}). Add a liveness location (\`location = /healthz { access_log off; return 200; }\`) and run check again, or set both by hand on a path that answers 200`,
      }),
    );
  }
  return findings;
}
