/**
 * cmd-program (ECS506): the deployed stage's `CMD`/`ENTRYPOINT` starts a package manager (pnpm,
 * yarn) that its image does not have. A stock node image ships node, npm and npx (and yarn 1 up to
 * node 22), never pnpm: `npm i -g pnpm` or `corepack enable` in a builder stage does not put it in
 * a runner stage built `FROM node:*`, so `CMD ["pnpm", "start"]` there exits at start.
 *
 * Blocking only when that is established: the stage chain's base is a stock node image and no RUN
 * of the stage or of the stages it is built FROM names the program or enables corepack. A COPY
 * that may bring the program along (it names it, or writes below /usr or /opt), or an ENV that
 * changes PATH, leaves it open: info. A base that is not a stock node image: nothing.
 */
import { posix } from 'node:path';
import { stageChain, type DockerInstruction, type DockerStage } from '../../repo/dockerfile.js';
import { lookup } from '../../dockerfile/imageFiles.js';
import { instructionWords } from '../../dockerfile/shell.js';
import { shipsCorepack } from '../../repo/baseImage.js';
import { workdirBefore } from './deployed.js';
import { stageLabel, type BuildCheckContext, type BuildFinding } from './context.js';
import { packageInDir } from '../../repo/packageIndex.js';

/** The package managers a start command may run that a node image may lack. */
const PACKAGE_MANAGERS = new Set(['pnpm', 'pnpx', 'yarn', 'yarnpkg']);

/** The last node major whose official images ship yarn 1 (later ones are not established here). */
const LAST_NODE_MAJOR_WITH_YARN = 22;

/** The program a start command runs, and the words after it (`sh -c "pnpm start"` is followed). */
function startProgram(words: string[]): { program: string; args: string[] } | null {
  const at = words.findIndex((w) => w !== 'env' && !/^[A-Za-z_]\w*=/.test(w));
  if (at < 0) return null;
  const rest = words.slice(at);
  const [first, flag, script] = rest as [string, ...string[]];
  if (/^(?:\/bin\/)?(?:sh|bash|ash|dash)$/.test(first) && flag === '-c' && script) return startProgram(script.trim().split(/\s+/));
  return { program: first, args: rest.slice(1) };
}

/** The start command in force for the deployed stage: the chain's ENTRYPOINT (unless it is the node image's own wrapper), else its CMD. */
function startInstruction(ctx: BuildCheckContext, stage: DockerStage): DockerInstruction | null {
  const inChain = stageChain(ctx.build.parsed, stage).flatMap((s) => [...s.instructions].reverse());
  const entrypoint = inChain.find((i) => i.keyword === 'ENTRYPOINT');
  const cmd = inChain.find((i) => i.keyword === 'CMD');
  if (entrypoint && !/docker-entrypoint\.sh/.test(entrypoint.args)) return entrypoint;
  return cmd ?? null;
}

type Presence = 'installed' | 'maybe' | 'absent';

/** Whether the stage chain installs the program: a RUN that names it or enables corepack; a COPY or PATH change that may bring it. */
function presenceInChain(ctx: BuildCheckContext, stage: DockerStage, program: string): Presence {
  const installs = program === 'pnpx' ? 'pnpm' : program === 'yarnpkg' ? 'yarn' : program;
  const names = new RegExp(`(?:^|[\\s/@"'=])${installs}(?:$|[\\s@"':/])`);
  let presence: Presence = 'absent';
  for (const ins of stageChain(ctx.build.parsed, stage).flatMap((s) => s.instructions)) {
    if (ins.keyword === 'RUN' && (names.test(ins.args) || /\bcorepack\s+enable\b/.test(ins.args))) return 'installed';
    if ((ins.keyword === 'COPY' || ins.keyword === 'ADD') && (names.test(ins.args) || /\s\/(?:usr|opt)\//.test(` ${ins.args}`))) presence = 'maybe';
    if (ins.keyword === 'ENV' && /\bPATH\b/.test(ins.args)) presence = 'maybe';
  }
  return presence;
}

/** What to run instead: the start script's own command when the package in the working directory has a simple one. */
function directCommand(ctx: BuildCheckContext, start: DockerInstruction, args: string[]): string | null {
  const deployed = ctx.deployed;
  if (!deployed) return null;
  const script = args[0] === 'run' || args[0] === 'run-script' ? args[1] : args[0];
  if (!script || args.length > (args[0] === 'run' || args[0] === 'run-script' ? 2 : 1)) return null;
  const manifest = lookup(deployed.files, posix.join(workdirBefore(ctx.build.parsed, deployed.stage.index, start), 'package.json'), ctx.build.files);
  const dir = manifest?.rel ? posix.dirname(manifest.rel).replace(/^\.$/, '') : null;
  const command = dir === null ? undefined : packageInDir(ctx.repo.workspacePackages, dir)?.scripts[script];
  if (!command || /[&|;$<>`]|^\w+=/.test(command)) return null;
  const [bin, ...rest] = command.trim().split(/\s+/);
  const program = bin === 'node' ? 'node' : `node_modules/.bin/${bin}`;
  return `CMD ${JSON.stringify([program, ...rest])}`;
}

export function cmdProgram(ctx: BuildCheckContext): BuildFinding[] {
  const deployed = ctx.deployed;
  if (!deployed) return [];
  const start = startInstruction(ctx, deployed.stage);
  if (!start) return [];
  const found = startProgram(instructionWords(ctx.build.parsed, start).words.map((w) => w.value));
  if (!found || !PACKAGE_MANAGERS.has(found.program)) return [];
  const { program, args } = found;
  const base = deployed.stage.base;
  if (base.family !== 'node' || base.name !== 'node' || base.distro === 'distroless') return [];
  const major = Number(/^(\d+)/.exec(base.tag ?? '')?.[1] ?? NaN);
  const isYarn = program.startsWith('yarn');
  if (isYarn && major <= LAST_NODE_MAJOR_WITH_YARN) return [];
  const presence = presenceInChain(ctx, deployed.stage, program);
  if (presence === 'installed') return [];
  const stage = stageLabel(deployed.stage);
  const direct = directCommand(ctx, start, args);
  // corepack only where the base is established to ship it (node 25+ images do not).
  const install = shipsCorepack(deployed.stage.base) ? 'corepack enable' : `npm install -g ${program === 'pnpx' ? 'pnpm' : program === 'yarnpkg' ? 'yarn' : program}`;
  const fix = `add \`RUN ${install}\` to the ${stage} stage${direct ? `, or start it without ${program}: \`${direct}\`` : `, or start the app with node (or node_modules/.bin/<tool>) directly`}`;
  if (presence === 'maybe' || isYarn) {
    const why = isYarn ? `${base.reference} may not ship yarn (node images up to ${LAST_NODE_MAJOR_WITH_YARN} do)` : `a COPY or PATH change of the ${stage} stage may provide it`;
    return [{ code: 'ECS506', severity: 'info', line: start.line, message: `could not confirm that ${program}, which ${start.keyword} runs, is in the image: ${why}; if it is not, ${fix}` }];
  }
  return [
    {
      code: 'ECS506',
      severity: 'blocking',
      line: start.line,
      message: `${start.keyword} runs ${program}, but the ${stage} stage (${base.reference}) has no ${program}: the node image does not ship it and no RUN of this stage installs it (installing it in another stage does not carry over), so the container exits at start; ${fix}`,
    },
  ];
}
