/**
 * npm-ci-lockfile (ECS509): a RUN runs `npm ci` in a directory whose package.json the image holds
 * but no package-lock.json or npm-shrinkwrap.json beside it: npm ci exits with "can only install
 * with an existing package-lock.json" and the build fails (review9 R13: `COPY apps/jobs/package.json
 * ./` + `RUN npm ci --omit=dev`, the workspace's one lockfile at the repo root). Only the stages the
 * deployed stage is built from are judged (BuildKit builds no other). A directory below another
 * package.json (npm may take that one as its workspace root), an install pointed elsewhere
 * (`--prefix`) or a lockfile a COPY may bring (a variable source) leaves the RUN alone; a stage
 * running a command the model cannot follow makes it "could not confirm" (info).
 */
import { posix } from 'node:path';
import { copyArguments, copyFlag } from '../../dockerfile/copy.js';
import { stageFor } from '../../dockerfile/imageBuild.js';
import { absPath, presence, repoFiles } from '../../dockerfile/imageFiles.js';
import { runSteps } from '../../dockerfile/shell.js';
import type { DockerInstruction, DockerStage, ParsedDockerfile } from '../../repo/dockerfile.js';
import { stageLabel, unfollowedReason, type BuildCheckContext, type BuildFinding } from './context.js';

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json'];

/** The stages a build of the deployed stage runs: it, the stages it is built FROM, and those its `COPY --from`s read (transitively). */
function builtStages(parsed: ParsedDockerfile, deployed: number): Set<number> {
  const built = new Set<number>();
  const visit = (index: number | null) => {
    const stage = index === null ? undefined : parsed.stages[index];
    if (!stage || built.has(stage.index)) return;
    built.add(stage.index);
    visit(stage.parentStage);
    for (const ins of stage.instructions) {
      const args = ins.keyword === 'COPY' ? copyArguments(parsed, ins) : null;
      const from = args ? copyFlag(args, 'from') : undefined;
      if (from) visit(stageFor(parsed, from, stage.index));
    }
  };
  visit(deployed);
  return built;
}

/** The directories `npm ci` runs in during a RUN (its `cd`s followed), with the step's text. */
function npmCiSteps(parsed: ParsedDockerfile, ins: DockerInstruction, workdir: string): { dir: string; text: string }[] {
  const out: { dir: string; text: string }[] = [];
  let cwd = workdir;
  for (const { text } of runSteps(parsed, ins)) {
    const seg = text.replace(/^(?:\w+=\S*\s+)+/, '');
    const cd = /^cd\s+(\S+)$/.exec(seg);
    if (cd) cwd = cd[1]?.includes('$') ? '' : absPath(cwd, cd[1] ?? '.');
    const ci = /^npm\s+((?:-\S+\s+)*)(?:ci|clean-install|ic|install-clean|isntall-clean)\b(.*)$/.exec(seg);
    if (ci && cwd && !/(?:^|\s)(?:--prefix|-C)(?:=|\s|$)/.test(`${ci[1]} ${ci[2]}`)) out.push({ dir: cwd, text: seg });
  }
  return out;
}

/** Whether a directory above `dir` may hold a package.json: npm may then take it as the workspace root and install from its lockfile. */
function belowManifest(dir: string, has: (path: string) => { presence: 'yes' | 'no' | 'unknown' }): boolean {
  for (let d = dir; d !== '/'; ) {
    d = posix.dirname(d);
    if (has(posix.join(d, 'package.json')).presence !== 'no') return true;
  }
  return false;
}

/** What ECS147 advises for the repo's lockfile: copy it beside package.json, or install the workspace package from the root. */
function advice(ctx: BuildCheckContext, manifest: string): string {
  const dir = posix.dirname(manifest) === '.' ? '' : posix.dirname(manifest);
  const repo = repoFiles(ctx.repo.files);
  const beside = LOCKFILES.find((l) => repo.has(dir ? `${dir}/${l}` : l));
  if (beside) return `copy ${dir ? `${dir}/` : ''}${beside} in with the package.json before the install`;
  const pkg = ctx.repo.workspacePackages.find((p) => p.dir === dir && p.dir !== '');
  const root = LOCKFILES.find((l) => repo.has(l));
  if (pkg && root) {
    const from = ctx.build.context ? `build from the repo root (context ${ctx.build.context} cannot reach it), ` : '';
    return `the workspace's one ${root} is at the repo root: ${from}copy the root package.json and ${root} (and the package.json of each workspace package it needs) and install with \`npm ci -w ${pkg.name}\``;
  }
  return 'the repo has no package-lock.json for it: commit one (npm install writes it), or install with `npm install`';
}

export function npmCiLockfile(ctx: BuildCheckContext): BuildFinding[] {
  const { build, deployed } = ctx;
  const parsed = build.parsed;
  const stages = deployed ? builtStages(parsed, deployed.stage.index) : new Set(parsed.stages.map((s) => s.index));
  const runs = parsed.instructions.filter((i) => i.keyword === 'RUN' && stages.has(i.stageIndex) && /\bnpm\b/.test(i.args));
  if (!runs.length) return [];
  const out: BuildFinding[] = [];
  for (const ins of runs) {
    const fs = ctx.before(ins);
    if (!fs) continue;
    const has = (path: string) => presence(fs, path, build.files);
    for (const step of npmCiSteps(parsed, ins, fs.workdir)) {
      const manifest = has(posix.join(step.dir, 'package.json'));
      if (manifest.presence !== 'yes' || manifest.found?.kind !== 'context' || manifest.found.rel === null) continue;
      if (LOCKFILES.some((l) => has(posix.join(step.dir, l)).presence !== 'no') || belowManifest(step.dir, has)) continue;
      const claim = `\`${step.text}\` runs in ${step.dir}, which holds package.json (${manifest.found.rel}) but no package-lock.json or npm-shrinkwrap.json`;
      const stage = stageLabel(parsed.stages[ins.stageIndex] as DockerStage);
      out.push(
        fs.uncertain
          ? { code: 'ECS509', severity: 'info', line: ins.line, message: `${claim} as far as the check can follow the ${stage} stage (${unfollowedReason(fs)}): npm ci would fail the build; ${advice(ctx, manifest.found.rel)}` }
          : { code: 'ECS509', severity: 'blocking', line: ins.line, message: `${claim}: npm ci exits ("can only install with an existing package-lock.json") and the build fails; ${advice(ctx, manifest.found.rel)}` },
      );
    }
  }
  return out;
}
