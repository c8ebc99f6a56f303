/**
 * What the deployed stage keeps under root's home (/root, mode 0700 in the official images), which a
 * non-root user cannot enter: packages `pip install --user` (or `PIP_USER=1`) installs as root land
 * in /root/.local, a builder stage's /root/.local (or a venv under /root) copied on to /root, and a
 * PATH/PYTHONPATH that runs programs from there. An image that needs them is left as root: moving
 * them (a COPY --chown to the user's home, a new PATH) is a rewrite of the image, not a USER line.
 * Any other ENV that points under /root (`HF_HOME=/root/.cache/huggingface`) is read at run time too.
 */
import { posix } from 'node:path';
import type { DockerInstruction, ParsedDockerfile } from '../../src/repo/dockerfile.js';
import { copyArguments, copyFlag } from '../../src/dockerfile/copy.js';
import { runCommands, program } from '../../src/dockerfile/shell.js';
import { variableAssignments } from '../../src/dockerfile/variables.js';

const ROOT_HOME = /(?:^|[:=\s])\/root(?:\/|:|$)/;
const PATH_VARIABLES = new Set(['PATH', 'PYTHONPATH', 'PYTHONUSERBASE', 'VIRTUAL_ENV', 'NODE_PATH', 'GEM_HOME', 'BUNDLE_PATH']);

/** A `pip install` that installs into the user's site (`--user`, or PIP_USER set in its environment). */
function pipUserInstall(parsed: ParsedDockerfile, ins: DockerInstruction, pipUser: boolean): boolean {
  return runCommands(parsed, ins).some((c) => {
    const words = c.words.map((w) => w.value);
    const pipAt = /^pip[\d.]*$/.test(program(c)) ? 0 : /^python[\d.]*$/.test(program(c)) && words[1] === '-m' && /^pip[\d.]*$/.test(words[2] ?? '') ? 2 : -1;
    if (pipAt < 0 || !words.slice(pipAt + 1).includes('install')) return false;
    return words.includes('--user') || pipUser || /(?:^|\s)PIP_USER=(?:1|true|yes|on)\b/i.test(parsed.text.slice(ins.start, c.start));
  });
}

/**
 * The first line of the stage (its inherited instructions included) that puts what the process
 * needs under /root, with what it does; null when nothing does.
 */
export function rootHomeDependency(parsed: ParsedDockerfile, inForce: DockerInstruction[]): { line: number; what: string } | null {
  let pipUser = false;
  let userBase: string | null = null;
  for (const ins of inForce) {
    if (ins.keyword === 'ENV') {
      for (const [name, raw] of variableAssignments(ins.args, 'ENV')) {
        const value = raw ?? '';
        if (name === 'PIP_USER') pipUser = /^(?:1|true|yes|on)$/i.test(value);
        if (name === 'PYTHONUSERBASE') userBase = value;
        if (ROOT_HOME.test(value)) return { line: ins.line, what: `\`ENV ${name}=${value}\` ${PATH_VARIABLES.has(name) ? 'runs or loads code from' : 'points the process at a path in'} root's home` };
      }
      continue;
    }
    if (ins.keyword === 'RUN' && pipUserInstall(parsed, ins, pipUser) && (userBase === null || ROOT_HOME.test(userBase)))
      return { line: ins.line, what: `\`pip install --user\` installs the packages as root into ${userBase ?? '/root/.local'}` };
    if ((ins.keyword === 'CMD' || ins.keyword === 'ENTRYPOINT') && /(?:^|[\s"'=:])\/root\//.test(ins.args))
      return { line: ins.line, what: `the ${ins.keyword} runs a program under /root` };
    if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
      const args = copyArguments(parsed, ins);
      const from = args && copyFlag(args, 'from');
      if (!args || from === undefined) continue;
      const dest = posix.normalize(args.dest.value);
      if (dest === '/root' || dest.startsWith('/root/'))
        return { line: ins.line, what: `line ${ins.line} copies ${args.sources.map((s) => s.value).join(' ')} from ${from ? `stage ${from}` : 'another stage'} (installed packages) to ${dest}` };
    }
  }
  return null;
}
