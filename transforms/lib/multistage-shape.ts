/**
 * The multi-stage shape the repo's HTTP services already use, read from their Dockerfiles in the
 * model: stage names, how pnpm is installed, the native toolchain of the deps stage, and how the
 * runtime stage makes workspace packages resolvable (npm `file:` rewrite + `npm install --omit=dev`,
 * or pnpm). A transform that writes a new multi-stage Dockerfile follows the majority shape.
 */
import { deployedStage, type DockerStage, type ParsedDockerfile } from '../../src/repo/dockerfile.js';
import type { RepoModel } from '../../src/repo/model.js';

export type RuntimeDeps = 'npm-file' | 'pnpm';

export interface MultistageShape {
  names: { base: string; deps: string; builder: string; runtime: string };
  /** The RUN arguments that install pnpm (`corepack enable && corepack prepare pnpm@X --activate`), with `{version}`. */
  pnpmInstall: string;
  /** The RUN arguments of the deps stage's native toolchain install, if the siblings have one. */
  toolchain: string | null;
  runtimeDeps: RuntimeDeps;
  /** The runtime stage `chown -R`s the app directory to the user. */
  chownApp: boolean;
  /** The runtime stage sets NODE_ENV=production. */
  nodeEnvProduction: boolean;
  /** The runtime stage's RUNs that create its user and groups (`addgroup ... && adduser ...`), its distro, and the user it creates. */
  userCreation: { command: string; distro: string; user: string } | null;
  /** Dockerfiles the shape was read from ([] = the built-in layout). */
  seenIn: string[];
}

export const BUILTIN_SHAPE: MultistageShape = {
  names: { base: 'base', deps: 'deps', builder: 'builder', runtime: 'runtime' },
  pnpmInstall: 'corepack enable && corepack prepare pnpm@{version} --activate',
  toolchain: null,
  runtimeDeps: 'pnpm',
  chownApp: false,
  nodeEnvProduction: true,
  userCreation: null,
  seenIn: [],
};

const PNPM_INSTALL = /^(.*?\b(?:corepack\s+prepare|corepack\s+use|npm\s+(?:i|install|add)\s+(?:-g|--global)|npm\s+(?:-g|--global)\s+(?:i|install))\s+pnpm)(?:@\S*)?(.*)$/s;
const TOOLCHAIN = /\b(?:apk\s+add|apt-get\s+(?:-\S+\s+)*install)\b.*\b(?:python3?|make|g\+\+|build-base|build-essential)\b/s;

function majority<T>(values: T[], fallback: T): T {
  const counts = new Map<string, { v: T; n: number }>();
  for (const v of values) {
    const key = JSON.stringify(v);
    const c = counts.get(key) ?? { v, n: 0 };
    c.n++;
    counts.set(key, c);
  }
  return [...counts.values()].sort((a, b) => b.n - a.n)[0]?.v ?? fallback;
}

function runs(stage: DockerStage | undefined): string[] {
  return stage?.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args.replace(/\\\n/g, ' ').replace(/\s+/g, ' ').trim()) ?? [];
}

interface SiblingShape {
  path: string;
  names: MultistageShape['names'];
  pnpmInstall: string | null;
  toolchain: string | null;
  runtimeDeps: RuntimeDeps | null;
  chownApp: boolean;
  nodeEnvProduction: boolean;
  userCreation: MultistageShape['userCreation'];
}

const USER_CREATION = /^(?:(?:addgroup|adduser|groupadd|useradd)\b[^&;|]*?(?:&&\s*|$))+$/;

