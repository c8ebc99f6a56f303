/**
 * Which compose projects the task definitions follow. When several projects build a service's image
 * under its name (`infra/docker-compose.yml`, the local stack, beside `deploy/compose.prod.yml`),
 * the service's `compose` is one project's definition (ECS218 says which); the others are
 * alternatives ecsfix does not deploy from. A project is *not followed* when it builds such an
 * alternative and none of its services is the definition a service follows.
 */
import type { ComposeProject, ComposeService } from './compose.js';
import type { RepoModel } from './model.js';

/** The projects that build an alternative definition of a service and hold none that a service follows. */
export function unfollowedProjects(repo: RepoModel): ComposeProject[] {
  const followed = new Set(repo.services.map((s) => s.compose).filter((c): c is ComposeService => !!c));
  const alternative = (c: ComposeService) =>
    !followed.has(c) && !!c.build && repo.services.some((s) => s.compose && s.name === c.name && s.dockerfile === c.build?.dockerfile && s.compose.build?.target === c.build.target);
  return repo.compose.projects.filter((p) => !p.services.some((c) => followed.has(c)) && p.services.some(alternative));
}

/** The files of a project: its own, its overrides and the files its services come from (its includes). */
function projectFiles(p: ComposeProject): string[] {
  return [p.file, ...p.overrides, ...p.services.map((c) => c.file)];
}

/**
 * The compose files only unfollowed projects read ({@link unfollowedProjects}): what they set is not
 * what a task definition gets. A file a followed project reads too (a shared include) is not one.
 */
export function unfollowedComposeFiles(repo: RepoModel): Set<string> {
  const unfollowed = unfollowedProjects(repo);
  const others = new Set(repo.compose.projects.filter((p) => !unfollowed.includes(p)).flatMap(projectFiles));
  return new Set(unfollowed.flatMap(projectFiles).filter((f) => !others.has(f)));
}

/** The service definitions of the unfollowed projects ({@link unfollowedProjects}). */
export function unfollowedDefinitions(repo: RepoModel): Set<ComposeService> {
  return new Set(unfollowedProjects(repo).flatMap((p) => p.services));
}
