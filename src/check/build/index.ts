/**
 * The static build check: what `docker build` would trip over, found without a Docker engine, from
 * the image model (src/dockerfile/imageBuild.ts), one rule per file:
 *
 *   copy-from-stage    (ECS501) a `COPY --from` that names no earlier stage
 *   copy-source        (ECS502) a `COPY` source missing from the build context, or from the stage it copies from
 *   cmd-path           (ECS503) the deployed stage's `CMD`/`ENTRYPOINT` script that the image does not contain
 *   entrypoint-mode    (ECS515) the deployed stage's ENTRYPOINT script is not executable in the repo
 *   cmd-program        (ECS506) the deployed stage's start command runs a package manager (pnpm) its image lacks
 *   run-corepack       (ECS507) a RUN calls corepack on a node image that ships none (node 25+)
 *   workspace-runtime  (ECS504) a workspace package the service imports that the deployed stage lacks
 *   install-coverage   (ECS508) the service's node_modules come only from installs that do not cover its package.json
 *   npm-ci-lockfile    (ECS509) a RUN runs `npm ci` where the image holds package.json but no package-lock.json
 *   runtime-user       (ECS505) the deployed stage runs as root
 *   runtime-writable   (ECS510) the deployed stage runs as non-root, but a directory the process writes is root's
 *
 * A stage that runs a command the model does not understand may create files it cannot see, so a
 * missing path there is only "could not confirm" (info, naming the line it cannot follow). Pure: a
 * function of the text and the model.
 */
import { posix } from 'node:path';
import { parseDockerfile, withBuildArgs } from '../../repo/dockerfile.js';
import { serviceBuildArgs } from '../../repo/buildArgs.js';
import type { RepoModel, Service } from '../../repo/model.js';
import { buildImageWithSnapshots } from '../../dockerfile/imageBuild.js';
import { lookup, normRel, type EntryKind } from '../../dockerfile/imageFiles.js';
import { cmdPath } from './cmd-path.js';
import { cmdProgram } from './cmd-program.js';
import { entrypointMode } from './entrypoint-mode.js';
import type { BuildCheckContext, BuildFinding } from './context.js';
import { copyFromStage } from './copy-from-stage.js';
import { copySource } from './copy-source.js';
import { deployedOf, workdirBefore } from './deployed.js';
import { runCorepack } from './run-corepack.js';
import { installCoverage } from './install-coverage.js';
import { npmCiLockfile } from './npm-ci-lockfile.js';
import { runtimeUser } from './runtime-user.js';
import { runtimeWritable } from './runtime-writable.js';
import { workspaceRuntime } from './workspace-runtime.js';

export type { BuildFinding } from './context.js';
export { nodeScript } from './cmd-path.js';

/** The rules, in the order their findings on one line are listed. */
const RULES = [copyFromStage, copySource, runCorepack, npmCiLockfile, cmdPath, entrypointMode, cmdProgram, workspaceRuntime, installCoverage, runtimeUser, runtimeWritable];

export interface BuildCheckOptions {
  /** Repo-relative path of the Dockerfile (to find the services built from it). */
  path?: string;
  /** The service to check against (its build context, target and workspace packages). */
  service?: Service | null;
}

function contextFor(text: string, repo: RepoModel, options: BuildCheckOptions): BuildCheckContext {
  const service = options.service ?? (options.path ? (repo.services.find((s) => s.dockerfile === options.path) ?? null) : null);
  const context = normRel(service?.buildContext ?? (options.path ? posix.dirname(options.path) : ''));
  // The build args the service's compose build passes (`args: { APP: jobs }`): its build sees those values.
  const walk = { buildArgs: 'defaults', args: service?.compose?.build?.args ?? {}, dockerfile: options.path ?? service?.dockerfile } as const;
  const { build, before } = buildImageWithSnapshots(withBuildArgs(parseDockerfile(text), service ? serviceBuildArgs(service) : {}), repo, context, walk);
  return { build, repo, service, deployed: deployedOf(build, service?.target), before };
}

export function checkDockerfileBuild(text: string, repo: RepoModel, options: BuildCheckOptions = {}): BuildFinding[] {
  const ctx = contextFor(text, repo, options);
  return RULES.flatMap((rule) => rule(ctx)).sort((a, b) => a.line - b.line);
}

/** What the deployed stage of a Dockerfile holds at an absolute path, as far as the model can follow. */
export interface ImagePath {
  /** Repo-relative path the content comes from (built output keeps its package path, e.g. `services/x/dist`). */
  rel: string | null;
  kind: EntryKind;
}

/** Looks paths up in the deployed stage's file system (e.g. where a relative import lands at run time). */
export function deployedImage(text: string, repo: RepoModel, options: BuildCheckOptions = {}): { lookup(path: string): ImagePath | null; cmdWorkdir: string | null } {
  const { build, deployed } = contextFor(text, repo, options);
  return {
    lookup: (path) => {
      const found = deployed ? lookup(deployed.files, path, build.files) : null;
      return found ? { rel: found.rel, kind: found.kind } : null;
    },
    cmdWorkdir: deployed?.cmd ? workdirBefore(build.parsed, deployed.stage.index, deployed.cmd) : null,
  };
}
