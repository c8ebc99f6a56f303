/**
 * The configuration the official nginx image really starts with, read from the Dockerfile and the
 * repo: the main config (the repo's /etc/nginx/nginx.conf or the image's own), the conf.d files
 * its `include`s load, the envsubst templates the image's entrypoint renders into conf.d at start
 * (/etc/nginx/templates/X.template -> /etc/nginx/conf.d/X, or where NGINX_ENVSUBST_TEMPLATE_DIR,
 * _TEMPLATE_SUFFIX and _OUTPUT_DIR say), and the image's own default.conf (server on port 80) while
 * nothing replaces or removes it. The build's COPY and `RUN rm` steps apply in their order and the
 * templates are rendered after all of them, at start: `RUN rm /etc/nginx/conf.d/default.conf`
 * removes the stock file, not the default.conf a template renders over the same name. Each file the repo supplies comes with
 * its text and parse so a transform can edit it; anything ecsfix cannot see (a config written by a
 * RUN, copied from another image or stage, an include of an unknown file, scripts added to
 * /docker-entrypoint.d) is a reason with its line, never a guess.
 */
import { posix } from 'node:path';
import type { DockerInstruction, DockerStage, ParsedDockerfile } from '../repo/dockerfile.js';
import { effectiveInstructions } from '../repo/dockerfile.js';
import { copyArguments, copyFlag } from '../dockerfile/copy.js';
import { stageFilesAt } from '../dockerfile/imageBuild.js';
import type { IgnoreFiles } from '../dockerfile/dockerignore.js';
import type { RepoFiles, StageFiles } from '../dockerfile/imageFiles.js';
import { variableAssignments } from '../dockerfile/variables.js';
import { globToRegExp } from '../dockerfile/glob.js';
import { runCommands, program } from '../dockerfile/shell.js';
import { NginxSyntaxError, findDirectives, parseNginxConfig, type NginxDirective } from './config.js';

export const MAIN_CONF = '/etc/nginx/nginx.conf';
const CONF_D = '/etc/nginx/conf.d';
const TEMPLATES = '/etc/nginx/templates';
const STOCK_DEFAULT = `${CONF_D}/default.conf`;
/** Files the official image ships that hold no `server` (safe to include). */
const STOCK_FILES = new Set(['mime.types', 'fastcgi_params', 'fastcgi.conf', 'scgi_params', 'uwsgi_params', 'koi-utf', 'koi-win', 'win-utf'].map((f) => `/etc/nginx/${f}`));

export interface ConfigFile {
  /** Where nginx reads it (a template: where the entrypoint renders it). */
  imagePath: string;
  /** The repo file to edit. */
  repoPath: string;
  text: string;
  directives: NginxDirective[];
  /** An envsubst template (rendered at container start). */
  template: boolean;
  /** The image's own default.conf (repoPath ''), read only when the caller asks for it. */
  stock?: boolean;
}

/** The official image's /etc/nginx/conf.d/default.conf (nginx 1.2x, comments dropped). */
const STOCK_DEFAULT_CONF = `server {
    listen       80;
    listen  [::]:80;
    server_name  localhost;
    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }
    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
`;

export interface Refusal {
  /** Which refusal code (see codes-dockerfile.ts): 'config' | 'listen' | 'paths'. */
  kind: 'config' | 'listen' | 'paths';
  message: string;
  /** Dockerfile line, or a file and line elsewhere. */
  line?: number;
  file?: string;
}

export interface NginxImage {
  /** The repo's main config, or null when the image's own nginx.conf is in force. */
  main: ConfigFile | null;
  /** The repo's files nginx loads, main included, in load order. */
  loaded: ConfigFile[];
  /** The entrypoint renders templates into `envsubst.outputDir` (so it must be writable by the user). */
  usesTemplates: boolean;
  envsubst: Envsubst;
}

/** Where the image's entrypoint (20-envsubst-on-templates.sh) finds templates and renders them. */
export interface Envsubst {
  templateDir: string;
  suffix: string;
  outputDir: string;
}

/** The script's defaults (`${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}`, …). */
const ENVSUBST_DEFAULTS = { NGINX_ENVSUBST_TEMPLATE_DIR: TEMPLATES, NGINX_ENVSUBST_TEMPLATE_SUFFIX: '.template', NGINX_ENVSUBST_OUTPUT_DIR: CONF_D };

