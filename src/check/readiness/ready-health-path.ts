/**
 * ECS403 (seed 000 section 3, 13): a readiness route (`/ready`, `/readiness`, `/readyz`) used as a
 * health check path: in a Dockerfile HEALTHCHECK, a compose healthcheck, or a Terraform
 * `health_check` block. The ALB and ECS must probe liveness (`/health`).
 */
import type { Finding } from '../../findings/finding.js';
import { composeEntries } from '../../repo/composeEntries.js';
import { finding, type CheckContext } from '../context.js';

const READINESS_PATH = /\/(?:ready|readiness|readyz)\b/;

export function readyHealthPath(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const [path, entry] of ctx.repo.dockerfiles) {
    for (const ins of entry.parsed?.instructions ?? []) {
      if (ins.keyword !== 'HEALTHCHECK' || !READINESS_PATH.test(ins.args)) continue;
      const services = entry.services.length ? entry.services : [undefined];
      for (const service of services)
        findings.push(finding(ctx, 'ECS403', { ...(service ? { service } : {}), file: path, line: ins.line, message: `the HEALTHCHECK probes ${READINESS_PATH.exec(ins.args)?.[0]}, a readiness route; probe /health` }));
    }
  }
  const modelServices = new Set(ctx.repo.services.map((s) => s.name));
  for (const file of ctx.repo.composeFiles) {
    const text = ctx.read(file);
    if (text === null) continue;
    for (const hc of composeEntries(file, text).healthcheck)
      if (modelServices.has(hc.service) && READINESS_PATH.test(hc.value))
        findings.push(finding(ctx, 'ECS403', { service: hc.service, file, line: hc.line, message: `the compose healthcheck of ${hc.service} probes ${READINESS_PATH.exec(hc.value)?.[0]}, a readiness route; probe /health` }));
  }
  for (const file of ctx.repo.files.filter((f) => f.endsWith('.tf'))) {
    const text = ctx.read(file);
    if (text === null || !/health_check/.test(text)) continue;
    text.split('\n').forEach((line, i) => {
      if (/^\s*path\s*=\s*"\/(?:ready|readiness|readyz)\/?"/.test(line))
        findings.push(finding(ctx, 'ECS403', { file, line: i + 1, message: 'the load balancer health check path is a readiness route; use /health' }));
    });
  }
  return findings;
}
