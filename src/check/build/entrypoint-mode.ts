/**
 * entrypoint-mode (ECS515): the deployed stage's ENTRYPOINT (or, on an image with no entrypoint of
 * its own, its CMD) runs a script from the build context that the repo has without the exec bit
 * (review9 R16: common in repos edited on Windows). `COPY` keeps the file's mode, so the container
 * cannot start: `exec ... permission denied`, on ECS as anywhere.
 *
 * The mode is what a clean clone has (git's recorded mode, src/repo/files.ts). Nothing is claimed
 * when the model does not know the modes, when the script is run by a shell (`sh entrypoint.sh`),
 * when a `COPY --chmod` or any `chmod` of the Dockerfile may set it, or when the image path is not
 * established to come from the repo file.
 */
import { effectiveInstructions, type DockerInstruction } from '../../repo/dockerfile.js';
import { lookup } from '../../dockerfile/imageFiles.js';
import { programCandidates, stageSearchPath } from '../../dockerfile/searchPath.js';
import { instructionWords } from '../../dockerfile/shell.js';
import { copyArguments, copyFlag } from '../../dockerfile/copy.js';
import { workdirBefore } from './deployed.js';
import { SHELLS, unwrapInit } from '../../repo/processCwd.js';
import type { BuildCheckContext, BuildFinding } from './context.js';

/** The program an exec-form or shell-form start instruction runs first, past an init and its flags (processCwd's unwrapping); null when a shell runs it. */
function programOf(ctx: BuildCheckContext, ins: DockerInstruction): string | null {
  const program = unwrapInit(instructionWords(ctx.build.parsed, ins).words.map((w) => w.value))[0];
  return !program || SHELLS.test(program) || program.includes('$') ? null : program;
}

export function entrypointMode(ctx: BuildCheckContext): BuildFinding[] {
  const { deployed, build, repo } = ctx;
  if (!deployed || !repo.executables) return [];
  const chain = effectiveInstructions(build.parsed, deployed.stage);
  const start = chain.filter((i) => i.keyword === 'ENTRYPOINT').at(-1) ?? (deployed.stage.base.family === 'node' ? undefined : chain.filter((i) => i.keyword === 'CMD').at(-1));
  if (!start) return [];
  const program = programOf(ctx, start);
  if (!program) return [];
  const workdir = workdirBefore(build.parsed, deployed.stage.index, start);
  for (const path of programCandidates(program, workdir, stageSearchPath(build.parsed, deployed.stage))) {
    const found = lookup(deployed.files, path, build.files);
    if (!found) continue;
    const copy = found.entry?.copy;
    if (found.kind !== 'context' || !found.rel || !copy || repo.executables.has(found.rel)) return [];
    // A --chmod on the COPY, or a chmod in any stage (one it copies from too), may make it executable.
    const args = copyArguments(build.parsed, copy);
    if (!args || copyFlag(args, 'chmod') !== undefined) return [];
    if (build.parsed.stages.some((s) => s.instructions.some((i) => i.keyword === 'RUN' && /\bchmod\b/.test(i.args)))) return [];
    return [
      {
        code: 'ECS515',
        severity: 'blocking',
        line: start.line,
        message: `${start.keyword} runs ${path}, which line ${copy.line} copies from ${found.rel}; the repo has that file without the exec bit and no step makes it executable, so the container cannot start ("permission denied"). Commit it executable (\`git update-index --chmod=+x ${found.rel}\`), or copy it with \`COPY --chmod=755\``,
      },
    ];
  }
  return [];
}

