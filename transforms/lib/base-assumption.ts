/**
 * ECS190: a change that depends on which image the base is (its distro's user commands, the probe
 * tools it ships) when that image was read with a build ARG's default: a `--build-arg` from CI that
 * the repo does not show would build another one.
 */
import { assumedBaseVariables, stageChain, type DockerStage, type ParsedDockerfile } from '../../src/repo/dockerfile.js';
import type { Finding } from '../../src/findings/finding.js';

export function assumedBaseFinding(parsed: ParsedDockerfile, stage: DockerStage, change: string): Finding | null {
  const assumed = assumedBaseVariables(stage);
  if (!assumed.length) return null;
  const root = stageChain(parsed, stage).pop() ?? stage;
  return {
    code: 'ECS190',
    severity: 'warning',
    line: root.from.line,
    message: `${change} fits ${stage.base.reference}, the base image as read with the default of ${assumed.map((v) => v.where).join(' and ')}; a --build-arg the repo does not show (a CI script) that picks another image would not fit it: check what the build passes`,
  };
}
