/**
 * dockerfile-nginx-non-root: an nginx frontend built FROM the official `nginx` image runs as the
 * image's own unprivileged `nginx` user, the way nginxinc/nginx-unprivileged is made, while keeping
 * the base image the repo chose (its version, variant and `apk`/`apt-get` steps stay as they are):
 *
 * - the pid file moves to /tmp/nginx.pid (the repo's nginx.conf is edited; the image's own is
 *   changed by a `sed` whose result the build checks), the cache/temp directories under
 *   /var/cache/nginx (and conf.d, where the entrypoint renders envsubst templates) are chowned to
 *   nginx, a `user nginx;` directive (meaningless without root) is dropped, then `USER nginx`;
 * - a `listen` below 1024 moves to 8080 in the config or template the image copies, with
 *   `absolute_redirect off` so redirects do not name the container port, and EXPOSE, the
 *   HEALTHCHECK, the compose port mappings (edited through the YAML CST, every other byte kept) and
 *   `check --format ecs` follow.
 *
 * It changes nothing, and says why with the line, when any of these cannot be changed consistently:
 * a config ecsfix cannot see (the image's own default.conf still loaded, written by a RUN, copied
 * from elsewhere, an unknown include), a CMD/ENTRYPOINT that does not start nginx through the
 * image's entrypoint, `listen` on a variable or on several ports, a `user` directive naming someone
 * else, a write path outside /tmp and nginx's own directories, a compose definition that overrides
 * the command, maps the port through a variable or is addressed by another service on that port.
 */
import { parseForBuilds } from '../src/repo/buildArgs.js';
import { isDockerfileName } from '../src/repo/dockerfileName.js';
import { deployedStage, effectiveInstructions, isRootUser, parseDockerfile, type DockerStage, type ParsedDockerfile } from '../src/repo/dockerfile.js';
import { servicesForFile, type RepoModel, type Service } from '../src/repo/model.js';
import type { Finding } from '../src/findings/finding.js';
import { insertAt, replaceRange, type TextEdit } from '../src/edits.js';
import type { OtherFileEdits, Transform, TransformInput, TransformResult } from '../src/transform.js';
import { insertLinesAfter, keyword, runInstructionLines } from '../src/dockerfile/edit.js';
import { instructionWords } from '../src/dockerfile/shell.js';
import { UNPRIVILEGED_NGINX_PORT, findDirectives, listenAddress, type NginxDirective } from '../src/nginx/config.js';
import { foreignCommand, nginxImageConfig, type ConfigFile, type NginxImage, type Refusal } from '../src/nginx/image.js';
import { composeDefinitions, type ComposeDefinition, composePortEdits, localUrlPortEdits } from './lib/compose-port-edits.js';

const ID = 'dockerfile-nginx-non-root';
const NEW_PORT = UNPRIVILEGED_NGINX_PORT;
const REFUSAL_CODE: Record<Refusal['kind'], string> = { config: 'ECS176', listen: 'ECS177', paths: 'ECS179' };
const WRITABLE = /^\/(?:tmp|var\/cache\/nginx)(?:\/|$)/;
const LOG_SINKS = /^(?:off|stderr|syslog:|memory:|\/dev\/std(?:out|err)$|\/proc\/self\/fd\/[12]$)/;
const WRITE_PATH_DIRECTIVES = /^(?:client_body|proxy|fastcgi|uwsgi|scgi)_temp_path$|^(?:proxy|fastcgi|uwsgi|scgi)_cache_path$/;

/** The official image (Docker Hub `nginx`, or its ECR Public mirror): the one whose layout this transform knows. */
function isOfficialNginx(stage: DockerStage): boolean {
  return stage.base.name === 'nginx' || stage.base.name === 'nginx/nginx';
}

function nginxStages(path: string, repo: RepoModel): { stage: DockerStage; services: Service[]; parsed: ParsedDockerfile }[] {
  const parsed = repo.dockerfiles.get(path)?.parsed;
  if (!parsed) return [];
  const byStage = new Map<number, { stage: DockerStage; services: Service[]; parsed: ParsedDockerfile }>();
  for (const s of servicesForFile(repo, path)) {
    const stage = deployedStage(parsed, s.target);
    if (!stage || !isOfficialNginx(stage)) continue;
    const entry = byStage.get(stage.index) ?? { stage, services: [], parsed };
    entry.services.push(s);
    byStage.set(stage.index, entry);
  }
  return [...byStage.values()];
}

interface Plan {
  dockerfile: TextEdit[];
  others: OtherFileEdits[];
  findings: Finding[];
}

