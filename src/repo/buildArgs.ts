/**
 * The build args a service's build passes (compose `build.args`), as the Dockerfile model reads them
 * ({@link withBuildArgs}): per service, since two services may build one Dockerfile with different
 * args; and for a transform, which edits the one file every such build reads, the values they agree on.
 * A `--build-arg` a CI script passes is not in the repo: an ARG default stays an assumption.
 */
import { assumedBaseVariables, parseDockerfile, withBuildArgs, type BuildArg, type ParsedDockerfile } from './dockerfile.js';
import { servicesForFile, type RepoModel, type Service } from './model.js';
import { interpolatedUnset } from './compose.js';

/**
 * Compose `build.args` with compose's interpolation done as without the variable in the caller's
 * shell: `22-alpine` is passed; `${NODE_VERSION:-22}` passes its default (assumed: the shell may set
 * it); `${NODE_VERSION}` passes a value the repo does not establish.
 */
export function buildArgsOf(args: Readonly<Record<string, string>>, file: string | null): Record<string, BuildArg> {
  const out: Record<string, BuildArg> = {};
  for (const [name, raw] of Object.entries(args)) {
    const where = `build.args ${name}: ${raw}${file ? ` (${file})` : ''}`;
    out[name] = { value: interpolatedUnset(raw), assumed: raw.includes('$'), where };
  }
  return out;
}

/** The build args of a service's build. */
export function serviceBuildArgs(service: Pick<Service, 'compose'>): Record<string, BuildArg> {
  return buildArgsOf(service.compose?.build?.args ?? {}, service.compose?.file ?? null);
}

/**
 * The build args every service built from a Dockerfile passes alike; an arg they pass differently
 * (or only some of them pass, the others taking the default) has no established value.
 */
export function fileBuildArgs(repo: RepoModel, path: string): Record<string, BuildArg> {
  const services = servicesForFile(repo, path);
  const each = services.map(serviceBuildArgs);
  const out: Record<string, BuildArg> = {};
  for (const name of new Set(each.flatMap((args) => Object.keys(args)))) {
    const values = each.map((args) => args[name]);
    const first = values[0];
    if (first && values.every((v) => v?.value === first.value)) out[name] = first;
    else out[name] = { value: null, assumed: false, where: `the services building ${path} (${services.map((s) => s.name).join(', ')}) pass different values for ${name}` };
  }
  return out;
}

/**
 * A Dockerfile text as the builds of the services built from `path` see it: when every build reads
 * the same base images (a service passing the ARG's default explicitly agrees with one that takes
 * it), that view (one that assumed a default, if any did, so a change says so); else the args they
 * pass differently have no value ({@link fileBuildArgs}).
 */
export function parseForBuilds(text: string, path: string, repo: RepoModel): ParsedDockerfile {
  const parsed = parseDockerfile(text);
  const views = [...new Set(servicesForFile(repo, path).map((s) => withBuildArgs(parsed, serviceBuildArgs(s))))];
  const [first] = views;
  if (!first) return parsed;
  const sameBases = (view: ParsedDockerfile) => view.stages.every((stage, i) => stage.base.reference === first.stages[i]?.base.reference && stage.parentStage === first.stages[i]?.parentStage);
  if (!views.every(sameBases)) return withBuildArgs(parsed, fileBuildArgs(repo, path));
  return views.find((view) => view.stages.some((stage) => assumedBaseVariables(stage).length)) ?? first;
}
