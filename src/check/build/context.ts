/**
 * What every build-check rule reads: the followed build (src/dockerfile/imageBuild.ts), the service
 * the Dockerfile is checked for, and its deployed stage with the CMD/ENTRYPOINT that starts it.
 */
import type { Finding } from '../../findings/finding.js';
import type { DockerInstruction, DockerStage } from '../../repo/dockerfile.js';
import type { RepoModel, Service } from '../../repo/model.js';
import type { ImageBuild } from '../../dockerfile/imageBuild.js';
import type { StageFiles } from '../../dockerfile/imageFiles.js';

/** A build-check finding always names the line of the instruction (1-based). */
export type BuildFinding = Finding & { line: number };

export interface BuildCheckContext {
  build: ImageBuild;
  repo: RepoModel;
  service: Service | null;
  /** The stage that is deployed, its files at the end of the build, and its last CMD/ENTRYPOINT. */
  deployed: { stage: DockerStage; files: StageFiles; cmd: DockerInstruction | undefined } | null;
  /** Each stage's files just before each instruction (the same build followed once more, on the first call). */
  before(ins: DockerInstruction): StageFiles | undefined;
}

/** The build context as the messages name it. */
export const contextLabel = (ctx: BuildCheckContext): string => ctx.build.context || '.';

/** How the messages name a stage. */
export const stageLabel = (stage: DockerStage): string => stage.name ?? 'final';

/** Why a path of a stage is not established either way: the line of the step the check cannot follow. */
export const unfollowedReason = (files: Pick<StageFiles, 'unfollowed'>): string =>
  files.unfollowed ? `the check cannot follow line ${files.unfollowed}, which may create it` : 'the check cannot follow all of its steps';
