/**
 * dockerfile-non-root: the deployed stage of every service image runs as a non-root user.
 *
 * The user: one the image already sets up (an earlier `USER`, a user its RUN lines create, a base
 * image's built-in user such as distroless `nonroot`), else the repo's own convention (the user
 * its HTTP images create, e.g. `nodejs:1001`) created with the commands that fit this stage's
 * distro, else the official node image's `node`, else a system user `app` (uid/gid 1001).
 *
 * Placement: after the last step that needs root (the last RUN, or a `USER root`), right before
 * the runtime instructions (and before a VOLUME, whose mount point must be chowned first). The
 * directories the process writes (service.runtimeWrites: log and data directories its code and
 * shared workspace packages create, caches `prisma generate`/Vite/`next start` write, Django's
 * STATIC_ROOT and migrations; dirs the image mkdir's for it; VOLUMEs and named volumes) get a
 * targeted `mkdir -p && chown`, never a blanket `chown -R` of the app. A write ecsfix cannot
 * resolve to a path keeps the image as root, reported with the line that writes. nginx/httpd/caddy frontends are reported, not changed: they bind a port
 * below 1024 and write their pid and cache under root-owned paths.
 */
import { posix } from 'node:path';
import { deployedStage, effectiveInstructions, isRootUser, type DockerInstruction, type DockerStage, type ParsedDockerfile } from '../src/repo/dockerfile.js';
import { isDockerfileName } from '../src/repo/dockerfileName.js';
import { servicesForFile, type RepoModel, type Service } from '../src/repo/model.js';
import { deployedVolumes } from '../src/repo/compose.js';
import type { Finding } from '../src/findings/finding.js';
import { copyArguments, copyFlag } from '../src/dockerfile/copy.js';
import { usersCreatedBy } from '../src/dockerfile/users.js';
import { replaceRange, type TextEdit } from '../src/edits.js';
import type { Transform, TransformInput, TransformResult } from '../src/transform.js';
import { argumentsRange, insertLinesAfter, insertParagraphBefore, keyword, runInstructionLines } from '../src/dockerfile/edit.js';
import { userCreationCommands } from './lib/user-create.js';
import { checkDockerfileBuild } from '../src/check/build/index.js';
import { chownCommands, handovers, type Handover } from '../src/dockerfile/writeHandover.js';
import { rootHomeDependency } from './lib/root-home.js';
import { startPackageUnknown } from './lib/start-package.js';
import { assumedBaseFinding } from './lib/base-assumption.js';
import { parseForBuilds } from '../src/repo/buildArgs.js';

const DEFAULT_USER = { user: 'app', group: 'app', uid: 1001, gid: 1001 };
const RUNTIME = new Set(['HEALTHCHECK', 'CMD', 'ENTRYPOINT', 'VOLUME']);
const VERIFY = 'files the process writes are owned by the new user, the port it listens on is >= 1024, and volumes mounted into the container are writable by that user';

interface RunAs {
  user: string;
  group: string | null;
  uid: number | null;
  /** Commands that create the user on this stage; empty when it already exists. */
  create: string[];
  /** For the note: where the user comes from. */
  why: string;
  /** The comment line above the inserted lines (without `# `). */
  comment: string;
}


/** The services built from a Dockerfile: every role counts (HTTP, worker, frontend, unknown). */
function builtServices(path: string, repo: RepoModel): Service[] {
  return servicesForFile(repo, path);
}

/** A base image that already runs as a non-root user when no USER is given. */
function nonRootByDefault(stage: DockerStage): boolean {
  const { name, tag, distro } = stage.base;
  if (distro === 'distroless' && /(^|-)nonroot\b/.test(tag ?? '')) return true;
  return /nginx-unprivileged|(^|\/)bitnami\//.test(name);
}

