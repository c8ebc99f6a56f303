/**
 * Makes a CMD that starts the server on a literal port read PORT (the edit dockerfile-port-env
 * writes); what the server's port follows is decided in src/repo/portReads.ts.
 */
import type { DockerInstruction, DockerStage, ParsedDockerfile } from '../../src/repo/dockerfile.js';
import { replaceRange, type TextEdit } from '../../src/edits.js';
import { argumentsRange, execForm } from '../../src/dockerfile/edit.js';
import { instructionWords } from '../../src/dockerfile/shell.js';

/**
 * Makes a CMD that starts the server on a literal port read PORT instead, with the literal as the
 * default: `--port 8000` -> `--port ${PORT:-8000}` (also `--port=`, `--bind host:port`, `-b`,
 * Django `runserver host:port`). Shell form is edited in place; exec form becomes
 * `["sh", "-c", "exec …"]` (`exec` replaces the shell, so the server itself still receives SIGTERM). Null when the image has no shell, the port is in a form it does not know, or an
 * ENTRYPOINT would receive the CMD as arguments.
 */
export function cmdReadingPort(
  parsed: ParsedDockerfile,
  stage: DockerStage,
  inForce: DockerInstruction[],
  entrypointScript: (entrypoint: DockerInstruction) => string | null = () => null,
): { edit: TextEdit; port: number; line: number } | { refused: string; line: number } | null {
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
  // `if [ "$1" = "uvicorn" ]; then alembic upgrade head; fi; exec "$@"`: the script decides on the
  // CMD's first word, which `sh -c` would replace, so what it runs for the server would stop running.
  // Only asked once the CMD is known to carry a port: a CMD without one is not wrapped at all.
  const branch = json && entrypoint ? commandBranch(entrypointScript(entrypoint)) : null;
  if (branch) return { refused: `the ENTRYPOINT script tests the command it is given (${branch.text}, its line ${branch.line}), so wrapping the CMD in sh -c would change what it runs`, line: cmd.line };
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

/** The first line of a start script that tests its arguments (`$1`, `$@`, `$*` in an if/case/test), if any. */
function commandBranch(script: string | null): { line: number; text: string } | null {
  if (!script) return null;
  const lines = script.split('\n');
  const at = lines.findIndex((l) => !/^\s*#/.test(l) && (/\$\{?1(?![0-9])/.test(l) || (/\b(?:if|case|test|elif)\b|\[/.test(l) && /\$\{?[@*]/.test(l))));
  return at < 0 ? null : { line: at + 1, text: (lines[at] ?? '').trim() };
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
