/** cmd-path (ECS503): the deployed stage's `CMD`/`ENTRYPOINT` runs a node script the image does not contain. */
import { absPath, lookup } from '../../dockerfile/imageFiles.js';
import { programCandidates, stageSearchPath } from '../../dockerfile/searchPath.js';
import { effectiveInstructions } from '../../repo/dockerfile.js';
import { instructionWords, lastShellCommand } from '../../dockerfile/shell.js';
import { instructionCwd } from '../../repo/processCwd.js';
import { workdirBefore } from './deployed.js';
import { stageLabel, unfollowedReason, type BuildCheckContext, type BuildFinding } from './context.js';

/** The node script a CMD/ENTRYPOINT runs, if it runs one (`tokens`: its words). */
export function nodeScript(tokens: string[]): string | null {
  const at = tokens.findIndex((t) => /(?:^|\/)node$/.test(t));
  if (at < 0) return null;
  for (let i = at + 1; i < tokens.length; i++) {
    const t = tokens[i] ?? '';
    if (t === '-r' || t === '--require' || t === '--import' || t === '--loader') {
      i++;
      continue;
    }
    if (t.startsWith('-')) {
      if (t === '-e' || t === '--eval' || t === '-p') return null;
      continue;
    }
    return t;
  }
  return null;
}

/** What node tries for `node dist/main`: the path, with an extension, a directory's index (NestJS's default CMD). */
const NODE_RESOLUTION = ['', '.js', '.cjs', '.mjs', '.json', '/index.js'];

export function cmdPath(ctx: BuildCheckContext): BuildFinding[] {
  const { deployed, build } = ctx;
  const cmd = deployed?.cmd;
  if (!deployed || !cmd) return [];
  const script = nodeScript(instructionWords(build.parsed, cmd).words.map((w) => w.value));
  if (!script || script.includes('$')) return [];
  // `cd worker && exec node index.js`: the script is found from where the command has moved to.
  const cwd = instructionCwd(cmd.args, { file: ctx.service?.dockerfile ?? '', line: cmd.line });
  const last = lastShellCommand(build.parsed, cmd);
  if (!cwd.known || (cwd.path !== '.' && (!last || nodeScript(last.map((w) => w.value)) !== script))) return [];
  const workdir = workdirBefore(build.parsed, deployed.stage.index, cmd);
  const path = absPath(absPath(workdir, cwd.path), script);
  // The CMD runs as the arguments of an ENTRYPOINT script the image has from the repo: it may `cd` first (processCwd.ts reads it for the model).
  const entry = cmd.keyword === 'CMD' ? entrypointScript(ctx, workdir) : null;
  if (entry) return [{ code: 'ECS503', severity: 'info', line: cmd.line, message: `${cmd.keyword} runs ${script} as the arguments of ${entry}, which may change directory first: could not confirm where the ${stageLabel(deployed.stage)} stage has it` }];
  const provided = (candidate: string) => {
    const found = lookup(deployed.files, candidate, build.files);
    return found !== null && found.kind !== 'dir';
  };
  if (NODE_RESOLUTION.some((suffix) => provided(path + suffix))) return [];
  const claim = `${cmd.keyword} runs ${path}`;
  return [
    deployed.files.uncertain
      ? { code: 'ECS503', severity: 'info', line: cmd.line, message: `${claim}: could not confirm that the ${stageLabel(deployed.stage)} stage has it: ${unfollowedReason(deployed.files)}` }
      : { code: 'ECS503', severity: 'blocking', line: cmd.line, message: `${claim}, which no build step or COPY of the ${stageLabel(deployed.stage)} stage provides` },
  ];
}

/** The ENTRYPOINT in force, when it is a script the image holds from the build context (not tini, nor a base image's own): its image path. */
function entrypointScript(ctx: BuildCheckContext, workdir: string): string | null {
  const { deployed, build } = ctx;
  if (!deployed) return null;
  const entry = effectiveInstructions(build.parsed, deployed.stage).filter((i) => i.keyword === 'ENTRYPOINT').at(-1);
  if (!entry) return null;
  const words = instructionWords(build.parsed, entry).words.map((w) => w.value);
  const start = words.findIndex((w) => !/^(?:\/(?:usr\/)?s?bin\/)?(?:tini|dumb-init|tini-static|--|-\w+)$/.test(w));
  let first = words[start] ?? '';
  if (/^(?:\/(?:usr\/)?bin\/)?(?:ba|da|a)?sh$/.test(first)) first = words.slice(start + 1).find((w) => !w.startsWith('-')) ?? '';
  if (!first || first.includes('$')) return null;
  return programCandidates(first, workdir, stageSearchPath(build.parsed, deployed.stage)).find((c) => lookup(deployed.files, c, build.files)?.kind === 'context') ?? null;
}