/** Chooses the user for the stage; null when the stage's distro gives no way to create one. */
function chooseUser(parsed: ParsedDockerfile, stage: DockerStage, inForce: DockerInstruction[], repo: RepoModel, earlierUser: string | null): { runAs: RunAs | null; findings: Finding[] } {
  const findings: Finding[] = [];
  if (earlierUser) {
    const [user = earlierUser, group = null] = earlierUser.split(':');
    return { runAs: { user, group, uid: /^\d+$/.test(user) ? Number(user) : null, create: [], why: 'the user set earlier in the image', comment: `Back to ${earlierUser} once the steps that need root are done` }, findings };
  }
  const { base } = stage;
  if (base.distro === 'distroless') {
    const builtin = base.builtinUser ?? { name: 'nonroot', uid: 65532 };
    return { runAs: { user: builtin.name, group: builtin.name, uid: builtin.uid, create: [], why: `distroless's built-in ${builtin.name} user`, comment: `Run as distroless's built-in ${builtin.name} user (no shell here to create one)` }, findings };
  }
  const { users: createdUsers, groups: createdGroups } = usersCreatedBy(parsed, inForce);
  const conv = repo.userConvention;
  const existing = createdUsers.find((u) => u.name === conv?.user) ?? createdUsers[createdUsers.length - 1];
  if (existing) {
    return { runAs: { user: existing.name, group: existing.group, uid: existing.uid, create: [], why: 'the user this image already creates', comment: `Run as ${existing.name}, the user created above, not as root` }, findings };
  }
  const distro = base.distro === 'alpine' || base.distro === 'debian' ? base.distro : null;
  if (conv && distro) {
    const builtin = base.builtinUser;
    const clash = builtin && builtin.name !== conv.user && (conv.uid === builtin.uid || conv.gid === builtin.uid);
    if (!clash) {
      const groupExists = createdGroups.some((g) => g.name === conv.group);
      const label = `${conv.user}${conv.uid !== null ? `:${conv.uid}` : ''}`;
      return {
        runAs: {
          user: conv.user,
          group: conv.group,
          uid: conv.uid,
          create: userCreationCommands(distro, { user: conv.user, group: conv.group, uid: conv.uid, gid: conv.gid }, groupExists) ?? [],
          why: `the repo's non-root user ${label}, as in ${conv.seenIn.length > 1 ? `its ${conv.seenIn.length} HTTP images` : conv.seenIn[0]}`,
          comment: `Run as ${label}, the non-root user of the repo's HTTP images`,
        },
        findings,
      };
    }
    findings.push({ code: 'ECS122', severity: 'info', message: `the repo's user ${conv.user} (uid ${conv.uid}) clashes with ${base.reference}'s built-in ${builtin.name} (uid ${builtin.uid}); using ${builtin.name}` });
  }
  if (base.builtinUser && base.family === 'node') {
    const b = base.builtinUser;
    return { runAs: { user: b.name, group: b.name, uid: b.uid, create: [], why: `the ${b.name} user ${base.name} images ship`, comment: `Run as the ${b.name} user the base image ships, not as root` }, findings };
  }
  if (distro) {
    const d = DEFAULT_USER;
    const groupExists = createdGroups.some((g) => g.name === d.group);
    return { runAs: { user: d.user, group: d.group, uid: d.uid, create: userCreationCommands(distro, d, groupExists) ?? [], why: 'an unprivileged system user', comment: 'Run as an unprivileged user, not as root' }, findings };
  }
  return { runAs: null, findings };
}

/**
 * Writable compose mounts of the services, now that the container is not root: a warning for a
 * mount where the app is established to write (a directory it writes is the mount or below or above
 * it), an info ("if the app writes there") for any other, e.g. a source bind mount it only reads.
 */
