/**
 * The stages of a Dockerfile that only development-profile compose services build (`api-dev` with
 * `profiles: [dev]` and `build.target: dev`): local-development images ECS never runs, so no
 * transform edits or reports them. A stage a deployed service's stage is built FROM is not one.
 */
import { developmentOnly } from './compose.js';
import { deployedStage, stageChain, type DockerStage, type ParsedDockerfile } from './dockerfile.js';
import { servicesForFile, type RepoModel } from './model.js';

const targetsOf = new WeakMap<RepoModel['compose']['services'], Map<string, string[]>>();

/**
 * The targets development-only compose services build, by Dockerfile: indexed once per model (the
 * transforms ask per Dockerfile, and a search of every compose service each time was quadratic).
 */
function developmentTargets(repo: RepoModel): Map<string, string[]> {
  let index = targetsOf.get(repo.compose.services);
  if (!index) {
    index = new Map();
    for (const s of repo.compose.services) {
      const { dockerfile, target } = s.build ?? {};
      if (dockerfile && target && developmentOnly(s)) index.set(dockerfile, [...(index.get(dockerfile) ?? []), target]);
    }
    targetsOf.set(repo.compose.services, index);
  }
  return index;
}

export function developmentOnlyStages(repo: RepoModel, path: string, parsed: ParsedDockerfile): Set<DockerStage> {
  const targets = developmentTargets(repo).get(path) ?? [];
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
