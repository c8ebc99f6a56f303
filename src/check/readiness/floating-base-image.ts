/** ECS404: a FROM on an external image without a tag or on `:latest` (ARG-built references are left alone). */
import type { Finding } from '../../findings/finding.js';
import { finding, type CheckContext } from '../context.js';

export function floatingBaseImage(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const [path, entry] of ctx.repo.dockerfiles) {
    for (const stage of entry.parsed?.stages ?? []) {
      if (stage.parentStage !== null || stage.fromRef.includes('$') || stage.base.distro === 'scratch' || !stage.base.floating) continue;
      const how = stage.base.tag === null ? 'has no tag' : 'is on :latest';
      const services = entry.services.length ? entry.services : [undefined];
      for (const service of services)
        findings.push(finding(ctx, 'ECS404', { ...(service ? { service } : {}), file: path, line: stage.from.line, message: `base image ${stage.fromRef} ${how}: pin a version` }));
    }
  }
  return findings;
}
