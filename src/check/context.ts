/**
 * What every readiness rule reads: the repo model, the repo's files (read once, line endings
 * normalised) and which transforms have a change pending for a file (so a finding names the
 * transform that fixes it only while that fix is really on offer).
 */
import { deployedProcess } from '../repo/compose.js';
import type { RepoModel, Service } from '../repo/model.js';
import { effectiveInstructions, deployedStage, withBuildArgs, type DockerStage, type ParsedDockerfile } from '../repo/dockerfile.js';
import { serviceBuildArgs } from '../repo/buildArgs.js';
import type { Finding } from '../findings/finding.js';
import { findingCode } from '../findings/codes.js';

export interface CheckContext {
  repo: RepoModel;
  /** A repo file's text (BOM removed, LF line endings), null when it cannot be read. */
  read(path: string): string | null;
  /** Whether `transform` has a change pending for `file` in this run. */
  pending(transform: string, file: string): boolean;
  /** A repo file's text as this run's pending changes leave it (what the ECS excerpt describes); `read` when none is pending. */
  planned(path: string): string | null;
}

export type ReadinessRule = (ctx: CheckContext) => Finding[];

/** A finding of a registered code: severity and help default to the code's, `fixedBy` only while that fix is pending. */
export function finding(ctx: CheckContext, code: string, fields: Omit<Finding, 'code' | 'severity'> & { severity?: Finding['severity']; fixFile?: string }): Finding {
  const def = findingCode(code);
  if (!def) throw new Error(`unregistered finding code ${code}`);
  const { fixFile, ...rest } = fields;
  const fixTarget = fixFile ?? rest.file;
  const fixedBy = def.fixedBy && fixTarget && ctx.pending(def.fixedBy, fixTarget) ? def.fixedBy : undefined;
  return { code, severity: fields.severity ?? def.defaultSeverity, ...rest, ...(fixedBy ? { fixedBy } : {}) };
}

/** The parsed Dockerfile and the deployed stage of a service, when it has a valid one. */
export function serviceImage(repo: RepoModel, service: Service): { parsed: ParsedDockerfile; stage: DockerStage } | null {
  if (!service.dockerfile) return null;
  const written = repo.dockerfiles.get(service.dockerfile)?.parsed;
  // As the service's build sees it: the base images read with its build args.
  const parsed = written ? withBuildArgs(written, serviceBuildArgs(service)) : undefined;
  const stage = parsed ? deployedStage(parsed, service.target) : undefined;
  return parsed && stage ? { parsed, stage } : null;
}

/**
 * The command compose runs in place of the image's ENTRYPOINT/CMD, as the task definition carries it
 * (the deployed layer's `entrypoint` and `command`), with where it is set; null when compose keeps
 * the image's process.
 */
export function composeCommand(service: Service): { value: string; file: string; line: number } | null {
  const process = deployedProcess(service.compose);
  if (!process || (process.command === undefined && process.entrypoint === undefined)) return null;
  return { value: [process.entrypoint, process.command].filter((p) => p !== undefined).join(' '), file: process.file, line: process.line };
}

/** The last instruction of a keyword in force for a stage (CMD, ENTRYPOINT, HEALTHCHECK). */
export function lastInForce(parsed: ParsedDockerfile, stage: DockerStage, keyword: string) {
  return effectiveInstructions(parsed, stage).filter((i) => i.keyword === keyword).pop();
}