function volumeNotes(services: Service[], runAs: RunAs, written: Handover[]): Finding[] {
  const findings: Finding[] = [];
  const who = `${runAs.user}${runAs.uid !== null ? ` (uid ${runAs.uid})` : ''}`;
  // A directory written only itself (the working directory celery beat keeps its schedule in) says nothing of the ones below it.
  const writesIn = (target: string) => written.some((w) => w.path === target || w.path.startsWith(target + '/') || (!w.workdir && target.startsWith(w.path + '/')));
  for (const s of services) {
    const writable = deployedVolumes(s.compose).filter((v) => !v.readOnly);
    for (const established of [true, false]) {
      const mounts = writable.filter((v) => writesIn(posix.normalize(v.target)) === established);
      if (!mounts.length) continue;
      const list = mounts.map((v) => `${v.source ?? '(anonymous)'}:${v.target} (${v.file ?? s.compose?.file})`).join(', ');
      const bind = mounts.some((v) => v.source !== null && /^[./~$]/.test(v.source));
      const named = mounts.some((v) => v.source === null || !/^[./~$]/.test(v.source));
      const why = [
        bind ? 'a bind mount keeps the host directory\'s ownership' : '',
        named ? 'a volume created before this change keeps its root ownership (recreate or chown it)' : '',
      ].filter(Boolean);
      findings.push(
        established
          ? { code: 'ECS124', severity: 'warning', message: `compose mounts ${list} into "${s.name}", where the app writes; the container now runs as ${who}, so they must be writable by that user: ${why.join('; ')}` }
          : { code: 'ECS124', severity: 'info', message: `compose mounts ${list} into "${s.name}"; nothing shows the app writes there, but if it does, the mount must be writable by ${who}: ${why.join('; ')}` },
      );
    }
  }
  return findings;
}

/**
 * Writes under the runtime user's home (`~/.cache/...`): for a user this transform creates, its home
 * /home/<user> (which `useradd --no-create-home` leaves missing) is made and handed to it; the node
 * image's `node` user has its own /home/node already. Any other user's home (or a HOME the image or
 * compose sets) is not established: blockers.
 */
function homeHandovers(stage: DockerStage, inForce: DockerInstruction[], services: Service[], runAs: RunAs, handed: { dirs: Handover[]; home: { path: string; reason: string }[] }): Finding[] {
  if (!handed.home.length) return [];
  const said = handed.home.map((h) => `${h.reason}`).join('; ');
  const setsHome = inForce.find((i) => i.keyword === 'ENV' && /(?:^|\s)HOME[=\s]/.test(i.args)) ?? services.find((s) => s.compose?.environment && 'HOME' in s.compose.environment);
  if (setsHome)
    return [{ code: 'ECS155', severity: 'warning', message: `${said}; HOME is set by ${'line' in setsHome && 'keyword' in setsHome ? `ENV at line ${setsHome.line}` : `compose for "${(setsHome as Service).name}"`}, so which directory that is is not established; left as root. Make it owned by the runtime user, then add USER` }];
  if (runAs.create.length) {
    const home = `/home/${runAs.user}`;
    const reason = `the home directory of ${runAs.user}: ${said}`;
    handed.dirs.push({ path: home, recursive: true, create: true, reason, written: true });
    for (const h of handed.home) if (h.path !== '.') handed.dirs.push({ path: posix.join(home, h.path), recursive: true, create: true, reason: h.reason, written: true });
    return [];
  }
  const builtin = stage.base.family === 'node' && stage.base.builtinUser?.name === runAs.user;
  if (builtin) return []; // /home/node, owned by node, ships with the image
  return [{ code: 'ECS155', severity: 'warning', message: `${said}; ecsfix cannot establish that ${runAs.user}'s home directory exists and is owned by it, so the image stays root. Make it so (mkdir -p && chown before USER), then add USER` }];
}

/** Edits for one deployed stage, or findings saying why it is left alone. */
/**
 * ECS157 when the static build check (the one `check` runs) establishes that the image built for
 * one of `services` cannot build or start as it is (a blocking finding other than root at runtime).
 */