function readShape(path: string, parsed: ParsedDockerfile, target: string | null): SiblingShape | null {
  if (parsed.stages.length < 3) return null;
  const runtime = deployedStage(parsed, target);
  if (!runtime) return null;
  const byRun = (re: RegExp) => parsed.stages.find((s) => s !== runtime && runs(s).some((r) => re.test(r)));
  const deps = byRun(/\bpnpm\s+(?:install|i)\b/);
  const builder = byRun(/\b(?:pnpm|npm|yarn)\b.*\bbuild\b|\btsc\b/);
  if (!deps || !builder) return null;
  const base = deps.parentStage !== null ? parsed.stages[deps.parentStage] : undefined;
  const pnpmLine = parsed.stages.flatMap(runs).find((r) => PNPM_INSTALL.test(r));
  const pnpmInstall = pnpmLine ? pnpmLine.replace(PNPM_INSTALL, '$1@{version}$2') : null;
  const runtimeRuns = runs(runtime);
  const runtimeDeps: RuntimeDeps | null = runtimeRuns.some((r) => /\bnpm\s+(?:install|i|ci)\b.*--(?:omit=dev|production|only=prod)/.test(r))
    ? 'npm-file'
    : parsed.stages.flatMap(runs).some((r) => /\bpnpm\b.*\b(?:deploy|install)\b.*--prod\b/.test(r))
      ? 'pnpm'
      : null;
  const names = {
    base: base?.name ?? 'base',
    deps: deps.name ?? 'deps',
    builder: builder.name ?? 'builder',
    runtime: runtime.name ?? 'runtime',
  };
  // A sibling that installs and builds in one stage has no separate names to copy.
  const distinct = new Set([...Object.values(names), 'prod-deps'].map((n) => n.toLowerCase())).size === 5;
  return {
    path,
    names: distinct ? names : BUILTIN_SHAPE.names,
    pnpmInstall,
    toolchain: runs(deps).find((r) => TOOLCHAIN.test(r)) ?? null,
    runtimeDeps,
    chownApp: runtimeRuns.some((r) => /\bchown\s+-R\b/.test(r)),
    nodeEnvProduction: runtime.instructions.some((i) => i.keyword === 'ENV' && /\bNODE_ENV[=\s]+["']?production/.test(i.args)),
    userCreation: userCreation(runtime, runtimeRuns),
  };
}

/**
 * The runtime stage's user creation, whole: the RUN that creates the user with the group-only RUNs
 * before it (the Next.js example's `addgroup --system --gid 1001 nodejs` / `adduser --system --uid
 * 1001 nextjs`), so a copy never names a group it did not create.
 */
function userCreation(runtime: DockerStage, runtimeRuns: string[]): MultistageShape['userCreation'] {
  const creates = (r: string) => USER_CREATION.test(r.trim());
  const at = runtimeRuns.findIndex((r) => creates(r) && /\b(?:adduser|useradd)\b/.test(r));
  if (at < 0 || !runtime.user) return null;
  const groups = runtimeRuns.slice(0, at).filter((r) => creates(r) && !/\b(?:adduser|useradd)\b/.test(r));
  return { command: [...groups, runtimeRuns[at] as string].join(' && '), distro: runtime.base.distro, user: runtime.user.split(':')[0] ?? runtime.user };
}

const shapeOfRepo = new WeakMap<RepoModel, MultistageShape | null>();

/**
 * The majority shape of the repo's multi-stage HTTP Dockerfiles, or null when there are none.
 * A fact of the model, read once per model (every worker Dockerfile asks for it).
 */
export function httpMultistageShape(repo: RepoModel): MultistageShape | null {
  if (!shapeOfRepo.has(repo)) shapeOfRepo.set(repo, readHttpMultistageShape(repo));
  return shapeOfRepo.get(repo) ?? null;
}

function readHttpMultistageShape(repo: RepoModel): MultistageShape | null {
  const shapes: SiblingShape[] = [];
  const seen = new Set<string>();
  for (const svc of repo.services) {
    if (svc.role !== 'http' || !svc.dockerfile || seen.has(svc.dockerfile)) continue;
    seen.add(svc.dockerfile);
    const parsed = repo.dockerfiles.get(svc.dockerfile)?.parsed;
    if (!parsed || parsed.stages[0]?.base.family !== 'node') continue;
    const shape = readShape(svc.dockerfile, parsed, svc.target);
    if (shape) shapes.push(shape);
  }
  if (shapes.length === 0) return null;
  const installs = shapes.map((s) => s.pnpmInstall).filter((p): p is string => p !== null);
  const runtimes = shapes.map((s) => s.runtimeDeps).filter((r): r is RuntimeDeps => r !== null);
  const toolchains = shapes.map((s) => s.toolchain).filter((t): t is string => t !== null);
  return {
    names: majority(
      shapes.map((s) => s.names),
      BUILTIN_SHAPE.names,
    ),
    pnpmInstall: majority(installs, BUILTIN_SHAPE.pnpmInstall),
    toolchain: toolchains.length * 2 >= shapes.length ? majority(toolchains, null as string | null) : null,
    runtimeDeps: majority(runtimes, BUILTIN_SHAPE.runtimeDeps),
    chownApp: shapes.filter((s) => s.chownApp).length * 2 > shapes.length,
    nodeEnvProduction: shapes.filter((s) => s.nodeEnvProduction).length * 2 >= shapes.length,
    userCreation: majority(
      shapes.map((s) => s.userCreation).filter((u) => u !== null),
      null as MultistageShape['userCreation'],
    ),
    seenIn: shapes.map((s) => s.path),
  };
}