const refuse = (r: Refusal, names: string): Finding => ({
  code: REFUSAL_CODE[r.kind],
  severity: 'warning',
  message: `${names} keeps running nginx as root: ${r.message}`,
  ...(r.file ? { file: r.file } : {}),
  ...(r.line ? { line: r.line } : {}),
});

/** The one port every `listen` of the loaded config uses, or why there is none. */
function listenPort(config: NginxImage): { port: number; listens: { file: ConfigFile; directive: NginxDirective; server: NginxDirective }[] } | Refusal {
  const listens: { file: ConfigFile; directive: NginxDirective; server: NginxDirective }[] = [];
  for (const file of config.loaded)
    for (const server of findDirectives(file.directives, 'server').filter((d) => d.block)) {
      const own = (server.block ?? []).filter((d) => d.name === 'listen');
      if (own.length === 0) return { kind: 'listen', message: `this server block has no \`listen\`, so nginx picks 80 as root and 8000 otherwise`, file: file.repoPath, line: server.line };
      for (const directive of own) listens.push({ file, directive, server });
    }
  if (listens.length === 0) return { kind: 'listen', message: 'no server block in the config the image loads' };
  const ports = new Map<number, string>();
  for (const { file, directive } of listens) {
    const address = listenAddress(directive);
    const at = { file: file.repoPath, line: directive.line };
    if (address.kind === 'variable') return { kind: 'listen', message: `\`listen ${address.text}\` takes its port from a variable${file.template ? ' substituted at container start' : ''}, so the port cannot be moved here and in compose and the task definition together`, ...at };
    if (address.kind !== 'port') return { kind: 'listen', message: `\`listen ${address.text}\` is not a TCP port ecsfix can move`, ...at };
    if (directive.args.some((a) => a.value === 'ssl' || a.value === 'quic')) return { kind: 'listen', message: `\`listen … ${directive.args.map((a) => a.value).join(' ')}\` terminates TLS inside the container (behind an ALB the listener usually terminates it); not changed`, ...at };
    if (!ports.has(address.port)) ports.set(address.port, `${file.repoPath}:${directive.line}`);
  }
  if (ports.size > 1)
    return { kind: 'listen', message: `server blocks listen on different ports (${[...ports].map(([p, where]) => `${p} at ${where}`).join(', ')}); one container port per service is what ECS maps`, file: listens[0]?.file.repoPath, line: listens[0]?.directive.line };
  return { port: [...ports.keys()][0] as number, listens };
}

/** `user`, pid, temp/cache and log paths: what a non-root nginx must be able to write. */
function writablePaths(config: NginxImage): { logDir: boolean } | Refusal {
  let logDir = false;
  for (const file of config.loaded) {
    for (const d of findDirectives(file.directives, 'user')) {
      if (file !== config.main || d.args[0]?.value !== 'nginx' || (d.args[1] && d.args[1].value !== 'nginx'))
        return { kind: 'paths', message: `\`user ${d.args.map((a) => a.value).join(' ')}\` asks for another user than the image's nginx; which user the files belong to is the repo's choice`, file: file.repoPath, line: d.line };
    }
    for (const d of file.directives.length ? collectPaths(file.directives) : []) {
      const path = d.args[0]?.value ?? '';
      if (d.name === 'access_log' || d.name === 'error_log') {
        if (LOG_SINKS.test(path) || WRITABLE.test(path)) continue;
        if (/^\/var\/log\/nginx\/[^/]+$/.test(path)) {
          if (!/\/(?:access|error)\.log$/.test(path)) logDir = true; // the image links those two to stdout/stderr
          continue;
        }
      } else if (WRITABLE.test(path)) continue;
      return { kind: 'paths', message: `\`${d.name} ${path}\` writes where the nginx user cannot (only /tmp, /var/cache/nginx and /var/log/nginx are made writable)`, file: file.repoPath, line: d.line };
    }
  }
  return { logDir };
}

function collectPaths(directives: NginxDirective[]): NginxDirective[] {
  const names = (n: string) => WRITE_PATH_DIRECTIVES.test(n) || n === 'access_log' || n === 'error_log';
  const found: NginxDirective[] = [];
  const walk = (list: NginxDirective[]) => {
    for (const d of list) {
      if (names(d.name) && d.args[0]) found.push(d);
      if (d.block) walk(d.block);
    }
  };
  walk(directives);
  return found;
}