function cannotBuildOrStart(parsed: ParsedDockerfile, path: string, text: string, repo: RepoModel, services: Service[]): Finding | null {
  // A COPY --from a stage whose RUN steps (`npm run build`) may make what the check cannot see is no proof.
  const fromStage = (line: number) => parsed.instructions.some((i) => i.line === line && i.keyword === 'COPY' && fromFlag(parsed, i));
  for (const service of services) {
    const problem = checkDockerfileBuild(text, repo, { path, service }).find((f) => f.severity === 'blocking' && f.code !== RUNTIME_ROOT && !(f.code === COPY_SOURCE && fromStage(f.line)));
    if (problem)
      return {
        code: 'ECS157',
        severity: 'warning',
        line: problem.line,
        message: `"${service.name}" left as root: its image cannot build or start as it is (${problem.code} at line ${problem.line}: ${problem.message}), so no USER is added to it; fix that, then run ecsfix again`,
      };
  }
  return null;
}

/** The build check's code for "the deployed stage runs as root": what this transform fixes, not a reason to hold back. */
const RUNTIME_ROOT = 'ECS505';
function fromFlag(parsed: ParsedDockerfile, ins: DockerInstruction): boolean {
  const args = copyArguments(parsed, ins);
  return args !== null && copyFlag(args, 'from') !== undefined;
}

/** The build check's code for a COPY source that is missing. */
const COPY_SOURCE = 'ECS502';

