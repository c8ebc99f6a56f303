/**
 * runtime-writable (ECS510): the deployed stage already runs as a non-root USER, but a directory the
 * process writes is, by the image model, root's: the write fails with EACCES (review9 R8: `WORKDIR
 * /home/node/app` made by root, `COPY --chown=node:node` of its contents only, `USER node`, and a
 * logger that creates cwd/logs at require time). The directories are the ones dockerfile-non-root
 * hands to the user it adds (src/dockerfile/writeHandover.ts: the service's runtime writes and the
 * image's VOLUMEs); for one the image does not hold, the process needs the nearest directory above
 * it that the image holds. Their owners are src/dockerfile/ownership.ts's; a VOLUME on a path no step
 * creates gets a mount point Docker creates as root. An owner the model does not establish, or
 * another user than root (who may have the same uid), says nothing.
 */
import { effectiveInstructions, isRootUser, type ParsedDockerfile } from '../../repo/dockerfile.js';
import { copyArguments, copyFlag } from '../../dockerfile/copy.js';
import { nearestHeld, ownerAtEnd, type StageSnapshots } from '../../dockerfile/ownership.js';
import { handovers, type Handover } from '../../dockerfile/writeHandover.js';
import { absPath, lookup } from '../../dockerfile/imageFiles.js';
import type { BuildCheckContext, BuildFinding } from './context.js';

export function runtimeWritable(ctx: BuildCheckContext): BuildFinding[] {
  const { deployed, build, service, repo } = ctx;
  if (!deployed || !service) return [];
  const inForce = effectiveInstructions(build.parsed, deployed.stage);
  const userLine = inForce.filter((i) => i.keyword === 'USER').at(-1);
  const user = userLine?.args.trim() ?? '';
  if (!userLine || isRootUser(user) || user.includes('$')) return [];
  const dirs = handovers(build.parsed, inForce, [service], repo, undefined).dirs.filter((d) => !d.mount && (d.written || d.workdir));
  const image: StageSnapshots = { instructions: inForce, before: ctx.before, final: deployed.files, stages: build.stages, files: build.files };
  const name = user.split(':')[0] ?? user;
  const out: BuildFinding[] = [];
  const said = new Set<string>();
  for (const dir of dirs) {
    const problem = rootOwned(build.parsed, image, dir);
    if (!problem || said.has(problem.dir)) continue;
    said.add(problem.dir);
    const runs = `${service.name} runs as ${user} (USER at line ${userLine.line})`;
    const fix = `create it owned by ${name} in a RUN before USER (\`RUN mkdir -p ${dir.path} && chown ${user} ${dir.path}\`)`;
    const volume = dir.volume ? /^VOLUME at line (\d+)/.exec(dir.reason)?.[1] : undefined;
    const message =
      problem.dir === dir.path && volume && problem.why.startsWith('no step')
        ? `${runs}, but VOLUME ${dir.path} (line ${volume}) is on a path no step of the image creates: Docker creates the mount point as root, so ${name} cannot write to the volume (EACCES, permission denied); ${fix}`
        : `${runs}, but ${dir.reason}: writing there needs ${problem.dir === dir.path ? dir.path : `${problem.dir} (to create ${dir.path} in it)`}, which ${problem.why}, so the write fails with EACCES (permission denied); ${fix}`;
    out.push({ code: 'ECS510', severity: 'blocking', line: userLine.line, message });
  }
  return out;
}

/** The directory the process needs to write for a handover, when the model establishes that root owns it: which one, and why. */
function rootOwned(parsed: ParsedDockerfile, image: StageSnapshots, dir: Handover): { dir: string; why: string } | null {
  const held = lookup(image.final, dir.path, image.files) !== null;
  // A new volume takes the mount point's owner from the image; with nothing there, Docker creates it as root.
  if (dir.volume && !held) return { dir: dir.path, why: 'no step of the image creates, so Docker creates the mount point as root' };
  const target = held ? dir.path : nearestHeld(parsed, image, dir.path);
  const owner = target === null ? null : ownerAtEnd(parsed, image, target);
  return target !== null && owner?.user === 'root' ? { dir: target, why: `is root's (${owner.how}${copiedInto(parsed, image, target)})` } : null;
}

/** The COPY --chown lines whose destination is the directory: they re-own what they copy in, not it (the message says so). */
function copiedInto(parsed: ParsedDockerfile, image: StageSnapshots, dir: string): string {
  const lines = image.instructions
    .filter((i) => {
      const args = i.keyword === 'COPY' || i.keyword === 'ADD' ? copyArguments(parsed, i) : null;
      const before = image.before(i);
      return args !== null && before !== undefined && copyFlag(args, 'chown') !== undefined && absPath(before.workdir, args.dest.value) === dir;
    })
    .map((i) => i.line);
  return lines.length ? `; the COPY --chown at line${lines.length > 1 ? 's' : ''} ${lines.join(', ')} re-owns what it copies in, not ${dir} itself` : '';
}