/** The edits to the config files: listen ports, `absolute_redirect off`, and in the repo's nginx.conf the user and pid. */
function configEdits(config: NginxImage, port: number, listens: { file: ConfigFile; directive: NginxDirective; server: NginxDirective }[]): OtherFileEdits[] {
  const byFile = new Map<string, TextEdit[]>();
  const add = (file: ConfigFile, edit: TextEdit) => byFile.set(file.repoPath, [...(byFile.get(file.repoPath) ?? []), edit]);
  if (port < 1024) {
    for (const { file, directive, server } of listens) {
      const address = listenAddress(directive);
      if (address.kind !== 'port') continue;
      add(file, replaceRange(address.start, address.end, address.implicit ? `:${NEW_PORT}` : String(NEW_PORT)));
      // Once per server block, below its last listen: nginx would otherwise put :8080 into the
      // Location of its own redirects (`/docs` -> `http://host:8080/docs/`), a port only the task has.
      const own = (server.block ?? []).filter((d) => d.name === 'listen');
      const redirects = (server.block ?? []).some((d) => d.name === 'absolute_redirect' || d.name === 'port_in_redirect');
      if (directive !== own[own.length - 1] || redirects) continue;
      const lineStart = file.text.lastIndexOf('\n', directive.start - 1) + 1;
      const indent = /^[ \t]*/.exec(file.text.slice(lineStart))?.[0] ?? '';
      const lineEnd = file.text.indexOf('\n', directive.end);
      const at = lineEnd < 0 ? file.text.length : lineEnd + 1;
      add(file, insertAt(at, `${lineEnd < 0 ? '\n' : ''}${indent}# Behind the load balancer: redirects must not name the container port ${NEW_PORT}\n${indent}absolute_redirect off;\n`));
    }
  }
  const main = config.main;
  if (main) {
    const top = main.directives;
    const user = top.find((d) => d.name === 'user');
    const pid = top.find((d) => d.name === 'pid');
    const pidLine = '# The nginx user, not root, writes the pid file: /tmp, not the root-owned /run\npid /tmp/nginx.pid;';
    if (user) {
      // `user nginx;` only means something to a root master process: its line becomes the pid line (or goes).
      const start = main.text.lastIndexOf('\n', user.start - 1) + 1;
      const end = main.text.indexOf('\n', user.end);
      add(main, replaceRange(start, end < 0 ? main.text.length : end + 1, pid ? '' : `${pidLine}${end < 0 ? '' : '\n'}`));
    }
    if (pid && !/^\/tmp\//.test(pid.args[0]?.value ?? '')) {
      const word = pid.args[0];
      if (word) add(main, replaceRange(word.start, word.end, '/tmp/nginx.pid'));
    } else if (!pid && !user) {
      const first = top[0];
      const at = first ? main.text.lastIndexOf('\n', first.start - 1) + 1 : main.text.length;
      add(main, insertAt(at, `${pidLine}\n`));
    }
  }
  return [...byFile].map(([path, edits]) => ({ path, edits }));
}

/** The Dockerfile's part: the chown/sed step and USER, EXPOSE, HEALTHCHECK. */
function dockerfileEdits(parsed: ParsedDockerfile, stage: DockerStage, config: NginxImage, logDir: boolean, port: number): TextEdit[] {
  const edits: TextEdit[] = [];
  const commands: string[] = [];
  if (!config.main)
    commands.push(`sed -i -e '/^user /d' -e 's,^pid .*;,pid /tmp/nginx.pid;,' /etc/nginx/nginx.conf`, `grep -q '^pid /tmp/nginx.pid;' /etc/nginx/nginx.conf`);
  // /tmp is everyone's and /var/cache/nginx is chowned anyway; any other output directory must become nginx's.
  const output = config.usesTemplates && !/^\/(?:tmp|var\/cache\/nginx(?:\/.*)?)$/.test(config.envsubst.outputDir) ? config.envsubst.outputDir : null;
  commands.push(`chown -R nginx:nginx ${['/var/cache/nginx', ...(output ? [output] : [])].join(' ')}`);
  if (logDir) commands.push('chown nginx:nginx /var/log/nginx');
  const owns = ['the cache/temp dirs', output ? `${output === '/etc/nginx/conf.d' ? 'conf.d' : output} (where the entrypoint renders the templates)` : null, logDir ? '/var/log/nginx' : null].filter(Boolean);
  const comment = [
    `# Run as the image's unprivileged nginx user (uid 101), as nginxinc/nginx-unprivileged does:`,
    `# ${config.main ? '' : 'the pid file moves to /tmp and '}${owns.join(', ').replace(/, ([^,]*)$/, ' and $1')} become nginx's`,
  ];
  const lines = [...comment, ...runInstructionLines(parsed, commands), `${keyword(parsed, 'USER')} nginx`];
  const exposes = stage.instructions.filter((i) => i.keyword === 'EXPOSE');
  if (port < 1024) {
    for (const expose of exposes)
      for (const word of instructionWords(parsed, expose).words) {
        const m = /^(\d+)(\/(?:tcp|udp))?$/.exec(word.value);
        if (m && Number(m[1]) === port) edits.push(replaceRange(word.start, word.start + (m[1] as string).length, String(NEW_PORT)));
      }
    if (exposes.length === 0) lines.push(`${keyword(parsed, 'EXPOSE')} ${NEW_PORT}`);
    const healthcheck = effectiveInstructions(parsed, stage).filter((i) => i.keyword === 'HEALTHCHECK').pop();
    if (healthcheck && healthcheck.stageIndex === stage.index) edits.push(...localUrlPortEdits(parsed.text.slice(healthcheck.start, healthcheck.end), healthcheck.start, port, NEW_PORT));
  }
  // After the last build step, and after a `USER root` of the stage, which would undo the switch.
  const steps = stage.instructions.filter((i) => ['RUN', 'COPY', 'ADD', 'WORKDIR', 'USER'].includes(i.keyword));
  const after = steps[steps.length - 1] ?? stage.from;
  edits.push(insertLinesAfter(parsed, after, lines));
  return edits;
}

