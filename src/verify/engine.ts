/**
 * The container engines verify drives through their CLIs: docker, podman and buildah. Each builds
 * a Dockerfile stage into a local image (never pushed), reads the image's config, and gives a
 * sandbox: one container from the image, on a network of its own where the engine can make one,
 * in which commands run as a given user while the image's CMD runs in it.
 */
import { posix } from 'node:path';
import type { ProcessResult, ProcessRunner, RunningProcess } from './process.js';

export type EngineName = 'docker' | 'podman' | 'buildah';
export const ENGINE_NAMES: readonly EngineName[] = ['docker', 'podman', 'buildah'];

export interface BuildRequest {
  /** Absolute build context directory. */
  context: string;
  /** Absolute Dockerfile path. */
  dockerfile: string;
  target: string | null;
  args: Record<string, string>;
  tag: string;
  timeoutMs: number;
}

/** What the image itself says about how it runs (docker/OCI image config). */
export interface ImageConfig {
  /** USER; '' means root. */
  user: string;
  workingDir: string;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
  /** HEALTHCHECK test, e.g. ['CMD-SHELL', 'wget -qO- ...']; null when the image has none. */
  healthcheck: string[] | null;
  volumes: string[];
}

export interface ExecOptions {
  user: string;
  env: Record<string, string>;
  timeoutMs: number;
}

export interface StartOptions extends Omit<ExecOptions, 'timeoutMs'> {
  /**
   * The image has a POSIX `sh` and the user is not root: an engine whose containers do not hand
   * their stdio to the user (buildah) may start the process through that sh to give it stdio the
   * user can reopen (`/dev/stderr`), as Docker and ECS do. Engines that do it already ignore this.
   */
  ownStdio?: boolean;
}

export interface Sandbox {
  /** Whether the container has a network of its own (nothing it does reaches other hosts). */
  readonly isolated: boolean;
  /** Runs a command in the container (in the running one once {@link start} was called). */
  exec(argv: readonly string[], options: ExecOptions): Promise<ProcessResult>;
  /** Starts the image's process. */
  start(argv: readonly string[], options: StartOptions): RunningProcess;
  dispose(): Promise<void>;
}

export interface Engine {
  readonly name: EngineName;
  build(request: BuildRequest): Promise<ProcessResult>;
  inspect(tag: string): Promise<ImageConfig>;
  sandbox(tag: string): Promise<Sandbox>;
  removeImage(tag: string): Promise<void>;
}

export class EngineError extends Error {}

const envArgs = (flag: string, env: Record<string, string>) => Object.entries(env).flatMap(([k, v]) => [flag, `${k}=${v}`]);
const buildArgs = (args: Record<string, string>) => Object.entries(args).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
const firstLine = (r: ProcessResult) => (r.stderr.trim() || r.stdout.trim()).split('\n').pop() ?? '';

