/**
 * ECS408 (seeds 003/004): a health check that calls curl or wget in an image without that tool:
 * the Dockerfile HEALTHCHECK in force for the deployed stage, or the compose healthcheck of a
 * service built from a Dockerfile (its image is known). The image's tools are the model's (the base
 * image's own, busybox's wget on alpine, and what a stage installs with apk/apt-get), the same list
 * the HEALTHCHECK transform decides by (ECS119).
 */
import type { Finding } from '../../findings/finding.js';
import { composeEntries } from '../../repo/composeEntries.js';
import { finding, lastInForce, serviceImage, type CheckContext } from '../context.js';

const PROBE_TOOLS = ['curl', 'wget'] as const;
const calls = (tool: string) => new RegExp(`(?:^|[\\s"'[,/])${tool}(?=[\\s"',\\]]|$)`);
const CALLS = new Map(PROBE_TOOLS.map((t) => [t, calls(t)]));

/** The probe tool a health check command calls that `tools` lacks, if any. */
function missingTool(command: string, tools: readonly string[]): string | null {
  return PROBE_TOOLS.find((t) => !tools.includes(t) && CALLS.get(t)?.test(command)) ?? null;
}

export function probeToolMissing(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  const images = new Map<string, { base: string; tools: readonly string[] }>();
  for (const service of ctx.repo.services) {
    const image = serviceImage(ctx.repo, service);
    if (!image || !service.dockerfile) continue;
    images.set(service.name, { base: image.stage.base.reference, tools: image.stage.tools });
    const hc = lastInForce(image.parsed, image.stage, 'HEALTHCHECK');
    const tool = hc ? missingTool(hc.args, image.stage.tools) : null;
    if (hc && tool)
      findings.push(finding(ctx, 'ECS408', { service: service.name, file: service.dockerfile, line: hc.line, message: `the HEALTHCHECK calls ${tool}, which ${image.stage.base.reference} does not contain` }));
  }
  for (const file of ctx.repo.composeFiles) {
    const text = ctx.read(file);
    if (text === null) continue;
    for (const hc of composeEntries(file, text).healthcheck) {
      const image = images.get(hc.service);
      const tool = image ? missingTool(hc.value, image.tools) : null;
      if (image && tool)
        findings.push(finding(ctx, 'ECS408', { service: hc.service, file, line: hc.line, severity: 'warning', message: `the compose healthcheck calls ${tool}, which the service's image (${image.base}) does not contain: it always fails` }));
    }
  }
  return findings;
}
