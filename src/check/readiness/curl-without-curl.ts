/**
 * ECS408 (seeds 003/004): a health check that calls curl in an image without curl: the Dockerfile
 * HEALTHCHECK in force for the deployed stage, or the compose healthcheck of a service built from a
 * Dockerfile (its image is known). Tools a stage installs (apk/apt-get) count.
 */
import type { Finding } from '../../findings/finding.js';
import { composeEntries } from '../compose-entries.js';
import { finding, lastInForce, serviceImage, type CheckContext } from '../context.js';

const CURL = /(?:^|[\s"'[,/])curl(?=[\s"',\]]|$)/;

export function curlWithoutCurl(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  const lacking = new Map<string, string>();
  for (const service of ctx.repo.services) {
    const image = serviceImage(ctx.repo, service);
    if (!image || !service.dockerfile || image.stage.tools.includes('curl')) continue;
    lacking.set(service.name, image.stage.base.reference);
    const hc = lastInForce(image.parsed, image.stage, 'HEALTHCHECK');
    if (hc && CURL.test(hc.args))
      findings.push(finding(ctx, 'ECS408', { service: service.name, file: service.dockerfile, line: hc.line, message: `the HEALTHCHECK calls curl, which ${image.stage.base.reference} does not contain` }));
  }
  for (const file of ctx.repo.composeFiles) {
    const text = ctx.read(file);
    if (text === null) continue;
    for (const hc of composeEntries(file, text).healthcheck) {
      const base = lacking.get(hc.service);
      if (base && CURL.test(hc.value))
        findings.push(finding(ctx, 'ECS408', { service: hc.service, file, line: hc.line, severity: 'warning', message: `the compose healthcheck calls curl, which the service's image (${base}) does not contain: it always fails` }));
    }
  }
  return findings;
}
