/**
 * service-url-defaults: `process.env.TRAINER_SERVICE_URL || 'http://localhost:3003'` (also `??`, a
 * template literal, a `const DEFAULT_..._URL` fallback, a zod `.default(...)` or envalid
 * `url({ default })`) whose port is not the port of the service the variable (or the URL's host)
 * names is corrected to that service's port (seed 000 2.3, 11.1).
 *
 * A localhost fallback for another service never works inside a container, so the file also gets
 * a start-up check: in a container (ECS sets ECS_CONTAINER_METADATA_URI_V4; compose's DOCKER=true
 * where the repo uses it) a missing URL stops the process at start with the variable's name,
 * instead of failing at the first event (seed 000 11.2, seed 001 C.4). Outside a container the
 * fallback still applies for local development.
 *
 * Standalone (`npx jscodeshift -t codemods/service-url-defaults.ts`) there is no repo model, so no
 * port is known: only the start-up check is added, for `*_SERVICE_URL` variables.
 */
import type { API, ASTPath, Collection, FileInfo } from 'jscodeshift';
import { SERVICE_URL_VAR } from '../src/source/patterns.ts';
import type { CodemodMeta } from '../src/run/codemod.ts';
import { servicesReading, type RepoModel, type Service } from '../src/repo/model.ts';
import { afterImports, parseFile, typedNodes, typedPath, fileStyle, isServiceSource, noteTo, quoted, serviceNamed, splice, type CodemodOptions } from './lib/codemod-api.ts';

export const parser = 'ts';

export const meta: CodemodMeta = {
  id: 'service-url-defaults',
  title: 'Service URL defaults point at the right port, and never at localhost inside a container',
  safety: 'behavior-changing',
  fixes: "a localhost fallback with another service's port; a localhost fallback that is used inside a container",
  // Each change names its own variables (see the end of the codemod); this is the general line for `list`.
  verify: 'set every service URL the start-up check names in the ECS task definition',
  // A URL with a port, and an env variable read: both must be in the file before it is parsed.
  tokens: /^(?=[\s\S]*https?:\/\/[\w.-]+:\d{2,5})(?=[\s\S]*process\.env)/,
  appliesTo: (path, repo) => isServiceSource(path, repo),
};

/* eslint-disable @typescript-eslint/no-explicit-any -- babel AST nodes through jscodeshift */
type Node = any;

const URL_RE = /^(https?):\/\/(localhost|127\.0\.0\.1|[a-z][\w-]*)(?::(\d{2,5}))(\/[^\s]*)?$/;
const CONTAINER_AWARE = /ECS_CONTAINER_METADATA|\bDOCKER\b|isDocker|inDocker|[iI]nContainer|runningInContainer|KUBERNETES_SERVICE_HOST/;

function envName(node: Node): string | null {
  if (node?.type !== 'MemberExpression' && node?.type !== 'OptionalMemberExpression') return null;
  const obj = node.object;
  if (obj?.type !== 'MemberExpression' || obj.object?.name !== 'process' || obj.property?.name !== 'env') return null;
  if (!node.computed && node.property.type === 'Identifier') return node.property.name;
  if (node.property.type === 'StringLiteral') return node.property.value;
  return null;
}

/** The operands of a `a || b ?? c` chain, left to right. */
function operands(node: Node): Node[] {
  if (node?.type === 'LogicalExpression' && (node.operator === '||' || node.operator === '??')) return [...operands(node.left), ...operands(node.right)];
  return [node];
}

/** A string the URL is written as: '...', "...", or a template without expressions. */
function literalUrl(node: Node): { value: string; start: number; end: number } | null {
  if (node?.type === 'StringLiteral') return { value: node.value, start: node.start + 1, end: node.end - 1 };
  if (node?.type === 'TemplateLiteral' && node.expressions.length === 0) return { value: node.quasis[0].value.cooked, start: node.start + 1, end: node.end - 1 };
  return null;
}

interface Fallback {
  vars: string[];
  url: { value: string; start: number; end: number };
  /** The node whose ancestors say whether the code is already container-aware. */
  at: ASTPath;
  line: number;
}

