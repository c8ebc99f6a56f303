/**
 * What the deployed stage keeps under root's home (/root, mode 0700 in the official images), which a
 * non-root user cannot enter: packages `pip install --user` (or `PIP_USER=1`) installs as root land
 * in /root/.local, a builder stage's /root/.local (or a venv under /root) copied on to /root, and a
 * PATH/PYTHONPATH that runs programs from there. An image that needs them is left as root: moving
 * them (a COPY --chown to the user's home, a new PATH) is a rewrite of the image, not a USER line.
 * Any other ENV that points under /root (`HF_HOME=/root/.cache/huggingface`) is read at run time too.
 * So is the virtualenv `poetry install` (or `pipenv install`) creates as root by default: poetry's in
 * /root/.cache/pypoetry/virtualenvs, pipenv's in /root/.local/share/virtualenvs, where `poetry run`
 * (`pipenv run`) as another user neither finds nor can read it.
 */
import { posix } from 'node:path';
import { isRootUser, type DockerInstruction, type ParsedDockerfile } from '../../src/repo/dockerfile.js';
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

const TRUE = /^(?:1|true|yes|on)$/i;
const FALSE = /^(?:0|false|no|off)$/i;

/** What the stage's ENV and `poetry config` set so far for where poetry and pipenv create their virtualenvs. */
interface VenvSettings {
  poetryCreate: boolean;
  poetryInProject: boolean;
  poetryPath: string | null;
  poetryCache: string;
  pipenvInProject: boolean;
  workonHome: string;
  /** An active virtualenv (VIRTUAL_ENV) that poetry installs into. */
  active: boolean;
}

/** A poetry or pipenv setting from a variable (ENV, or an assignment before the command). */
function venvSetting(v: VenvSettings, name: string, value: string): void {
  if (name === 'POETRY_VIRTUALENVS_CREATE') v.poetryCreate = !FALSE.test(value);
  else if (name === 'POETRY_VIRTUALENVS_IN_PROJECT') v.poetryInProject = TRUE.test(value);
  else if (name === 'POETRY_VIRTUALENVS_PATH') v.poetryPath = value || null;
  else if (name === 'POETRY_CACHE_DIR' && value) v.poetryCache = value;
  else if (name === 'PIPENV_VENV_IN_PROJECT') v.pipenvInProject = TRUE.test(value);
  else if (name === 'WORKON_HOME' && value) v.workonHome = value;
  else if (name === 'VIRTUAL_ENV') v.active = !!value;
}

