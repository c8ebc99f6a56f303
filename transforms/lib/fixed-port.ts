/**
 * Whether the server ignores PORT: its CMD starts it on a literal port (`uvicorn --port 8000`) or
 * its code listens on a literal (`app.listen(3500)`) and never reads an env var. Then ENV PORT
 * changes nothing, and a HEALTHCHECK that follows PORT would probe a port nobody listens on.
 */
import type { DockerInstruction } from '../../src/repo/dockerfile.js';
import type { Service } from '../../src/repo/model.js';

export interface FixedPort {
  port: number;
  /** Says where the port is fixed and what to do about it. */
  message: string;
  /** Dockerfile line of the CMD/ENTRYPOINT, when that is where it is fixed. */
  line?: number;
}

const FIXED_PORT_CMD = /(?:--port["',\s=]+|--bind["',\s=]+[\w.]*:|-b["',\s]+[\w.]*:|runserver["',\s]+[\w.]*:)(\d{2,5})\b/;

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
  const readsEnv = service.portEvidence.some((e) => /^code \((?:process\.env|getServicePort|env PORT)/.test(e.source));
  const literal = service.portEvidence.find((e) => e.source === 'code (.listen literal)');
  if (literal && !readsEnv)
    found.push({
      port: literal.value,
      message: `${literal.file}:${literal.line} listens on the literal port ${literal.value} and never reads PORT; make it listen on process.env.PORT (with ${literal.value} as fallback) or the ECS port mapping must stay ${literal.value}`,
    });
  return found;
}