export default function serviceUrlDefaults(file: FileInfo, api: API, options: CodemodOptions): string | undefined {
  if (!meta.tokens.test(file.source)) return undefined;
  const j = api.jscodeshift;
  const root = parseFile(j, file.source, options);
  const note = noteTo(api, options, file.path);
  const repo = options.repo;

  // const DEFAULT_TRAINER_URL = 'http://localhost:3003' -> its literal, for `process.env.X || DEFAULT_TRAINER_URL`.
  const constants = new Map<string, Node>();
  typedNodes(j, root, 'VariableDeclarator').forEach((n: Node) => {
    if (n.id.type === 'Identifier' && n.init && literalUrl(n.init)) constants.set(n.id.name, n.init);
  });

  const fallbacks: Fallback[] = [];
  // The path (for its parent, and later its ancestors) is made only for a fallback to a URL.
  typedNodes(j, root, 'LogicalExpression').forEach((n: Node, i) => {
    const parts = operands(n);
    const vars = parts.map(envName).filter((v): v is string => v !== null);
    const last = parts[parts.length - 1];
    const target = last?.type === 'Identifier' ? constants.get(last.name) : last;
    const url = literalUrl(target);
    if (!vars.length || !url || !URL_RE.test(url.value)) return;
    const p = typedPath(j, root, 'LogicalExpression', i);
    if (p.parent?.node.type !== 'LogicalExpression') fallbacks.push({ vars, url, at: p, line: n.loc?.start.line ?? 1 });
  });
  // zod `TRAINER_SERVICE_URL: z.string().url().default('http://...')`, envalid `TRAINER_SERVICE_URL: url({ default: '...' })`
  typedNodes(j, root, 'ObjectProperty').forEach((property: Node, i) => {
    const key: Node = property.key;
    const name = key.type === 'Identifier' ? key.name : key.type === 'StringLiteral' ? key.value : null;
    if (!name || !SERVICE_URL_VAR.test(name)) return;
    const value = j(typedPath(j, root, 'ObjectProperty', i).get('value'));
    [...value.filter((c) => c.node.type === 'CallExpression').paths(), ...value.find(j.CallExpression).paths()].forEach((c: ASTPath<Node>) => {
        const callee: Node = c.node.callee;
        const arg: Node = c.node.arguments[0];
        let url = callee.type === 'MemberExpression' && callee.property.name === 'default' ? literalUrl(arg) : null;
        if (!url && arg?.type === 'ObjectExpression') {
          const def = arg.properties.find((q: Node) => q.key?.name === 'default' || q.key?.name === 'devDefault');
          url = literalUrl(def?.value);
        }
        if (url && URL_RE.test(url.value)) fallbacks.push({ vars: [name], url, at: c, line: c.node.loc?.start.line ?? 1 });
    });
  });
  if (fallbacks.length === 0) return undefined;
  const style = fileStyle(file.source);

  const edits: { start: number; end: number; text: string }[] = [];
  const guarded = new Set<string>();
  const repoUsesDocker = repo ? repo.compose.services.some((s) => 'DOCKER' in s.environment) : false;
  const useDocker = repoUsesDocker || /process\.env\.DOCKER\b/.test(file.source);
  const guards: { vars: string[]; who: string }[] = [];

  for (const fb of fallbacks) {
    const [, , host = '', port = ''] = URL_RE.exec(fb.url.value) ?? [];
    const stem = fb.vars.map((v) => SERVICE_URL_VAR.exec(v)?.[1]).find(Boolean) ?? null;
    const isLocal = host === 'localhost' || host === '127.0.0.1';
    const service = repo ? ((stem ? serviceNamed(repo, stem) : undefined) ?? (isLocal ? undefined : repo.services.find((s) => s.name === host))) : undefined;
    if (repo && service) {
      if (service.port === null) {
        note({ severity: 'warning', code: 'ECS302', line: fb.line, message: `${fb.vars[0]} defaults to ${fb.url.value}, but the port of ${service.name} is not known to ecsfix; check it by hand` });
      } else if (String(service.port) !== port && new Set(service.portEvidence.map((e) => e.value)).size > 1) {
        // Its port evidence disagrees: which port the fallback should name is not established. A code default the
        // container's ENV overrides counts here (unlike ECS006): it is the port off the container, where a localhost fallback points.
        const evidence = service.portEvidence.map((e) => `${e.value} from ${e.source} at ${e.file}:${e.line}`).join('; ');
        note({ severity: 'warning', code: 'ECS302', line: fb.line, message: `${fb.vars[0]} defaults to ${fb.url.value}, but the port evidence of ${service.name} disagrees (${evidence}), so ecsfix does not change it; check it by hand` });
      } else if (String(service.port) !== port) {
        const holder = repo.services.find((s) => s.port === Number(port) && s !== service);
        const fixed = fb.url.value.replace(`:${port}`, `:${service.port}`);
        if (!edits.some((e) => e.start === fb.url.start)) edits.push({ start: fb.url.start, end: fb.url.end, text: fixed });
        note({
          severity: 'info',
          code: 'ECS301',
          line: fb.line,
          message: `${fb.vars[0]} defaulted to port ${port}${holder ? ` (${holder.name}'s port)` : ''}; ${service.name} listens on ${service.port}, so the default is now ${fixed}`,
        });
      }
    } else if (repo && stem) {
      const readers = servicesReading(repo, file.path);
      // Set nowhere the model knows: in the container the default is the container itself.
      if (isLocal && readers.length > 0 && !readers.some((r) => fb.vars.some((v) => setFor(repo, r, v))))
        note({
          severity: 'warning',
          code: 'ECS305',
          line: fb.line,
          message: `${namedVars(fb.vars)} names no service of this repo and is set neither in compose nor in the image of ${readers.map((r) => r.name).join(', ')}: in the container it resolves to ${fb.url.value}, the container itself; set it in the ECS task definition`,
        });
      else note({ severity: 'info', code: 'ECS303', line: fb.line, message: `${fb.vars[0]} names no service of this repo; its default ${fb.url.value} is left as it is` });
      continue;
    }
    const namesService = service !== undefined || (!repo && fb.vars.some((v) => /_SERVICE(?:_INTERNAL)?_URL$/.test(v)));
    if (!isLocal || !namesService) continue;
    const key = fb.vars.join(',');
    if (guarded.has(key)) continue;
    guarded.add(key);
    if (alreadyContainerAware(fb.at) || hasGuard(file.source, fb.vars)) continue;
    const loaded = whenLoaded(file.path, repo);
    if (loaded === 'build') {
      note({ severity: 'warning', code: 'ECS324', line: fb.line, message: `${namedVars(fb.vars)} has a localhost fallback in next.config, which \`next build\` reads (it bakes rewrites, redirects and env into the build; the standalone server never loads next.config): pass ${fb.vars.length === 1 ? 'it' : 'them'} as a build argument to the stage that runs next build; the ECS task definition cannot change it, so no start-up check is added` });
      continue;
    }
    if (loaded === 'request') {
      note({ severity: 'warning', code: 'ECS323', line: fb.line, message: `${namedVars(fb.vars)} has a localhost fallback in a module Next.js (or the browser) loads on demand, not at start-up, so no start-up check is added here: set it in the ECS task definition` });
      continue;
    }
    const who = service?.name ?? (stem ? stem.toLowerCase().replace(/_/g, '-') : 'the service');
    guards.push({ vars: fb.vars, who });
    const named = namedVars(fb.vars);
    note({ severity: 'warning', code: 'ECS304', line: fb.line, message: `${named} has a localhost fallback; in a container it is now required at start-up: set it in the ECS task definition` });
  }
  if (guards.length) {
    const inContainer = useDocker ? `(process.env.ECS_CONTAINER_METADATA_URI_V4 || process.env.DOCKER === ${quoted(style, 'true')})` : 'process.env.ECS_CONTAINER_METADATA_URI_V4';
    const whom = guards.length === 1 ? (guards[0]?.who ?? '') : guards.map((g) => g.who).join(' or ');
    const which = guards.length === 1 ? `${guards[0]?.vars[0]} must` : 'these URLs must';
    const why = `In a container, localhost is not ${whom}: ${which} be set there (ECS sets ECS_CONTAINER_METADATA_URI_V4${useDocker ? ', docker-compose DOCKER=true' : ''}), and a missing one stops the start-up here, not at the first request. Outside a container the localhost default applies.`;
    const i = style.indent;
    const block = [
      ...wrapComment(why, 100),
      ...guards.flatMap((g) => [
        `if (${inContainer} && ${g.vars.map((v) => `!process.env.${v}`).join(' && ')}) {`,
        `${i}throw new Error(${quoted(style, `${namedVars(g.vars)} must be set when running in a container (no localhost fallback there)`)})${style.semi}`,
        `}`,
      ]),
    ].join('\n');
    // After the imports, and after a top-level dotenv load (review9 R37): before it, process.env lacks what .env sets.
    const importsEnd = Math.max(afterImports(j, root), dotenvLoadEnd(root, file.source));
    const at = importsEnd || afterFileComment(file.source);
    const text = importsEnd ? `\n\n${block}` : `${block}\n\n`;
    edits.push({ start: at, end: at, text });
  }
  if (edits.length === 0) return undefined;
  const required = guards.flatMap((g) => g.vars);
  const corrected = fallbacks.filter((fb) => edits.some((e) => e.start === fb.url.start)).map((fb) => fb.vars[0]);
  options.verify?.(
    [
      ...(required.length ? [`set ${required.join(', ')} in the ECS task definition (the start-up check stops the process in a container without ${required.length === 1 ? 'it' : 'them'})`] : []),
      ...(corrected.length ? [`check that the corrected default of ${corrected.join(', ')} reaches its service locally`] : []),
    ].join('; '),
  );
  return splice(file.source, edits);
}

/** End of the last top-level statement that loads a .env file (`require('dotenv').config()`, `dotenv.config({...})`, `require('dotenv/config')`), or 0. */
function dotenvLoadEnd(root: Collection, source: string): number {
  let end = 0;
  for (const stmt of root.get().node.program.body) {
    if (stmt.type !== 'ExpressionStatement' && stmt.type !== 'VariableDeclaration' && stmt.type !== 'ImportDeclaration') continue;
    const text = source.slice(stmt.start, stmt.end);
    if (/\bdotenv\b[^;]*?\.config\s*\(|['"]dotenv\/config['"]/.test(text)) end = stmt.end;
  }
  return end;
}

/** Whether compose's environment or an ENV of the deployed image sets `name` for `service`. */
function setFor(repo: RepoModel, service: Service, name: string): boolean {
  if (service.compose && name in service.compose.environment) return true;
  return service.imageEnv.has(name);
}

const NEXT_CONFIG = /^next\.config\.[cm]?[jt]s$/;

/**
 * When a module's top level runs, which decides whether a start-up check there can stop a container
 * that lacks the variable: `build` for next.config (read by `next build`, which bakes rewrites,
 * redirects and env into the build; the standalone server never loads it), `request` for a React
 * component (.jsx/.tsx) or a route module of a Next.js app (under app/ or pages/ beside a
 * next.config.*), which `next start` loads on the first request (a throw there would answer every
 * request with a 500), `start` for anything else.
 */
function whenLoaded(path: string, repo: CodemodOptions['repo']): 'build' | 'request' | 'start' {
  if (NEXT_CONFIG.test(path.slice(path.lastIndexOf('/') + 1))) return 'build';
  if (/\.[jt]sx$/.test(path)) return 'request';
  const route = /^(.*?)(?:src\/)?(?:app|pages)\//.exec(path);
  if (!route) return 'start';
  const root = route[1] ?? '';
  return (repo?.files ?? []).some((f: string) => f.startsWith(root) && NEXT_CONFIG.test(f.slice(root.length))) ? 'request' : 'start';
}

/** Whether the fallback already sits under a container check (`isDocker ? ... : 'http://localhost'`). */
function alreadyContainerAware(path: ASTPath): boolean {
  for (let p: ASTPath | null = path.parent; p; p = p.parent) {
    const n: Node = p.node;
    if ((n.type === 'ConditionalExpression' || n.type === 'IfStatement') && CONTAINER_AWARE.test(JSON.stringify(n.test ?? {}, ['type', 'name', 'object', 'property', 'value', 'left', 'right', 'argument', 'callee']))) return true;
  }
  return false;
}

/** Whether the file already stops at start-up when the variable is missing in a container. */
function hasGuard(source: string, vars: string[]): boolean {
  return vars.every((v) => new RegExp(`if \\([^\\n]*ECS_CONTAINER_METADATA_URI_V4[^\\n]*!process\\.env\\.${v}\\b`).test(source));
}

/** `// ` lines of at most `width` characters. */
function wrapComment(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '//';
  for (const word of text.split(' ')) {
    if (line.length + 1 + word.length > width && line !== '//') {
      lines.push(line);
      line = '//';
    }
    line += ` ${word}`;
  }
  return [...lines, line];
}

/** Offset after the comment block that opens a file and the blank line after it (a module header), or 0. */
function afterFileComment(source: string): number {
  const m = /^(?:\s*(?:\/\*[\s\S]*?\*\/|\/\/[^\n]*))+[ \t]*\n[ \t]*\n/.exec(source);
  return m ? m[0].length : 0;
}

/** `A (or B / C)` for a chain of variables read one after the other. */
function namedVars(vars: string[]): string {
  return vars.length > 1 ? `${vars[0]} (or ${vars.slice(1).join(' / ')})` : (vars[0] ?? '');
}