/** A project's poetry.toml (copied into the image before the install): its `[virtualenvs]` create/in-project. */
function poetryToml(v: VenvSettings, text: string | null): void {
  const table = text && /^\s*\[virtualenvs\]\s*$([^[]*)/m.exec(text)?.[1];
  const get = (key: string) => (table ? new RegExp(`^\\s*${key}\\s*=\\s*(\\w+)`, 'm').exec(table)?.[1] : undefined) ?? (text ? new RegExp(`^\\s*virtualenvs\\.${key}\\s*=\\s*(\\w+)`, 'm').exec(text)?.[1] : undefined);
  const create = get('create');
  const inProject = get('in-project');
  if (create) venvSetting(v, 'POETRY_VIRTUALENVS_CREATE', create);
  if (inProject) venvSetting(v, 'POETRY_VIRTUALENVS_IN_PROJECT', inProject);
}

/** The directory poetry creates the project's virtualenv in; null when it creates none there (no venv, in-project, an active one). */
function poetryVenvDir(v: VenvSettings): string | null {
  if (!v.poetryCreate || v.poetryInProject || v.active) return null;
  return v.poetryPath ?? posix.join(v.poetryCache, 'virtualenvs');
}

/**
 * A `poetry install`/`sync` or `pipenv install`/`sync` of this RUN that creates its virtualenv under
 * /root, as what it does; `poetry config virtualenvs.*` before it (in this RUN or an earlier one)
 * updates the settings.
 */
function rootVenvInstall(parsed: ParsedDockerfile, ins: DockerInstruction, v: VenvSettings): string | null {
  for (const c of runCommands(parsed, ins)) {
    const words = c.words.map((w) => w.value);
    const inline = { ...v };
    for (const [, name, value] of parsed.text.slice(ins.start, c.start).matchAll(/\b([A-Z_]+)=(\S*)/g)) venvSetting(inline, name ?? '', (value ?? '').replace(/^["']|["']$/g, ''));
    const operands = words.filter((w) => !w.startsWith('-'));
    if (program(c) === 'poetry' && operands[1] === 'config' && operands.length === 4) {
      const [key, value] = [operands[2] ?? '', operands[3] ?? ''];
      const name = { 'virtualenvs.create': 'POETRY_VIRTUALENVS_CREATE', 'virtualenvs.in-project': 'POETRY_VIRTUALENVS_IN_PROJECT', 'virtualenvs.path': 'POETRY_VIRTUALENVS_PATH', 'cache-dir': 'POETRY_CACHE_DIR' }[key];
      if (name) venvSetting(v, name, value);
      continue;
    }
    const install = ['install', 'sync'].includes(operands[1] ?? '');
    const poetryDir = install && program(c) === 'poetry' ? poetryVenvDir(inline) : null;
    if (poetryDir && ROOT_HOME.test(` ${poetryDir}`))
      return `\`poetry ${words[1]}\` creates its virtualenv as root under ${poetryDir} (virtualenvs.create is on and virtualenvs.in-project is not set), where \`poetry run\` as another user neither finds nor can read it; set POETRY_VIRTUALENVS_IN_PROJECT=1 (or POETRY_VIRTUALENVS_CREATE=false) before it`;
    if (install && program(c) === 'pipenv' && !words.includes('--system') && !inline.pipenvInProject && ROOT_HOME.test(` ${inline.workonHome}`))
      return `\`pipenv ${words[1]}\` without --system creates its virtualenv as root under ${inline.workonHome}, where \`pipenv run\` as another user neither finds nor can read it; set PIPENV_VENV_IN_PROJECT=1 (or install with --system) before it`;
  }
  return null;
}

/**
 * The first line of the stage (its inherited instructions included) that puts what the process
 * needs under /root, with what it does; null when nothing does.
 */
export function rootHomeDependency(parsed: ParsedDockerfile, inForce: DockerInstruction[], contextFile: (name: string) => string | null = () => null): { line: number; what: string } | null {
  let pipUser = false;
  let userBase: string | null = null;
  const venvs: VenvSettings = { poetryCreate: true, poetryInProject: false, poetryPath: null, poetryCache: '/root/.cache/pypoetry', pipenvInProject: false, workonHome: '/root/.local/share/virtualenvs', active: false };
  let root = true;
  for (const ins of inForce) {
    if (ins.keyword === 'USER') root = isRootUser(ins.args.trim());
    if (ins.keyword === 'ENV') {
      for (const [name, raw] of variableAssignments(ins.args, 'ENV')) {
        const value = raw ?? '';
        if (name === 'PIP_USER') pipUser = /^(?:1|true|yes|on)$/i.test(value);
        if (name === 'PYTHONUSERBASE') userBase = value;
        venvSetting(venvs, name, value);
        if (ROOT_HOME.test(value)) return { line: ins.line, what: `\`ENV ${name}=${value}\` ${PATH_VARIABLES.has(name) ? 'runs or loads code from' : 'points the process at a path in'} root's home` };
      }
      continue;
    }
    if (ins.keyword === 'RUN' && pipUserInstall(parsed, ins, pipUser) && (userBase === null || ROOT_HOME.test(userBase)))
      return { line: ins.line, what: `\`pip install --user\` installs the packages as root into ${userBase ?? '/root/.local'}` };
    const venv = ins.keyword === 'RUN' && root ? rootVenvInstall(parsed, ins, venvs) : null;
    if (venv) return { line: ins.line, what: venv };
    if ((ins.keyword === 'CMD' || ins.keyword === 'ENTRYPOINT') && /(?:^|[\s"'=:])\/root\//.test(ins.args))
      return { line: ins.line, what: `the ${ins.keyword} runs a program under /root` };
    if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
      const args = copyArguments(parsed, ins);
      const from = args && copyFlag(args, 'from');
      if (args && from === undefined && args.sources.some((src) => ['.', './', 'poetry.toml', './poetry.toml'].includes(src.value))) poetryToml(venvs, contextFile('poetry.toml'));
      if (!args || from === undefined) continue;
      const dest = posix.normalize(args.dest.value);
      if (dest === '/root' || dest.startsWith('/root/'))
        return { line: ins.line, what: `line ${ins.line} copies ${args.sources.map((s) => s.value).join(' ')} from ${from ? `stage ${from}` : 'another stage'} (installed packages) to ${dest}` };
    }
  }
  return null;
}