/** Why the image's start-up is not the official entrypoint starting nginx, or null. */
function startupRefusal(parsed: ParsedDockerfile, stage: DockerStage, services: Service[], definitions: ComposeDefinition[]): Finding | null {
  const names = services.map((s) => `"${s.name}"`).join(', ');
  const command = foreignCommand(parsed, stage);
  if (command)
    return refuse(
      {
        kind: 'config',
        message: `${command.keyword} ${command.args.trim()} replaces the image's \`nginx -g 'daemon off;'\`${command.keyword === 'CMD' && /docker-entrypoint/.test(command.args) ? ' (the image\'s ENTRYPOINT is already /docker-entrypoint.sh, so this runs the entrypoint with itself as the command and never starts nginx)' : ''}; what it runs and writes is not established`,
        line: command.line,
      },
      names,
    );
  for (const s of services) {
    const c = s.compose;
    if (c && s.portDispute) return { code: 'ECS178', severity: 'warning', message: `${names} keeps running nginx as root: ${s.portDispute}`, file: c.file, line: c.line };
  }
  // Every compose definition of the image, in every project, runs the config and user this changes.
  const first = services[0]?.compose?.environment;
  for (const { service: c } of definitions) {
    if (c.command !== undefined || c.entrypoint !== undefined)
      return { code: 'ECS178', severity: 'warning', message: `${names} keeps running nginx as root: compose sets \`${c.command !== undefined ? 'command' : 'entrypoint'}\` for "${c.name}" (${c.file}:${c.line}), so what the container runs is not the image's nginx`, file: c.file, line: c.line };
    const disagrees = Object.keys({ ...c.environment, ...first }).find((k) => /^NGINX_ENVSUBST_/.test(k) && c.environment[k] !== first?.[k]);
    if (disagrees) return { code: 'ECS176', severity: 'warning', message: `${names} keeps running nginx as root: the services built from this image set ${disagrees} differently, so where the entrypoint renders the templates differs between them`, file: c.file, line: c.line };
  }
  return null;
}

