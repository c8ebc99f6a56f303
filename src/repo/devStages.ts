/**
 * The stages of a Dockerfile that only development-profile compose services build (`api-dev` with
 * `profiles: [dev]` and `build.target: dev`): local-development images ECS never runs, so no
 * transform edits or reports them. A stage a deployed service's stage is built FROM is not one.
 */
import { developmentOnly } from './compose.js';
import { deployedStage, stageChain, type DockerStage, type ParsedDockerfile } from './dockerfile.js';
import { servicesForFile, type RepoModel } from './model.js';

export function developmentOnlyStages(repo: RepoModel, path: string, parsed: ParsedDockerfile): Set<DockerStage> {
  const targets = repo.compose.services.filter((s) => s.build?.dockerfile === path && s.build.target && developmentOnly(s)).map((s) => s.build?.target ?? null);
  if (targets.length === 0) return new Set();
  const deployed = new Set(servicesForFile(repo, path).flatMap((s) => {
    const stage = deployedStage(parsed, s.target);
    return stage ? stageChain(parsed, stage) : [];
  }));
  const dev = targets.flatMap((t) => {
    const stage = parsed.stages.find((st) => st.name?.toLowerCase() === t?.toLowerCase());
    return stage ? stageChain(parsed, stage) : [];
  });
  return new Set(dev.filter((s) => !deployed.has(s)));
}
