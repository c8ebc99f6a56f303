/**
 * What the server's port follows, as the code and the image establish it: a fixed port (its CMD
 * starts it on a literal port, `uvicorn --port 8000`, or its code listens on one, `app.listen(3500)`,
 * `web.run_app(app, port=8005)`), another variable than PORT (`SERVICE_PORT`, Go's
 * `SERVER_ADDRESS`), or nothing established. Shared by dockerfile-port-env, dockerfile-healthcheck-env
 * and the task definitions `check` writes, so the image and ECS probe the same port.
 */
import type { DockerInstruction, DockerStage } from './dockerfile.js';
import type { Service } from './model.js';

export interface FixedPort {
  port: number;
  /** Says where the port is fixed and what to do about it. */
  message: string;
  /** Dockerfile line of the CMD/ENTRYPOINT, when that is where it is fixed. */
  line?: number;
}

/** A server CLI's literal port: `--port 8000`, `--bind 0.0.0.0:8000`, `-b :8000`, `runserver 0.0.0.0:8000`. */
export const FIXED_PORT_CMD = /(?:--port["',\s=]+|--bind["',\s=]+[\w.]*:|-b["',\s]+[\w.]*:|runserver["',\s]+[\w.]*:)(\d{2,5})\b/;

/**
 * Python server CLIs that never read PORT: with no port flag, uvicorn listens on UVICORN_PORT when it
 * is set (click's UVICORN_ prefix), else 8000; waitress-serve on 8080. gunicorn is not here: it
 * binds 0.0.0.0:$PORT when PORT is set.
 */
const CLI_DEFAULT_PORTS: { cli: RegExp; name: string; port: number; variable: string | null }[] = [
  { cli: /(?:^|[\s"'/])uvicorn(?=[\s"',\]])/, name: 'uvicorn', port: 8000, variable: 'UVICORN_PORT' },
  { cli: /(?:^|[\s"'/])waitress-serve(?=[\s"',\]])/, name: 'waitress-serve', port: 8080, variable: null },
];
/** A port (or address) given on the command line, a unix socket or file descriptor: then the default does not apply. */
const CLI_PORT_FLAG = /(?:^|[\s"',])(?:--port|-p|--bind|-b|--listen|--uds|--fd)(?:[\s"',=]|$)/;

/** The CMD in force runs one of {@link CLI_DEFAULT_PORTS} with no port flag: it listens on its own variable's port, else its default. */
function cliDefaultPort(service: Service, cmd: DockerInstruction, inForce: DockerInstruction[]): FixedPort | null {
  const cli = CLI_DEFAULT_PORTS.find((c) => c.cli.test(cmd.args));
  if (!cli || CLI_PORT_FLAG.test(cmd.args) || /\$\{?PORT\b/.test(cmd.args)) return null;
  const env = cli.variable ? new RegExp(`(?:^|\\s)${cli.variable}(?:=|\\s+)["']?(\\d{2,5})\\b`) : null;
  const own = cli.variable ? (service.compose?.environment[cli.variable] ?? inForce.filter((i) => i.keyword === 'ENV').map((i) => env?.exec(i.args)?.[1]).filter(Boolean).at(-1)) : undefined;
  // Its own variable set to something ecsfix cannot read: which port it listens on is not established here.
  if (own !== undefined && !/^\d{2,5}$/.test(own ?? '')) return null;
  const port = own ? Number(own) : cli.port;
  return {
    port,
    message: `${cmd.keyword} runs ${cli.name} with no port option, so it listens on ${own ? `${cli.variable}=${own}` : `its default ${port}`} and never reads PORT; pass --port ${port} (shell form \${PORT:-${port}} if the port must be configurable) or keep the ECS port mapping at ${port}`,
    line: cmd.line,
  };
}

export function fixedListenPorts(service: Service, inForce: DockerInstruction[]): FixedPort[] {
  const found: FixedPort[] = [];
  const cmd = inForce.filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT').pop();
  const fixed = cmd && !/\$\{?PORT\b/.test(cmd.args) ? FIXED_PORT_CMD.exec(cmd.args) : null;
  if (cmd && fixed)
    found.push({
      port: Number(fixed[1]),
      message: `${cmd.keyword} starts the server on the fixed port ${fixed[1]}, so a PORT set by the task definition is ignored; use the shell form with \${PORT:-${fixed[1]}} if the port must be configurable`,
      line: cmd.line,
    });
  const byDefault = cmd && !fixed ? cliDefaultPort(service, cmd, inForce) : null;
  if (byDefault) found.push(byDefault);
  const readsEnv = service.portEvidence.some((e) => /^code \((?:process\.env|getServicePort|env PORT)/.test(e.source));
  // A literal `listen(3500)`, or @hono/node-server's `serve(app)` with no port (the adapter's 3000).
  const literal = service.portEvidence.find((e) => e.source === 'code (.listen literal)' || e.source === 'code (serve default port)');
  if (literal && !readsEnv)
    found.push({
      port: literal.value,
      message:
        literal.source === 'code (serve default port)'
          ? `${literal.file}:${literal.line} starts the server with @hono/node-server's serve() and no port option, so it listens on the adapter's default ${literal.value} and never reads PORT; pass port: Number(process.env.PORT) || ${literal.value} or the ECS port mapping must stay ${literal.value}`
          : `${literal.file}:${literal.line} listens on the literal port ${literal.value} and never reads PORT; make it listen on process.env.PORT (with ${literal.value} as fallback) or the ECS port mapping must stay ${literal.value}`,
    });
  const bind = service.configBind;
  if (bind && !fixed)
    found.push({
      port: bind.port,
      message: bind.server
        ? `${bind.file}:${bind.line} binds ${bind.server} to the fixed port ${bind.port}, so a PORT set by the task definition is ignored; bind to \`:$(PORT)\` there (uWSGI expands $(VAR) from the environment) with ENV PORT=${bind.port} if the port must be configurable`
        : `${bind.file}:${bind.line} binds gunicorn to the fixed port ${bind.port} (gunicorn reads PORT only when no bind is set), so a PORT set by the task definition is ignored; bind to the address from PORT (with ${bind.port} as fallback) if the port must be configurable`,
    });
  // Python/Go/Rust start calls read by pattern: `web.run_app(app, port=8005)`, `ListenAndServe(":9090", …)`.
  const patterned = (service.listen ?? []).filter((l) => PATTERN_FILE.test(l.file));
  const fixedCall = patterned[0]?.envVar === null ? patterned[0] : undefined;
  if (!literal && fixedCall?.port != null && !patterned.some((l) => l.envVar))
    found.push({
      port: fixedCall.port,
      message: `${fixedCall.file}:${fixedCall.line} starts the server on the literal port ${fixedCall.port} (${fixedCall.receiver}) and never reads PORT; make it read PORT (with ${fixedCall.port} as fallback) or the ECS port mapping must stay ${fixedCall.port}`,
    });
  return found;
}

const PATTERN_FILE = /\.(?:py|go|rs|sh)$/;
/** A read of PORT by the image itself: `${PORT}` in the CMD/ENTRYPOINT, a HEALTHCHECK or EXPOSE that follows PORT. */
const IMAGE_READS_PORT = /\$\{?PORT\b|process\.env\.PORT\b|(?:environ\.get|getenv)\(\s*['"]PORT['"]/;

/**
 * The code that decides the port cannot be read (a language ecsfix does not read, Go/Rust whose
 * start call it did not find, or a server start whose port expression it cannot follow, such as
 * `listen(config.port)` of a config module) and the Dockerfile shows nothing that reads PORT:
 * then whether PORT has any effect is not established. Returns the line that starts the server (or
 * the stage's FROM) to name in the finding; null when the code or the image settles it.
 */
export function portReadUnestablished(service: Service, stage: DockerStage, inForce: DockerInstruction[]): { line: number; why: string } | null {
  const listen = service.listen?.[0];
  // Node and Python code is read: the read is unestablished only where every server start takes its
  // port from a config module ecsfix does not follow (`listen(config.port)`; only the JS facts mark
  // that), not from a parameter or a helper.
  if (service.language === 'node' || service.language === 'python') {
    if (!listen || !(service.listen ?? []).every((l) => 'fromConfig' in l && l.fromConfig)) return null;
  }
  if ((service.listen ?? []).some((l) => l.envVar !== null || l.port !== null || l.address)) return null;
  // The code names the port elsewhere (`getServicePortSync('api', 'API_PORT', 3000)` passed down to the listen).
  if (service.portVariable || service.portEvidence.some((e) => e.source.startsWith('code ('))) return null;
  if (inForce.some((i) => ['CMD', 'ENTRYPOINT', 'HEALTHCHECK', 'EXPOSE'].includes(i.keyword) && IMAGE_READS_PORT.test(i.args))) return null;
  const start = inForce.filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT').pop();
  const why = listen
    ? `the port of its ${listen.receiver ?? 'server'} call (${listen.file}:${listen.line}: ${listen.expression ?? 'no address'}) does not lead to an env read or a literal ecsfix can follow`
    : service.language === 'go' || service.language === 'rust'
      ? `ecsfix found no server start call it knows in its ${service.language === 'go' ? 'Go' : 'Rust'} code`
      : 'ecsfix does not read its code';
  return { line: start?.line ?? stage.from.line, why };
}

/**
 * The env variable other than PORT the server takes its port from, as the code says
 * (`process.env.SERVICE_PORT || 4004`, `os.getenv('ML_PORT', '9000')`), with where it is read.
 * Null when the server reads PORT, when the code says nothing, or when the CMD in force passes
 * `${PORT}` itself (then PORT is what the server gets).
 */
export function otherPortVariable(service: Service, inForce: DockerInstruction[]): { name: string; file: string; line: number; address?: boolean } | null {
  const variable = service.portVariable;
  if (!variable || variable.value === 'PORT') return null;
  const cmd = inForce.filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT').pop();
  if (cmd && /\$\{?PORT\b/.test(cmd.args)) return null;
  return { name: variable.value, file: variable.file, line: variable.line, ...(variable.address ? { address: true } : {}) };
}


/** The port a probe must hit and the variable it follows (null: the literal port), as the HEALTHCHECK and the ECS healthCheck both need it. */
export function probeTarget(service: Service, stage: DockerStage, inForce: DockerInstruction[], port: number): { port: number; variable: string | null } {
  const fixed = fixedListenPorts(service, inForce)[0];
  if (fixed) return { port: fixed.port, variable: null };
  const other = otherPortVariable(service, inForce);
  if (other) return { port, variable: other.address ? null : other.name };
  return { port, variable: portReadUnestablished(service, stage, inForce) ? null : 'PORT' };
}