/** The envsubst settings the container starts with: the compose environment over the image's ENV over the defaults (empty means the default, as `:-` does). */
function envsubstSettings(parsed: ParsedDockerfile, stage: DockerStage, environment: Readonly<Record<string, string | null>>): Envsubst | Refusal {
  const values = { ...ENVSUBST_DEFAULTS };
  for (const name of Object.keys(ENVSUBST_DEFAULTS) as (keyof typeof ENVSUBST_DEFAULTS)[]) {
    let value: string | null | undefined;
    let line: number | undefined;
    for (const ins of effectiveInstructions(parsed, stage))
      if (ins.keyword === 'ENV') for (const [key, v] of variableAssignments(ins.args, 'ENV')) if (key === name) [value, line] = [v, ins.line];
    if (name in environment) [value, line] = [environment[name], undefined];
    const where = line === undefined ? 'in the compose environment' : 'by ENV';
    if (value === null) return { kind: 'config', message: `${name} is passed through from the environment compose runs in, so where the entrypoint renders the templates is not established` };
    if (value !== undefined && value.includes('$')) return { kind: 'config', message: `${name}=${value} is set ${where} through a variable, so where the entrypoint renders the templates is not established`, ...(line ? { line } : {}) };
    if (value) values[name] = value;
  }
  const dir = (d: string) => posix.resolve('/', d);
  return { templateDir: dir(values.NGINX_ENVSUBST_TEMPLATE_DIR), suffix: values.NGINX_ENVSUBST_TEMPLATE_SUFFIX, outputDir: dir(values.NGINX_ENVSUBST_OUTPUT_DIR) };
}

const under = (path: string, dir: string) => path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);

/** The image paths one COPY/ADD fills from the repo (image path -> repo path), or a refusal; empty when it puts nothing into nginx's config or templates. */
function copiedConfig(parsed: ParsedDockerfile, ins: DockerInstruction, state: StageFiles, index: RepoFiles, files: readonly string[], templateDir: string): Map<string, string> | Refusal {
  const copied = new Map<string, string>();
  const parts = copyArguments(parsed, ins);
  if (!parts) return copied;
  const dest = posix.resolve('/', parts.dest.value);
  if (dest.startsWith('/docker-entrypoint.d'))
    return { kind: 'config', message: `${ins.keyword} adds start-up scripts to /docker-entrypoint.d, which the image's entrypoint runs as the container user; ecsfix does not read what they write`, line: ins.line };
  const intoConfig = under(dest, '/etc/nginx') || under(dest, templateDir) || (dest === '/etc' && parts.sources.some((s) => /nginx/.test(s.value)));
  if (!intoConfig) return copied;
  const entries = state.entries.filter((e) => e.copy === ins);
  const from = copyFlag(parts, 'from');
  // Only files from the build context (a source the context lacks is read, and refused, below).
  if (entries.length === 0 || entries.some((e) => e.rel === null || (e.kind !== 'context' && e.kind !== 'named')))
    return { kind: 'config', message: `${ins.keyword} puts nginx configuration into ${dest} ${from !== undefined ? `from ${from}, not from the repo` : 'from a source ecsfix cannot resolve in the repo'}, so the config the server starts with is not established`, line: ins.line };
  for (const e of entries) {
    const repoPath = e.rel as string;
    if (!index.isDir(repoPath)) copied.set(e.path, repoPath);
    else for (const f of files) if (f.startsWith(repoPath + '/') && index.has(f)) copied.set(posix.join(e.path, f.slice(repoPath.length + 1)), f);
  }
  return copied;
}

/** Commands that read or re-own nginx's files without changing what the config loads. */
const READS_ONLY = new Set(['grep', 'cat', 'test', '[', 'ls', 'chown', 'chmod', 'nginx']);

/**
 * A `sed -i` that only drops the `user` line or moves the pid file (what dockerfile-nginx-non-root
 * writes: `sed -i -e '/^user /d' -e 's,^pid .*;,pid /tmp/nginx.pid;,'`): the servers, includes and
 * proxies the config loads stay the repo's or the image's.
 */
function onlyUserAndPid(words: string[]): boolean {
  const scripts: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const w = words[i] as string;
    if (w === '-e') scripts.push(words[++i] ?? '');
    else if (w !== '-i' && w.startsWith('-')) return false;
  }
  return scripts.length > 0 && scripts.every((e) => /^\/\^\s*user\b[^/]*\/d$/.test(e) || /^s(.)\^pid \.\*;\1pid \/[\w./-]+;\1$/.test(e));
}

