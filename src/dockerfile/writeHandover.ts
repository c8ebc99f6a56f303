/**
 * The directories a runtime user must own before `USER`: the ones the image mkdir's for the app,
 * the VOLUMEs, the compose named volumes, and the service's runtime writes (service.runtimeWrites,
 * the one write-path model: code, shared workspace packages, start commands), placed in the image
 * through its WORKDIR and COPY lines. A write ecsfix cannot place keeps the image root (blockers).
 * Used by every transform that adds a USER (dockerfile-non-root, the worker multistage rewrite),
 * and by the build check's runtime-writable (ECS510): can an image that already runs as non-root
 * write them?
 */
import { posix } from 'node:path';
import type { DockerInstruction, ParsedDockerfile } from '../repo/dockerfile.js';
import type { RepoModel, Service } from '../repo/model.js';
import type { Finding } from '../findings/finding.js';
import { copyArguments, copyFlag } from './copy.js';
import { runSteps } from './shell.js';
import { filesUnder } from '../repo/files.js';
import { deployedVolumes } from '../repo/compose.js';

export interface Handover {
  path: string;
  recursive: boolean;
  /** Not in the image yet: `mkdir -p` it first. */
  create: boolean;
  reason: string;
  /** Handed over only because compose mounts a volume there, not because the app is known to write it. */
  mount?: boolean;
  /** The reason is a write of the app's (not the image's mkdir or a mount): another write's reason is added to it. */
  written?: boolean;
  /** The working directory, written only itself (celery beat's schedule file): nothing below it is established as written. */
  workdir?: boolean;
  /** A VOLUME of the image: a new volume takes the mount point's ownership from the image. */
  volume?: boolean;
}

// System locations; /usr/src/<app> and /usr/app are app directories, the rest of /usr is not.
const SYSTEM_DIRS = /^\/(?:usr(?!\/src\/|\/app(?:\/|$))|etc|bin|sbin|lib|lib64|root|proc|sys|dev|boot|tmp|var\/lib|var\/cache|var\/tmp)(?:\/|$)/;
const CODE_SEGMENTS = /(?:^|\/)(?:node_modules|site-packages|dist-packages|\.git|\.venv|venv)(?:\/|$)/;