/** Another compose service that reaches this one on the port that is about to move. */
function addressedOnPort(repo: RepoModel, services: Service[], definitions: ComposeDefinition[], port: number): Finding | null {
  const names = new Set([...services.map((s) => s.name), ...definitions.map((d) => d.service.name)]);
  for (const other of repo.compose.services) {
    if (names.has(other.name)) continue;
    for (const [key, value] of Object.entries(other.environment)) {
      for (const m of (value ?? '').matchAll(/\/\/([\w.-]+)(?::(\d+))?(?=[/?#]|$)/g)) {
        const host = m[1] as string;
        const target = m[2] === undefined ? 80 : Number(m[2]);
        if (names.has(host) && target === port)
          return { code: 'ECS178', severity: 'warning', message: `"${other.name}" reaches "${host}" on port ${port} (${key}=${value}); moving nginx to ${NEW_PORT} would cut it off. Point it at ${NEW_PORT} (or at the load balancer), then run ecsfix again`, file: other.file, line: other.line };
      }
    }
  }
  return null;
}

function planStage(input: TransformInput, parsed: ParsedDockerfile, stage: DockerStage, services: Service[]): Plan {
  const none = (findings: Finding[]): Plan => ({ dockerfile: [], others: [], findings });
  const names = services.map((s) => `"${s.name}"`).join(', ');
  if (!isRootUser(stage.user)) return none([]);
  const definitions = composeDefinitions(input.repo, services);
  const startup = startupRefusal(parsed, stage, services, definitions);
  if (startup) return none([startup]);
  const context = services[0]?.buildContext ?? '.';
  // A reason without a place of its own is about the image: it points at the FROM line.
  const refuseAt = (r: Refusal) => none([refuse(r.file || r.line ? r : { ...r, line: stage.from.line }, names)]);
  const config = nginxImageConfig(parsed, stage, context, { ...input.repo, dockerfile: input.path }, input.read, services[0]?.compose?.environment ?? {});
  if ('kind' in config) return refuseAt(config);
  const listen = listenPort(config);
  if ('kind' in listen) return refuseAt(listen);
  const paths = writablePaths(config);
  if ('kind' in paths) return refuseAt(paths);
  const { port } = listen;
  const others = configEdits(config, port, listen.listens);
  const composeFiles: string[] = [];
  if (port < 1024) {
    const addressed = addressedOnPort(input.repo, services, definitions, port);
    if (addressed) return none([addressed]);
    // A HEALTHCHECK inherited from the stage this one is built FROM probes the old port, and editing it would change that stage too.
    const healthcheck = effectiveInstructions(parsed, stage).filter((i) => i.keyword === 'HEALTHCHECK').pop();
    if (healthcheck && healthcheck.stageIndex !== stage.index && localUrlPortEdits(parsed.text.slice(healthcheck.start, healthcheck.end), healthcheck.start, port, NEW_PORT).length)
      return refuseAt({ kind: 'listen', message: `the HEALTHCHECK this stage inherits probes port ${port} and belongs to an earlier stage; move it into the deployed stage first`, line: healthcheck.line });
    const compose = composePortEdits(input.repo, services, port, NEW_PORT, input.read);
    if ('refusal' in compose) return none([{ code: 'ECS178', severity: 'warning', message: `${names} keeps running nginx as root: ${compose.refusal.message}`, file: compose.refusal.file, line: compose.refusal.line }]);
    others.push(...compose.edits);
    composeFiles.push(...compose.edits.map((e) => e.path));
  }
  const moved = port < 1024 ? ` on port ${NEW_PORT} (was ${port}: listen in ${[...new Set(listen.listens.map((l) => l.file.repoPath))].join(', ')}, EXPOSE${composeFiles.length ? `, the compose ports in ${composeFiles.join(', ')}` : ''}; the task definition and the ALB target group must use ${NEW_PORT} too)` : ` on port ${port}`;
  const finding: Finding = {
    code: 'ECS175',
    severity: 'info',
    message: `${names} now runs nginx as the image's nginx user${moved}; verify: the container starts as nginx and answers on ${port < 1024 ? NEW_PORT : port}`,
    line: stage.from.line,
  };
  return { dockerfile: dockerfileEdits(parsed, stage, config, paths.logDir, port), others, findings: [finding] };
}

export const dockerfileNginxNonRoot: Transform = {
  id: ID,
  title: 'nginx frontend runs as the unprivileged nginx user on port 8080',
  kinds: ['dockerfile'],
  safety: 'behavior-changing',
  fixes: 'an nginx frontend (official image) that runs as root to bind port 80',
  verify: 'the container starts as nginx and answers on 8080; compose, the task definition and the ALB target group use 8080',
  appliesTo(path, repo) {
    return isDockerfileName(path) && nginxStages(path, repo).length > 0;
  },
  run(input): TransformResult {
    const parsed = parseForBuilds(input.text, input.path, input.repo);
    const result: TransformResult = { edits: [], findings: [], otherFiles: [] };
    for (const { stage, services } of nginxStages(input.path, input.repo)) {
      const current = parsed.stages[stage.index];
      if (!current || !isOfficialNginx(current)) continue;
      const plan = planStage(input, parsed, current, services);
      result.edits.push(...plan.dockerfile);
      result.findings.push(...plan.findings);
      // The port moves in the nginx config, the Dockerfile and compose together, or not at all.
      result.otherFiles?.push(...plan.others.map((o) => ({ ...o, bound: 'both' as const })));
    }
    return result;
  },
};