/** What a RUN removes from /etc/nginx (`rm -f /etc/nginx/conf.d/default.conf`); reads and the non-root user/pid edit are understood, any other change is a refusal. */
function removedByRun(parsed: ParsedDockerfile, ins: DockerInstruction): Set<string> | Refusal {
  const removed = new Set<string>();
  if (!/\/etc\/nginx|docker-entrypoint/.test(ins.args)) return removed;
  for (const command of runCommands(parsed, ins)) {
    const touches = command.words.some((w) => /\/etc\/nginx|docker-entrypoint/.test(w.value));
    if (!touches) continue;
    if (program(command) === 'rm') {
      for (const w of command.words.slice(1)) if (!w.value.startsWith('-')) removed.add(posix.resolve('/', w.value));
      continue;
    }
    const words = command.words.map((w) => w.value);
    if (READS_ONLY.has(program(command)) && (program(command) !== 'nginx' || words.includes('-t'))) continue;
    if (program(command) === 'sed' && onlyUserAndPid(words)) continue;
    return { kind: 'config', message: `RUN changes nginx's configuration or entrypoint at build time (${program(command)}), so the config the server starts with is not the one in the repo`, line: ins.line };
  }
  return removed;
}

function isRemoved(path: string, removed: Set<string>): boolean {
  for (const r of removed) if (path === r || globToRegExp(r).test(path) || path.startsWith(r + '/')) return true;
  return false;
}

type ImageFiles = Map<string, { repoPath: string | null; template: boolean }>;

/** Directories the official image has (the entrypoint renders only into a writable one). */
const STOCK_DIRS = ['/etc/nginx', CONF_D, '/tmp', '/var/cache/nginx', '/usr/share/nginx/html'];

/**
 * nginx's files as the container starts: the image's own, then each COPY and `RUN rm` of the
 * build in order, then the templates rendered by the entrypoint (over any file of the same name).
 * Image path -> repo path (null for the image's own).
 */
function imageFiles(parsed: ParsedDockerfile, stage: DockerStage, context: string, repo: BuildSource, envsubst: Envsubst): { image: ImageFiles; usesTemplates: boolean } | Refusal {
  const ignores = { ...(repo.dockerignores ? { dockerignores: repo.dockerignores } : {}), ...(repo.dockerfileIgnores ? { dockerfileIgnores: repo.dockerfileIgnores } : {}) };
  const { stage: state, files: index } = stageFilesAt(parsed, stage, null, context, { ...ignores, files: repo.files, workspacePackages: [] }, {}, repo.dockerfile);
  const image: ImageFiles = new Map();
  for (const f of [MAIN_CONF, STOCK_DEFAULT, ...STOCK_FILES]) image.set(f, { repoPath: null, template: false });
  const dirs = new Set(STOCK_DIRS);
  for (const ins of effectiveInstructions(parsed, stage)) {
    if (ins.keyword === 'RUN') {
      const removed = removedByRun(parsed, ins);
      if ('kind' in removed) return removed as Refusal;
      for (const path of [...image.keys()]) if (isRemoved(path, removed)) image.delete(path);
      for (const dir of [...dirs]) if (isRemoved(dir, removed)) dirs.delete(dir);
    } else if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
      const copied = copiedConfig(parsed, ins, state, index, repo.files, envsubst.templateDir);
      if ('kind' in copied) return copied as Refusal;
      for (const [imagePath, repoPath] of copied) {
        image.set(imagePath, { repoPath, template: false });
        for (let d = posix.dirname(imagePath); d !== '/'; d = posix.dirname(d)) dirs.add(d);
      }
    }
  }
  const { templateDir, suffix, outputDir } = envsubst;
  const templates = [...image].filter(([path, entry]) => entry.repoPath && path.startsWith(`${templateDir}/`) && path.endsWith(suffix) && path.length > templateDir.length + 1 + suffix.length);
  if (templates.length > 0 && !dirs.has(outputDir))
    return { kind: 'config', message: `the entrypoint renders the templates in ${templateDir} into ${outputDir}, which ecsfix cannot establish the image has (without it nothing is rendered)` };
  for (const [path, entry] of templates) image.set(posix.join(outputDir, path.slice(templateDir.length + 1, -suffix.length)), { repoPath: entry.repoPath, template: true });
  return { image, usesTemplates: templates.length > 0 };
}

/** The repo's files and ignore files, and the Dockerfile's path (its own `<Dockerfile>.dockerignore` applies). */
export interface BuildSource extends IgnoreFiles {
  files: readonly string[];
  dockerfile: string | null;
}

/**
 * Reads the config the image starts with. `read` gives a repo file's text (null when it is not in
 * the repo); `environment` is what compose sets in the container (the image's ENV is read here).
 */