function resolveDir(cwd: string | null, p: string): string | null {
  if (p.includes('$') || /[{*?]/.test(p)) return null;
  if (p.startsWith('/')) return posix.normalize(p).replace(/(.)\/$/, '$1');
  return cwd === null ? null : posix.resolve(cwd, p);
}

/** Directories the image mkdir's for the app to write into (not ones it fills with content). */
function mkdirTargets(parsed: ParsedDockerfile, inForce: DockerInstruction[]): Handover[] {
  const out: Handover[] = [];
  const workdirs = new Set<string>(['/']);
  let workdir: string | null = '/';
  const runs = inForce.filter((i) => i.keyword === 'RUN');
  for (const ins of inForce) {
    if (ins.keyword === 'WORKDIR') {
      workdir = resolveDir(workdir ?? (ins.args.trim().startsWith('/') ? '/' : null), ins.args.trim());
      if (workdir) workdirs.add(workdir);
      continue;
    }
    if (ins.keyword !== 'RUN' || /<</.test(ins.args)) continue;
    const steps = runSteps(parsed, ins);
    let cwd = workdir;
    steps.forEach((step, index) => {
      const words = step.words.map((w) => w.value);
      if (words[0] === 'cd') cwd = words[1] ? resolveDir(cwd, words[1]) : null;
      if (words[0] !== 'mkdir') return;
      const args: string[] = [];
      for (let i = 1; i < words.length; i++) {
        const w = words[i] ?? '';
        if (w === '-m' || w === '--mode') i++;
        else if (!w.startsWith('-')) args.push(w);
      }
      const later = [
        ...steps.slice(index + 1).map((s) => s.text).filter((c) => !/^(?:chmod|chown|mkdir)\b/.test(c)),
        ...runs.filter((r) => r.start > ins.start).map((r) => r.args),
      ].join(' ');
      for (const arg of args) {
        const dir = resolveDir(cwd, arg);
        if (!dir || dir === '/' || SYSTEM_DIRS.test(dir) || CODE_SEGMENTS.test(dir)) continue;
        if (later.includes(arg.replace(/\/$/, '')) || later.includes(dir)) continue; // filled with content later
        if (!out.some((h) => h.path === dir)) out.push({ path: dir, recursive: false, create: false, reason: `created by mkdir at line ${ins.line}` });
      }
    });
  }
  return out.filter((h) => !workdirs.has(h.path));
}

/** Where a path of the service directory lands in the image, from the COPY lines; null when unknown. */
function containerPath(parsed: ParsedDockerfile, inForce: DockerInstruction[], service: Service, relPath: string): string | null {
  const rel = posix.relative('/' + (service.buildContext === '.' ? '' : service.buildContext), '/' + service.dir);
  const wanted = posix.normalize(posix.join(rel, relPath));
  let workdir: string | null = '/';
  let found: string | null = null;
  for (const ins of inForce) {
    if (ins.keyword === 'WORKDIR') workdir = resolveDir(workdir, ins.args.trim());
    if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
    const parts = copyArguments(parsed, ins);
    if (!parts || copyFlag(parts, 'from') !== undefined) continue;
    const dest = resolveDir(workdir, parts.dest.value);
    if (!dest) continue;
    for (const source of parts.sources) {
      const s = posix.normalize(source.value).replace(/\/$/, '');
      if (s === '.') found = posix.join(dest, wanted);
      else if (wanted === s) found = dest;
      else if (wanted.startsWith(s + '/')) found = posix.join(dest, wanted.slice(s.length + 1));
    }
  }
  return found;
}

/**
 * Where a `__dirname`-relative write lands: beside where the image holds the file that names it
 * (`path` is relative to the service directory, as the write lands in the repo's layout).
 */
function besideHeldFile(parsed: ParsedDockerfile, inForce: DockerInstruction[], service: Service, file: string, path: string): string | null {
  const fromService = posix.relative(service.dir, file);
  const held = containerPath(parsed, inForce, service, fromService);
  return held && posix.resolve(posix.dirname(held), posix.relative(posix.dirname(fromService), path));
}

/** The WORKDIR in force at the end of the stage: the process's working directory. */
function finalWorkdir(inForce: DockerInstruction[]): string | null {
  let workdir: string | null = '/';
  for (const ins of inForce) if (ins.keyword === 'WORKDIR') workdir = resolveDir(workdir, ins.args.trim());
  return workdir;
}

/** Container paths a VOLUME instruction declares (JSON or space-separated form). */
function volumePaths(ins: DockerInstruction): string[] {
  const args = ins.args.trim();
  let paths: string[] = [];
  if (args.startsWith('[')) {
    try {
      paths = (JSON.parse(args) as unknown[]).filter((p): p is string => typeof p === 'string');
    } catch {
      paths = [];
    }
  } else paths = args.split(/\s+/).filter(Boolean);
  return paths.filter((p) => p.startsWith('/') && !p.includes('$')).map((p) => posix.normalize(p).replace(/(.)\/$/, '$1'));
}

export interface Handed {
  dirs: Handover[];
  findings: Finding[];
  /** Writes ecsfix cannot resolve to a path, or cannot hand over: the user must not be switched. */
  blockers: Finding[];
  /** Writes under the runtime user's home directory (`path` relative to it): where that is depends on the user. */
  home: { path: string; reason: string }[];
}

/** Directories to hand to the user: mkdir'd ones, VOLUMEs, named volumes and the service's runtime writes. */
export function handovers(parsed: ParsedDockerfile, inForce: DockerInstruction[], services: Service[], repo: RepoModel, lastStep: DockerInstruction | undefined): Handed {
  const dirs = mkdirTargets(parsed, inForce);
  const findings: Finding[] = [];
  const blockers: Finding[] = [];
  const home: Handed['home'] = [];
  const hand = (path: string, recursive: boolean, create: boolean, reason: string, mount = false, volume = false) => {
    const known = dirs.find((d) => d.path === path);
    if (known) {
      // Several writes to one directory (a compose value and the code's default) are all named.
      if (mount || !known.written) known.reason = reason;
      else if (!known.reason.includes(reason)) known.reason = `${known.reason}; ${reason}`;
      if (!mount) known.written = true;
      known.recursive ||= recursive; // it exists already: the image mkdir's it
      if (!mount) delete known.mount; // the app writes it, whatever else mounts there
      if (volume) known.volume = true;
    } else dirs.push({ path, recursive, create, reason, ...(mount ? { mount } : { written: true, ...(volume ? { volume } : {}) }) });
  };
  const collectsAtBuild = inForce.some((i) => i.keyword === 'RUN' && /\bcollectstatic\b/.test(i.args));
  const workdir = finalWorkdir(inForce);
  for (const service of services) {
    for (const w of service.runtimeWrites ?? []) {
      const reason = `${w.reason} (${w.file}:${w.line})`;
      if (w.unresolved) {
        // When it is the start command's working directory that is unknown, the finding is on that line.
        const at = w.cwdAt && w.cwdAt.file === service.dockerfile ? { line: w.cwdAt.line } : {};
        blockers.push({ severity: 'warning', code: 'ECS155', message: `${w.reason}: \`${w.path}\` at ${w.file}:${w.line}; ecsfix cannot establish which directory that is or make it writable for the runtime user, so the image stays root. Make that directory owned by the runtime user (mkdir -p && chown before USER), then add USER`, ...at });
        continue;
      }
      if (w.home) {
        if (!home.some((h) => h.path === w.path)) home.push({ path: w.path, reason });
        continue;
      }
      if (w.fromWorkdir) {
        if (!workdir) {
          blockers.push({ severity: 'warning', code: 'ECS155', message: `${reason}, relative to the working directory, which the image sets with a variable; left as root` });
          continue;
        }
        const path = posix.resolve(workdir, w.path);
        if (path === '/') {
          blockers.push({ severity: 'warning', code: 'ECS155', message: `${reason}: the app writes into its working directory / itself; left as root. Give it a WORKDIR of its own, owned by the runtime user` });
          continue;
        }
        // The working directory itself: the user must own it to create files there, not the code below it.
        const known = path === workdir ? dirs.find((d) => d.path === path) : undefined;
        if (known) known.reason = reason;
        else if (path === workdir) dirs.push({ path, recursive: false, create: false, reason, workdir: true });
        else hand(path, !w.flat, true, reason);
        continue;
      }
      const path = w.absolute ? w.path : w.besideFile ? besideHeldFile(parsed, inForce, service, w.besideFile, w.path) : containerPath(parsed, inForce, service, w.path);
      if (!path && w.besideFile) {
        blockers.push({ severity: 'warning', code: 'ECS155', message: `${reason}; no COPY of the build context shows where the image holds ${w.besideFile}, so which directory __dirname is there is not established and the image stays root. Make that directory owned by the runtime user (mkdir -p && chown before USER), then add USER` });
        continue;
      }
      if (!path) {
        findings.push({ code: 'ECS123', severity: 'warning', message: `${w.reason} (${w.path}, ${w.file}:${w.line}) but no COPY shows where it lands in the image; make sure the runtime user can write it` });
        continue;
      }
      if (w.recursive) {
        hand(path, true, true, reason);
        continue;
      }
      const repoRel = posix.join(service.dir, w.path);
      const inRepo = !w.absolute && filesUnder(repo.files, repoRel + '/').length > 0;
      hand(path, !w.flat && (inRepo || collectsAtBuild), !inRepo && !collectsAtBuild, reason);
    }
    // A new named volume takes its ownership (and content) from the image's directory at the mount point.
    for (const v of deployedVolumes(service.compose))
      if (!v.readOnly && (v.source === null || !/^[./~$]/.test(v.source)) && v.target.startsWith('/') && !SYSTEM_DIRS.test(v.target))
        hand(posix.normalize(v.target), false, true, `compose mounts the ${v.source ? `named volume ${v.source}` : 'anonymous volume'} there (${v.file ?? service.compose?.file})`, true);
  }
  // A VOLUME in the image: a new volume takes the mount point's ownership from the image. Changes a
  // RUN makes after the VOLUME line are discarded by the classic builder, so the chown must come first.
  for (const ins of inForce.filter((i) => i.keyword === 'VOLUME')) {
    if (lastStep && ins.start < lastStep.start) {
      blockers.push({ severity: 'warning', code: 'ECS156', message: `VOLUME ${ins.args.trim()} comes before the image's last RUN step, so a chown placed before USER would come after it (discarded by the classic builder); left as root. Move the VOLUME line to the end of the stage, then run this transform again`, line: ins.line });
      continue;
    }
    for (const path of volumePaths(ins)) hand(path, false, true, `VOLUME at line ${ins.line}: a new volume takes the mount point's ownership from the image`, false, true);
  }
  return { dirs, findings, blockers, home };
}

export function chownCommands(dirs: Handover[], owner: string): string[] {
  const cmds: string[] = [];
  const create = dirs.filter((d) => d.create).map((d) => d.path).filter((p, _, all) => !all.some((o) => o.startsWith(p + '/')));
  if (create.length) cmds.push(`mkdir -p ${create.join(' ')}`);
  const flat = dirs.filter((d) => !d.recursive).map((d) => d.path);
  if (flat.length) cmds.push(`chown ${owner} ${flat.join(' ')}`);
  const deep = dirs.filter((d) => d.recursive).map((d) => d.path).filter((p, _, all) => !all.some((o) => p.startsWith(o + '/')));
  if (deep.length) cmds.push(`chown -R ${owner} ${deep.join(' ')}`);
  return cmds;
}