function envList(list: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  if (Array.isArray(list))
    for (const entry of list) {
      if (typeof entry !== 'string') continue;
      const eq = entry.indexOf('=');
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
  return env;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** A docker-style image config (`Config` of `docker image inspect`, `Docker.config` of buildah). */
export function imageConfigOf(config: Record<string, unknown> | undefined): ImageConfig {
  const c = config ?? {};
  const health = c.Healthcheck as { Test?: unknown } | undefined;
  const test = strings(health?.Test);
  return {
    user: typeof c.User === 'string' ? c.User : '',
    workingDir: typeof c.WorkingDir === 'string' && c.WorkingDir ? c.WorkingDir : '/',
    env: envList(c.Env),
    entrypoint: strings(c.Entrypoint),
    cmd: strings(c.Cmd),
    healthcheck: test.length && test[0] !== 'NONE' ? test : null,
    volumes: c.Volumes && typeof c.Volumes === 'object' ? Object.keys(c.Volumes) : [],
  };
}

async function parseJson(result: ProcessResult, what: string): Promise<unknown> {
  if (result.code !== 0) throw new EngineError(`${what} failed: ${firstLine(result)}`);
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new EngineError(`${what} printed something that is not JSON`);
  }
}

// ---- buildah ----

/**
 * The argv Docker (runc) would exec, for `buildah run`: a relative program path with a slash
 * (`./docker-entrypoint.sh`) is the file of that path under the WORKDIR, the process's working
 * directory. buildah 1.28's chroot run looks it up on PATH by its basename instead, which ran the
 * node image's /usr/local/bin/docker-entrypoint.sh in place of the repo's script. The path is
 * resolved here rather than by starting it through `sh -c 'exec "$@"'`, so images without a shell
 * (distroless) run the same file; the one difference left is the program's $0 (absolute).
 */
export function programAsExecuted(argv: readonly string[], workingDir: string): string[] {
  const [program, ...rest] = argv;
  if (program === undefined || !program.includes('/') || posix.isAbsolute(program)) return [...argv];
  return [posix.resolve(workingDir || '/', program), ...rest];
}

/**
 * `sh -c OWN_STDIO sh ARGV...`: the process is exec'd by a shell running as its user, with stdout and
 * stderr on a FIFO that shell made (so owned by the user) and a `cat` relaying it to buildah's.
 * buildah's chroot runs leave the process's stdio pipes root's (mode 0600), so a non-root process
 * cannot reopen /dev/stdout or /dev/stderr, which the official nginx image links its logs to; runc
 * (Docker, ECS) hands the container's stdio to its user. `exec` keeps the process itself the one
 * buildah waits for (its exit code, its signals); where the image lacks mktemp, mkfifo or cat, or
 * has no writable temporary directory, it is exec'd on buildah's stdio, as without this.
 */
export const OWN_STDIO =
  'if command -v cat >/dev/null 2>&1 && command -v mkfifo >/dev/null 2>&1 && d=$(mktemp -d 2>/dev/null) && mkfifo "$d/out" 2>/dev/null; ' +
  'then cat <"$d/out" & exec >"$d/out" 2>&1; rm -rf "$d"; fi; exec "$@"';

const BUILDAH_RUN_NOISE = /^(?:subprocess exited (?:with status \d+|on \w+)|Error: exit status \d+|time="[^"]*" level=\w+ msg=.*)\n?/gm;

/** A network namespace with only a loopback interface, held open by a sleeping process. */
async function privateNetwork(runner: ProcessRunner): Promise<RunningProcess | null> {
  if (process.getuid?.() !== 0) return null;
  for (const tool of ['unshare', 'nsenter', 'ip']) if (!(await runner.which(tool))) return null;
  const holder = runner.start('unshare', ['--net', '--', 'sh', '-c', 'ip link set lo up && echo ready && exec sleep 3600']);
  for (let waited = 0; waited < 5000 && !holder.done(); waited += 50) {
    if (holder.output().includes('ready')) return holder;
    await new Promise((r) => setTimeout(r, 50));
  }
  await holder.stop(0);
  return null;
}

export function buildahEngine(runner: ProcessRunner): Engine {
  // Root builds without a daemon: chroot isolation, unless the user chose otherwise.
  const env = { BUILDAH_ISOLATION: process.env.BUILDAH_ISOLATION ?? 'chroot' };
  const buildah = (args: string[], timeoutMs = 120_000) => runner.run('buildah', args, { env, timeoutMs });
  const inspect = async (tag: string) => {
    const json = (await parseJson(await buildah(['inspect', '--type', 'image', tag]), `buildah inspect ${tag}`)) as {
      Docker?: { config?: Record<string, unknown> };
      OCIv1?: { config?: Record<string, unknown> };
    };
    return imageConfigOf(json.Docker?.config ?? json.OCIv1?.config);
  };
  return {
    name: 'buildah',
    build: (r) =>
      runner.run(
        'buildah',
        // docker format keeps HEALTHCHECK (OCI drops it); --pull=false uses a local base image when
        // there is one, as docker build does. No --layers: concurrent builds sharing cached layers
        // failed now and then in buildah 1.28 (seen in ecsfix's image tests).
        ['bud', '--format', 'docker', '--pull=false', '-f', r.dockerfile, ...(r.target ? ['--target', r.target] : []), ...buildArgs(r.args), '-t', r.tag, r.context],
        { env, timeoutMs: r.timeoutMs },
      ),
    inspect,
    async sandbox(tag) {
      const { workingDir } = await inspect(tag);
      const from = await buildah(['from', '--pull=false', tag]);
      if (from.code !== 0) throw new EngineError(`buildah from ${tag} failed: ${firstLine(from)}`);
      const container = from.stdout.trim().split('\n').pop() as string;
      const net = await privateNetwork(runner);
      const wrap = (argv: readonly string[], o: { user: string; env: Record<string, string> }): [string, string[]] => {
        const run = ['run', '--user', o.user || '0', ...envArgs('--env', o.env), container, '--', ...programAsExecuted(argv, workingDir)];
        return net?.pid ? ['nsenter', [`--net=/proc/${net.pid}/ns/net`, '--', 'buildah', ...run]] : ['buildah', run];
      };
      return {
        isolated: net !== null,
        exec(argv, o) {
          const [cmd, args] = wrap(argv, o);
          return runner.run(cmd, args, { env, timeoutMs: o.timeoutMs });
        },
        start(argv, o) {
          const [cmd, args] = wrap(o.ownStdio ? ['sh', '-c', OWN_STDIO, 'sh', ...programAsExecuted(argv, workingDir)] : argv, o);
          const proc = runner.start(cmd, args, { env });
          // buildah's own lines about its child's exit are not the process's output.
          return { ...proc, output: () => proc.output().replace(BUILDAH_RUN_NOISE, '') };
        },
        async dispose() {
          await net?.stop(0);
          await buildah(['rm', container]);
        },
      };
    },
    async removeImage(tag) {
      await buildah(['rmi', '-f', tag]);
    },
  };
}

// ---- docker and podman (the same CLI) ----

export function dockerLikeEngine(name: 'docker' | 'podman', runner: ProcessRunner): Engine {
  const cli = (args: string[], timeoutMs = 120_000) => runner.run(name, args, { timeoutMs });
  let containers = 0;
  return {
    name,
    build: (r) =>
      runner.run(name, ['build', ...(name === 'podman' ? ['--format', 'docker'] : []), '-f', r.dockerfile, ...(r.target ? ['--target', r.target] : []), ...buildArgs(r.args), '-t', r.tag, r.context], {
        timeoutMs: r.timeoutMs,
        env: name === 'docker' ? { DOCKER_BUILDKIT: '1' } : {},
      }),
    async inspect(tag) {
      const json = (await parseJson(await cli(['image', 'inspect', tag]), `${name} image inspect ${tag}`)) as { Config?: Record<string, unknown> }[];
      return imageConfigOf(json[0]?.Config);
    },
    async sandbox(tag) {
      const container = `ecsfix-verify-${process.pid}-${++containers}`;
      let running: RunningProcess | null = null;
      const runArgs = (argv: readonly string[], o: { user: string; env: Record<string, string> }) => [
        '--network', 'none', '--user', o.user || '0', ...envArgs('-e', o.env), '--entrypoint', argv[0] ?? 'sh', tag, ...argv.slice(1),
      ];
      return {
        isolated: true,
        exec(argv, o) {
          if (running && !running.done()) return runner.run(name, ['exec', '--user', o.user || '0', ...envArgs('-e', o.env), container, ...argv], { timeoutMs: o.timeoutMs });
          return runner.run(name, ['run', '--rm', ...runArgs(argv, o)], { timeoutMs: o.timeoutMs });
        },
        start(argv, o) {
          const proc = runner.start(name, ['run', '--rm', '--name', container, ...runArgs(argv, o)]);
          running = {
            exited: proc.exited,
            output: proc.output,
            done: proc.done,
            pid: proc.pid,
            // Killing the client would leave the container running: stop the container itself.
            async stop(graceMs = 3000) {
              if (!proc.done()) await cli(['stop', '-t', String(Math.ceil(graceMs / 1000)), container]);
              return proc.stop(graceMs);
            },
          };
          return running;
        },
        async dispose() {
          if (running && !running.done()) await running.stop(0);
          await cli(['rm', '-f', container]);
        },
      };
    },
    async removeImage(tag) {
      await cli(['rmi', '-f', tag]);
    },
  };
}

export function engineByName(name: EngineName, runner: ProcessRunner): Engine {
  return name === 'buildah' ? buildahEngine(runner) : dockerLikeEngine(name, runner);
}

/** Why an engine cannot be used here, or null when it can. */
async function unusable(name: EngineName, runner: ProcessRunner): Promise<string | null> {
  if (!(await runner.which(name))) return 'not on PATH';
  const probe = name === 'buildah' ? ['info'] : ['info', '--format', '{{json .ID}}'];
  const result = await runner.run(name, probe, { timeoutMs: 15_000 });
  if (result.code === 0) return null;
  return name === 'docker' ? 'no daemon answers' : `"${name} ${probe[0]}" fails`;
}

/**
 * The engine to use: the one asked for, or the first of docker, podman, buildah that works here.
 * Throws {@link EngineError} with one line naming what was tried.
 */
export async function detectEngine(runner: ProcessRunner, wanted?: EngineName): Promise<Engine> {
  const tried: string[] = [];
  for (const name of wanted ? [wanted] : ENGINE_NAMES) {
    const why = await unusable(name, runner);
    if (why === null) return engineByName(name, runner);
    tried.push(`${name} (${why})`);
  }
  throw new EngineError(`no container engine to build with: ${tried.join(', ')}; install docker, podman or buildah, or choose one with --engine`);
}