function fixStage(parsed: ParsedDockerfile, stage: DockerStage, services: Service[], repo: RepoModel, read: (path: string) => string | null): { edits: TextEdit[]; findings: Finding[]; user?: string } {
  const none = (findings: Finding[] = []) => ({ edits: [], findings });
  if (!isRootUser(stage.user)) return none();
  const inForce = effectiveInstructions(parsed, stage);
  const users = inForce.filter((i) => i.keyword === 'USER');
  const lastUser = users[users.length - 1];
  if (!lastUser && nonRootByDefault(stage)) return none();
  const names = services.map((s) => `"${s.name}"`).join(', ');
  const where = lastUser ? lastUser.line : stage.from.line;

  const { family, reference } = stage.base;
  if (family === 'nginx' || family === 'httpd' || family === 'caddy') {
    const port = services.find((s) => s.port !== null)?.port ?? null;
    return none([
      {
        code: 'ECS125',
        severity: 'warning',
        message:
          `${names} runs ${reference} as root, left unchanged: the server binds port ${port ?? 80} and writes its pid, cache and rendered config under root-owned paths. ` +
          `To run it as non-root${family === 'nginx' ? ' (dockerfile-nginx-non-root does this for the official nginx image where it can)' : ''}, switch to an unprivileged image (for nginx: nginxinc/nginx-unprivileged, whose default user cannot run \`apk add\`/\`apt-get\`), ` +
          `make it listen on a port >= 1024 (e.g. \`listen 8080\` in its config) and use that port in compose, the ECS task definition and the ALB target group`,
        line: stage.from.line,
      },
    ]);
  }
  const onbuild = inForce.find((i) => i.keyword === 'ONBUILD');
  if (onbuild)
    return none([
      {
        code: 'ECS159',
        severity: 'warning',
        message: `${names} is a base image with ONBUILD steps, which run in every image built FROM it under the user it ends with; left as root so they keep working. Set the non-root USER in the images built from it`,
        line: onbuild.line,
      },
    ]);
  const lowPort = services.find((s) => s.role !== 'worker' && s.port !== null && s.port < 1024);
  if (lowPort)
    return none([
      {
        code: 'ECS126',
        severity: 'warning',
        message: `"${lowPort.name}" listens on port ${lowPort.port}, which only root can bind; left as root. Move it to a port >= 1024 (and update compose, the task definition and the target group), then run this transform again`,
        line: where,
      },
    ]);

  const rootAtEnd = lastUser && lastUser.stageIndex === stage.index ? lastUser : null;
  const earlier = rootAtEnd ? users.slice(0, -1).reverse().find((u) => !isRootUser(u.args.trim())) : undefined;
  const chosen = chooseUser(parsed, stage, inForce, repo, earlier ? earlier.args.trim() : null);
  const { runAs } = chosen;
  const findings = [...chosen.findings];
  // A base named through a build variable with no established value (no default, builds that disagree).
  const unsettled = stage.fromVariables.filter((v) => v.value === null);
  if (!runAs)
    return none([
      ...findings,
      {
        code: 'ECS127',
        severity: 'warning',
        message: `${names} runs as root; left unchanged because ecsfix cannot tell which commands create a user on ${reference || 'this base image'} (not alpine, debian or distroless${unsettled.length ? `: ${unsettled.map((v) => v.where).join('; ')}` : ''}). Add a non-root USER by hand`,
        line: where,
      },
    ]);

  const context = services[0]?.buildContext;
  const rootHome = rootHomeDependency(parsed, inForce, (name) => read(context ? `${context}/${name}` : name));
  if (rootHome)
    return none([
      ...findings,
      {
        code: 'ECS158',
        severity: 'warning',
        message: `${names} left as root: ${rootHome.what}, and root's home (/root, mode 0700) is closed to ${runAs.user}: the process could not reach them, and the start (or what it loads) would fail. Install into a path every user can read (pip without --user, a venv under /opt or /app, or \`COPY --from=... /root/.local /usr/local\`), then run ecsfix again`,
        line: rootHome.line,
      },
    ]);
  const owner = runAs.group ? `${runAs.user}:${runAs.group}` : runAs.user;
  const steps = stage.instructions.filter((i) => i.keyword === 'RUN' || i.keyword === 'USER');
  const lastStep = steps[steps.length - 1];
  const handed = handovers(parsed, inForce, services, repo, lastStep);
  findings.push(...handed.findings);
  handed.blockers.push(...homeHandovers(stage, inForce, services, runAs, handed));
  if (handed.blockers.length) return none([...findings, ...handed.blockers.map((b) => ({ ...b, line: b.line ?? where }))]);
  if (handed.dirs.length && stage.base.distro === 'distroless')
    return none([
      ...findings,
      {
        code: 'ECS128',
        severity: 'warning',
        message: `${names} writes ${handed.dirs.map((d) => d.path).join(', ')}, which ${reference} (no shell) cannot chown; left as root. Copy those directories in with \`COPY --chown=${owner}\`, then add \`USER ${runAs.user}\``,
        line: where,
      },
    ]);
  const commands = [...runAs.create, ...chownCommands(handed.dirs, owner)];
  const userLine = `${keyword(parsed, 'USER')} ${runAs.user}`;

  let edit: TextEdit;
  const runsAfterRoot = rootAtEnd ? stage.instructions.some((i) => i.keyword === 'RUN' && i.start > rootAtEnd.start) : true;
  if (rootAtEnd && !runsAfterRoot && commands.length === 0) {
    // Nothing after `USER root` needs root: switch that line to the user.
    const range = argumentsRange(parsed, rootAtEnd);
    edit = replaceRange(range.start, range.end, runAs.user);
  } else {
    const written = handed.dirs.length ? '; it owns the directories the app writes' : '';
    const lines = [`# ${runAs.comment}${written}.`, ...(commands.length ? runInstructionLines(parsed, commands) : []), userLine];
    const anchor = stage.instructions.find((i) => RUNTIME.has(i.keyword) && (!lastStep || i.start > lastStep.start));
    const last = stage.instructions[stage.instructions.length - 1] as DockerInstruction;
    edit = anchor ? insertParagraphBefore(parsed, anchor, lines) : insertLinesAfter(parsed, last, lines);
  }

  const dirsSaid = handed.dirs.length ? `; ${owner} owns ${handed.dirs.map((d) => `${d.path} (${d.reason})`).join(', ')}` : '';
  const how = runAs.create.length ? `created with ${runAs.create.map((c) => c.split(' ')[0]).join('/')}` : 'no new user created';
  findings.push({
    code: 'ECS121',
    severity: 'info',
    message: `${names} now runs as ${runAs.user}${runAs.uid !== null ? ` (uid ${runAs.uid})` : ''}: ${runAs.why}, ${how}${dirsSaid}. Verify: ${VERIFY}`,
    line: where,
  });
  // The commands that create the user (and a distroless image's built-in one) fit the base image's variant.
  const assumed = runAs.create.length || stage.base.distro === 'distroless' ? assumedBaseFinding(parsed, stage, `the user ${runAs.create.length ? `creation (${runAs.create.map((c) => c.split(' ')[0]).join('/')})` : runAs.user}`) : null;
  if (assumed) findings.push(assumed);
  if (rootAtEnd) findings.push({ code: 'ECS129', severity: 'info', message: `the final stage ended with \`USER ${rootAtEnd.args.trim()}\`; it now ends as ${runAs.user}`, line: rootAtEnd.line });
  findings.push(...volumeNotes(services, runAs, handed.dirs.filter((d) => !d.mount)));
  return { edits: [edit], findings, user: runAs.user };
}

