/**
 * ECS404: a FROM on an external image without a tag or on `:latest`. A reference built from
 * variables is read as each service's build reads it (its compose `build.args` over the global ARG
 * defaults): `ARG NODE_TAG=latest` + `FROM node:${NODE_TAG}` floats too, and the finding names the
 * ARG default it was read with (a `--build-arg` the repo does not show may pin it). A reference
 * whose variables have no established value is left alone.
 */
import type { Finding } from '../../findings/finding.js';
import { serviceBuildArgs } from '../../repo/buildArgs.js';
import { assumedBaseVariables, withBuildArgs, type ParsedDockerfile } from '../../repo/dockerfile.js';
import { finding, type CheckContext } from '../context.js';

export function floatingBaseImage(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const [path, entry] of ctx.repo.dockerfiles) {
    if (!entry.parsed) continue;
    const builds: [string | undefined, ParsedDockerfile][] = entry.services.length
      ? entry.services.map((name) => [name, withBuildArgs(entry.parsed as ParsedDockerfile, serviceBuildArgs(ctx.repo.services.find((s) => s.name === name) ?? { compose: null }))])
      : [[undefined, entry.parsed]];
    for (const [service, parsed] of builds)
      for (const stage of parsed.stages) {
        if (stage.parentStage !== null || stage.base.distro === 'scratch' || !stage.base.floating) continue;
        if (stage.fromVariables.some((v) => v.value === null)) continue;
        const how = stage.base.tag === null ? 'has no tag' : 'is on :latest';
        const assumed = assumedBaseVariables(stage);
        const read = assumed.length ? ` (read with ${assumed.map((v) => v.where).join(', ')}; a --build-arg the repo does not show may set another)` : '';
        findings.push(finding(ctx, 'ECS404', { ...(service ? { service } : {}), file: path, line: stage.from.line, message: `base image ${stage.base.reference} ${how}: pin a version${read}` }));
      }
  }
  return findings;
}
