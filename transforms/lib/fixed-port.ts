/**
 * Whether the server ignores PORT: its CMD starts it on a literal port (`uvicorn --port 8000`) or
 * its code listens on a literal (`app.listen(3500)`) and never reads an env var. Then ENV PORT
 * changes nothing, and a HEALTHCHECK that follows PORT would probe a port nobody listens on.
 */
import type { DockerInstruction, DockerStage, ParsedDockerfile } from '../../src/repo/dockerfile.js';
import type { Service } from '../../src/repo/model.js';
import { replaceRange, type TextEdit } from '../../src/edits.js';
import { argumentsRange, execForm } from '../../src/dockerfile/edit.js';
import { instructionWords } from '../../src/dockerfile/shell.js';

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

const PATTERN_FILE = /\.(?:py|go|rs)$/;
/** A read of PORT by the image itself: `${PORT}` in the CMD/ENTRYPOINT, a HEALTHCHECK or EXPOSE that follows PORT. */
const IMAGE_READS_PORT = /\$\{?PORT\b|process\.env\.PORT\b|(?:environ\.get|getenv)\(\s*['"]PORT['"]/;

/**
 * The code that decides the port cannot be read (a language ecsfix does not read, or Go/Rust whose
 * start call it did not find or could not follow) and the Dockerfile shows nothing that reads PORT:
 * then whether PORT has any effect is not established. Returns the line that starts the server (or
 * the stage's FROM) to name in the finding; null when the code or the image settles it.
 */
export function portReadUnestablished(service: Service, stage: DockerStage, inForce: DockerInstruction[]): { line: number; why: string } | null {
  if (service.language === 'node' || service.language === 'python') return null;
  if ((service.listen ?? []).some((l) => l.envVar !== null || l.port !== null)) return null;
  if (inForce.some((i) => ['CMD', 'ENTRYPOINT', 'HEALTHCHECK', 'EXPOSE'].includes(i.keyword) && IMAGE_READS_PORT.test(i.args))) return null;
  const start = inForce.filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT').pop();
  const listen = service.listen?.[0];
  const why =
    service.language === 'go' || service.language === 'rust'
      ? listen
        ? `the port of its ${listen.receiver} call (${listen.file}:${listen.line}: ${listen.expression ?? 'no address'}) does not lead to an env read or a literal ecsfix can follow`
        : `ecsfix found no server start call it knows in its ${service.language === 'go' ? 'Go' : 'Rust'} code`
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

/**
 * Makes a CMD that starts the server on a literal port read PORT instead, with the literal as the
 * default: `--port 8000` -> `--port ${PORT:-8000}` (also `--port=`, `--bind host:port`, `-b`,
 * Django `runserver host:port`). Shell form is edited in place; exec form becomes
 * `["sh", "-c", "exec …"]` (`exec` replaces the shell, so the server itself still receives SIGTERM). Null when the image has no shell, the port is in a form it does not know, or an
 * ENTRYPOINT would receive the CMD as arguments.
 */
export function cmdReadingPort(parsed: ParsedDockerfile, stage: DockerStage, inForce: DockerInstruction[]): { edit: TextEdit; port: number; line: number } | null {
  if (!stage.tools.includes('sh')) return null;
  const cmd = inForce.filter((i) => i.keyword === 'CMD').pop();
  if (!cmd || cmd.stageIndex !== stage.index || /\$\{?PORT\b/.test(cmd.args)) return null;
  const entrypoint = inForce.filter((i) => i.keyword === 'ENTRYPOINT').pop();
  const { words, json } = instructionWords(parsed, cmd);
  if (json && entrypoint && !EXEC_WRAPPER.test(instructionWords(parsed, entrypoint).words[0]?.value ?? '')) return null;
  const at = words.findIndex((w, i) => portIn(w.value, words[i - 1]?.value) !== null);
  const word = words[at];
  const found = word ? portIn(word.value, words[at - 1]?.value) : null;
  if (!word || !found) return null;
  const withPort = word.value.slice(0, found.index) + `\${PORT:-${found.port}}` + word.value.slice(found.index + String(found.port).length);
  if (!json) {
    const raw = parsed.text.slice(word.start, word.end);
    if (raw.includes("'") || raw !== word.value) return null; // quoted: leave it to a human
    return { edit: replaceRange(word.start, word.end, withPort), port: found.port, line: cmd.line };
  }
  if (words.some((w) => /^(?:\/bin\/)?(?:ba)?sh$/.test(w.value))) return null; // already a shell script in exec form
  const script = 'exec ' + words.map((w, i) => (i === at ? withPort : shellQuote(w.value))).join(' ');
  const { start, end } = argumentsRange(parsed, cmd);
  return { edit: replaceRange(start, end, execForm(['sh', '-c', script])), port: found.port, line: cmd.line };
}

/** ENTRYPOINTs that run their arguments as a command (so the CMD may be `sh -c …`). */
const EXEC_WRAPPER = /(?:\.sh|entrypoint|tini|dumb-init)$/;

function portIn(value: string, previous: string | undefined): { port: number; index: number } | null {
  let m: RegExpExecArray | null = null;
  if ((previous === '--port' || previous === '-p') && (m = /^(\d{2,5})$/.exec(value))) return { port: Number(m[1]), index: 0 };
  if ((m = /^--port=(\d{2,5})$/.exec(value))) return { port: Number(m[1]), index: '--port='.length };
  if ((previous === '--bind' || previous === '-b' || previous === 'runserver') && (m = /^((?:[\w.]+|\[[:\w]*\]):)?(\d{2,5})$/.exec(value)))
    return { port: Number(m[2]), index: (m[1] ?? '').length };
  if ((m = /^(--bind=(?:[\w.]+|\[[:\w]*\]):)(\d{2,5})$/.exec(value))) return { port: Number(m[2]), index: (m[1] ?? '').length };
  return null;
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