export const dockerfileNonRoot: Transform = {
  id: 'dockerfile-non-root',
  title: 'The deployed stage runs as a non-root user created with commands that fit its base image',
  kinds: ['dockerfile'],
  safety: 'behavior-changing',
  fixes: 'a service image that runs as root (or ends with USER root)',
  verify: VERIFY,
  appliesTo: (path, repo) => isDockerfileName(path) && builtServices(path, repo).length > 0,
  run({ path, text, repo, read }: TransformInput): TransformResult {
    const services = builtServices(path, repo);
    if (services.length === 0) return { edits: [], findings: [] };
    const parsed = parseForBuilds(text, path, repo);
    const byStage = new Map<DockerStage, Service[]>();
    for (const service of services) {
      const stage = deployedStage(parsed, service.target);
      if (stage) byStage.set(stage, [...(byStage.get(stage) ?? []), service]);
    }
    const edits: TextEdit[] = [];
    const findings: Finding[] = [];
    const switched = new Map<DockerStage, string>();
    for (const [stage, stageServices] of byStage) {
      // Which package runs (and so what it writes) is not established: the image stays root.
      const unknownPackage = isRootUser(stage.user) ? startPackageUnknown(path, stageServices, 'the image stays root') : null;
      if (unknownPackage) {
        findings.push(unknownPackage.line === undefined ? { ...unknownPackage, line: stage.from.line } : unknownPackage);
        continue;
      }
      let result: { edits: TextEdit[]; findings: Finding[]; user?: string } = fixStage(parsed, stage, stageServices, repo, read);
      // An image the build check finds cannot build or start gets no USER: it has to be fixed (or rewritten) first.
      const broken = result.edits.length ? cannotBuildOrStart(parsed, path, text, repo, stageServices) : null;
      if (broken) result = { edits: [], findings: [broken] };
      edits.push(...result.edits);
      findings.push(...result.findings);
      if (result.user) switched.set(stage, result.user);
    }
    // A stage built FROM a switched one inherits its USER: its own RUN steps keep running as root.
    for (const child of parsed.stages) {
      const parent = child.parentStage === null ? undefined : parsed.stages[child.parentStage];
      const user = parent && switched.get(parent);
      if (!user) continue;
      const first = child.instructions.find((i) => i.keyword === 'RUN' || i.keyword === 'USER');
      if (first?.keyword !== 'RUN') continue;
      const label = child.name ? `stage "${child.name}"` : `stage ${child.index + 1}`;
      edits.push(insertLinesAfter(parsed, child.from, [`# The steps below still run as root; stage "${parent.name ?? parent.index + 1}" now ends as ${user}.`, `${keyword(parsed, 'USER')} root`]));
      findings.push({ code: 'ECS130', severity: 'info', message: `${label} builds on the switched stage and runs RUN steps: it starts with USER root so they still run as root`, line: child.from.line });
    }
    return { edits, findings };
  },
};