export function nginxImageConfig(
  parsed: ParsedDockerfile,
  stage: DockerStage,
  context: string,
  repo: BuildSource,
  read: (path: string) => string | null,
  environment: Readonly<Record<string, string | null>> = {},
  /** Read the image's own default.conf (as a {@link ConfigFile} with `stock`) instead of refusing it; for readers, never for a transform that edits. */
  options: { stockDefault?: boolean } = {},
): NginxImage | Refusal {
  const envsubst = envsubstSettings(parsed, stage, environment);
  if ('kind' in envsubst) return envsubst;
  const built = imageFiles(parsed, stage, context, repo, envsubst);
  if ('kind' in built) return built;
  const { image, usesTemplates } = built;

  const loaded: ConfigFile[] = [];
  const parse = (imagePath: string): ConfigFile | Refusal | null => {
    const entry = image.get(imagePath);
    if (!entry?.repoPath) return null;
    const text = read(entry.repoPath);
    if (text === null) return { kind: 'config', message: `${entry.repoPath} (copied to ${imagePath}) is not in the repo (generated or git-ignored), so the config the server starts with is not established`, file: entry.repoPath, line: 1 };
    try {
      return { imagePath, repoPath: entry.repoPath, text, directives: parseNginxConfig(text), template: entry.template };
    } catch (error) {
      if (error instanceof NginxSyntaxError) return { kind: 'config', message: `${entry.repoPath} does not parse as nginx configuration (${error.message})`, file: entry.repoPath, line: error.line };
      throw error;
    }
  };
  const main = parse(MAIN_CONF);
  if (main && 'kind' in main) return main;
  if (main === null && !image.has(MAIN_CONF)) return { kind: 'config', message: `${MAIN_CONF} is removed and not replaced` };
  const seen = new Set<string>();
  const visit = (imagePath: string, file: ConfigFile | null, depth: number): Refusal | null => {
    if (seen.has(imagePath) || depth > 8) return null;
    seen.add(imagePath);
    if (imagePath === STOCK_DEFAULT && !image.get(STOCK_DEFAULT)?.repoPath && options.stockDefault)
      file = { imagePath, repoPath: '', text: STOCK_DEFAULT_CONF, directives: parseNginxConfig(STOCK_DEFAULT_CONF), template: false, stock: true };
    else if (imagePath === STOCK_DEFAULT && !image.get(STOCK_DEFAULT)?.repoPath)
      return { kind: 'config', message: `the image's own ${STOCK_DEFAULT} (a server on port 80, not in the repo) is still loaded: replace it with the repo's config (COPY … ${STOCK_DEFAULT}) or remove it (RUN rm ${STOCK_DEFAULT})` };
    // The image's own nginx.conf includes conf.d/*.conf inside http { }.
    const includes = file ? findDirectives(file.directives, 'include').map((d) => ({ pattern: d.args[0]?.value ?? '', line: d.line })) : imagePath === MAIN_CONF ? [{ pattern: `${CONF_D}/*.conf`, line: 0 }] : [];
    if (file) loaded.push(file);
    for (const { pattern, line } of includes) {
      if (pattern.includes('$')) return { kind: 'config', message: `include ${pattern} names its file with a variable`, file: file?.repoPath, line };
      const absolute = posix.resolve('/etc/nginx', pattern);
      const matches = [...image.keys()].filter((p) => p === absolute || (/[*?[]/.test(absolute) && globToRegExp(absolute).test(p))).sort();
      if (matches.length === 0 && !/[*?[]/.test(absolute) && !STOCK_FILES.has(absolute) && !absolute.startsWith('/etc/nginx/modules'))
        return { kind: 'config', message: `include ${pattern}: ${absolute} is not in the repo, so the config the server starts with is not established`, file: file?.repoPath, line };
      for (const match of matches) {
        if (STOCK_FILES.has(match)) continue;
        const child = parse(match);
        if (child && 'kind' in child) return child;
        const refused = visit(match, child, depth + 1);
        if (refused) return refused;
      }
    }
    return null;
  };
  const refused = visit(MAIN_CONF, main, 0);
  if (refused) return refused;
  return { main, loaded, usesTemplates, envsubst };
}

/** A CMD/ENTRYPOINT line that replaces the image's `nginx -g 'daemon off;'` with something else, or null. */
export function foreignCommand(parsed: ParsedDockerfile, stage: DockerStage): DockerInstruction | null {
  const inForce = effectiveInstructions(parsed, stage);
  const entrypoint = inForce.filter((i) => i.keyword === 'ENTRYPOINT').pop();
  if (entrypoint) return entrypoint;
  const cmd = inForce.filter((i) => i.keyword === 'CMD').pop();
  if (!cmd) return null;
  const words = cmd.args.trim().startsWith('[') ? safeJson(cmd.args) : cmd.args.trim().split(/\s+/);
  return words && words[0] === 'nginx' && !words.includes('-c') && !words.includes('-p') ? null : cmd;
}

function safeJson(text: string): string[] | null {
  try {
    const value: unknown = JSON.parse(text.trim());
    return Array.isArray(value) ? value.map(String) : null;
  } catch {
    return null;
  }
}
