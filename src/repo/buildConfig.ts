/**
 * Where a package's builders write, as its config files say: tsc's `compilerOptions.outDir` (per
 * tsconfig, following relative `extends`), Vite's `build.outDir`, tsup's `outDir`, Next.js's `output:
 * 'standalone'`, and the `outputPath` of an Nx project.json's targets. Only literals count: anything else is
 * "not established" (`unknown`, with why), and the image model then makes no claim from it.
 */
import { posix } from 'node:path';
import { parseProgram } from '../source/facts.js';

/** A builder's output directory, package-relative: a directory, nothing (noEmit), or not established. */
export type OutDir = { dir: string } | { none: true } | { unknown: string };

export interface PackageBuildConfig {
  /** tsc's output for each tsconfig it may read, by its package-relative path (`tsconfig.json` may be a parent's). */
  tsc: Record<string, OutDir>;
  /** `vite build`'s output (null: the package has no vite config, so Vite's default `dist`). */
  vite: OutDir | null;
  /** `tsup`'s output without `--out-dir` (null: the package has no tsup config, so tsup's default `dist`). */
  tsup: OutDir | null;
  /** next.config sets `output: 'standalone'` (true), sets no output or another literal (false), or sets one that is not a literal ('unknown'). */
  nextStandalone: boolean | 'unknown';
  /** Repo-relative output paths project.json's targets declare (`options.outputPath`). */
  declared: string[];
}

type Node = any; // eslint-disable-line @typescript-eslint/no-explicit-any
type Read = (rel: string) => string | null;

const VITE_CONFIG = /^vite\.config\.(?:js|mjs|cjs|ts|mts|cts)$/;
const TSUP_CONFIG = /^tsup\.config\.(?:js|mjs|cjs|ts|mts|cts|json)$/;
const NEXT_CONFIG = /^next\.config\.(?:js|mjs|cjs|ts)$/;

/** The repo's files, indexed once for every package: the set, and the files directly in each directory. */
export interface FileIndex {
  has: Set<string>;
  inDir: Map<string, string[]>;
}

export function fileIndex(files: readonly string[]): FileIndex {
  const inDir = new Map<string, string[]>();
  for (const f of files) {
    const d = posix.dirname(f) === '.' ? '' : posix.dirname(f);
    const list = inDir.get(d);
    if (list) list.push(f);
    else inDir.set(d, [f]);
  }
  return { has: new Set(files), inDir };
}

export function readBuildConfig(dir: string, index: FileIndex, read: Read): PackageBuildConfig {
  const { has } = index;
  const inPkg = (name: string) => (dir ? `${dir}/${name}` : name);
  const direct = index.inDir.get(dir) ?? [];
  const tsc: Record<string, OutDir> = {};
  for (const f of direct.filter((f) => /^tsconfig[\w.-]*\.json$/.test(posix.basename(f)))) tsc[posix.basename(f)] = rebase(dir, posix.dirname(f), tsOutDir(f, has, read, 0));
  if (!tsc['tsconfig.json']) {
    const parent = nearestTsconfig(dir, has);
    tsc['tsconfig.json'] = parent ? rebase(dir, posix.dirname(parent) === '.' ? '' : posix.dirname(parent), tsOutDir(parent, has, read, 0)) : { unknown: `no tsconfig.json in ${dir || 'the repo root'} or above it` };
  }
  const viteFile = direct.find((f) => VITE_CONFIG.test(posix.basename(f)));
  const tsupFile = direct.find((f) => TSUP_CONFIG.test(posix.basename(f)));
  const nextFile = direct.find((f) => NEXT_CONFIG.test(posix.basename(f)));
  const nextText = nextFile ? read(nextFile) : null;
  return {
    tsc,
    vite: viteFile ? configOutDir(viteFile, read(viteFile), 'build') : null,
    tsup: tsupFile ? (tsupFile.endsWith('.json') ? { unknown: `ecsfix does not read ${tsupFile}` } : configOutDir(tsupFile, read(tsupFile), null)) : null,
    nextStandalone: nextFile ? nextOutput(nextFile, nextText) : false,
    declared: has.has(inPkg('project.json')) ? nxOutputs(read(inPkg('project.json'))) : [],
  };
}

/** An outDir relative to the tsconfig's directory, made relative to the package's. */
function rebase(pkgDir: string, configDir: string, out: OutDir): OutDir {
  if (!('dir' in out)) return out;
  const dir = posix.relative(pkgDir || '.', posix.join(configDir || '.', out.dir)) || '.';
  return { dir };
}

function nearestTsconfig(dir: string, has: Set<string>): string | null {
  for (let d = dir; d; d = posix.dirname(d) === '.' ? '' : posix.dirname(d)) if (has.has(`${d}/tsconfig.json`)) return `${d}/tsconfig.json`;
  return has.has('tsconfig.json') ? 'tsconfig.json' : null;
}

/** The object literal a JSON-with-comments text holds, or null. */
function jsonObject(text: string): Node | null {
  const { program, error } = parseProgram('config.js', `(${text}\n)`);
  let expr = error ? null : program.body?.[0]?.expression;
  while (expr?.type === 'ParenthesizedExpression') expr = expr.expression;
  return expr?.type === 'ObjectExpression' ? expr : null;
}

function propKey(p: Node): string | null {
  if (p?.type !== 'Property' || p.computed) return null;
  return p.key?.type === 'Identifier' ? p.key.name : typeof p.key?.value === 'string' ? p.key.value : null;
}

function prop(obj: Node, name: string): Node | undefined {
  return obj?.properties?.find((p: Node) => propKey(p) === name)?.value;
}

const stringOf = (n: Node): string | null => (n?.type === 'Literal' && typeof n.value === 'string' ? n.value : null);

/** tsc's outDir for one tsconfig, relative to its directory (an extended file's is rebased onto it). */
function tsOutDir(file: string, has: Set<string>, read: Read, depth: number): OutDir {
  const text = read(file);
  const config = text === null ? null : jsonObject(text);
  if (!config) return { unknown: `${file} does not parse` };
  const options = prop(config, 'compilerOptions');
  const noEmit = prop(options, 'noEmit');
  if (noEmit?.type === 'Literal' && noEmit.value === true) return { none: true };
  const outDir = prop(options, 'outDir');
  if (outDir !== undefined) return stringOf(outDir) !== null ? { dir: stringOf(outDir) as string } : { unknown: `${file}: outDir is not a string literal` };
  const ext = prop(config, 'extends');
  const bases = ext === undefined ? [] : ext.type === 'ArrayExpression' ? ext.elements : [ext];
  // The last base that sets it wins.
  for (const base of [...bases].reverse()) {
    const name = stringOf(base);
    if (name === null || !name.startsWith('.') || depth > 8) return { unknown: `${file} extends ${name ?? 'a non-literal'}, which ecsfix does not read` };
    const joined = posix.normalize(posix.join(posix.dirname(file), name));
    const path = has.has(joined) ? joined : has.has(`${joined}.json`) ? `${joined}.json` : null;
    if (!path) return { unknown: `${file} extends ${name}, which is not in the repo` };
    const out = tsOutDir(path, has, read, depth + 1);
    if ('unknown' in out || 'none' in out) return out;
    return { dir: posix.relative(posix.dirname(file), posix.join(posix.dirname(path), out.dir)) || '.' };
  }
  return { unknown: `${file} sets no outDir (tsc writes beside the sources)` };
}

/**
 * A bundler config's output directory: its only `outDir` when that is a literal, in a `within` object
 * (Vite's `build`) or at the top (tsup: null); `dist`, both tools' default, when none is set.
 */
function configOutDir(file: string, text: string | null, within: string | null): OutDir {
  if (text === null) return { unknown: `${file} cannot be read` };
  const { program, error } = parseProgram(file, text);
  if (error) return { unknown: `${file} does not parse` };
  const found: { key: string; value: Node; parent: string | null }[] = [];
  const visit = (node: Node, parent: string | null): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach((n) => visit(n, parent));
    if (node.type === 'Property') {
      const key = propKey(node);
      if (key === 'outDir' || key === 'root') found.push({ key, value: node.value, parent });
      visit(node.value, key);
      return;
    }
    if (node.type === 'SpreadElement' || (node.type === 'CallExpression' && node.callee?.name === 'mergeConfig')) found.push({ key: 'spread', value: node, parent });
    for (const [k, v] of Object.entries(node)) if (k !== 'type' && v && typeof v === 'object') visit(v, parent);
  };
  visit(program.body, null);
  if (found.some((f) => f.key === 'spread')) return { unknown: `${file} builds its config from other objects` };
  // Vite resolves build.outDir against `root`.
  const root = within === 'build' ? found.find((f) => f.key === 'root' && f.parent === null) : undefined;
  if (root && !isOwnDir(root.value)) return { unknown: `${file} sets root, which outDir is relative to` };
  const outDirs = found.filter((f) => f.key === 'outDir');
  if (outDirs.length === 0) return { dir: 'dist' };
  const only = outDirs.length === 1 && outDirs[0]?.parent === within ? stringOf(outDirs[0].value) : null;
  return only !== null ? { dir: only } : { unknown: `${file}: ${within ? `${within}.` : ''}outDir is not one string literal` };
}

/** `root: __dirname` / `'.'` / `import.meta.dirname`: the config's own directory, where `vite build` runs. */
function isOwnDir(n: Node): boolean {
  if (n?.type === 'Identifier') return n.name === '__dirname';
  if (n?.type === 'MemberExpression') return n.object?.type === 'MetaProperty' && n.property?.name === 'dirname';
  const s = stringOf(n);
  return s === '.' || s === './' || s === '';
}

/** Whether next.config's `output` is 'standalone': a string literal says, anything else does not. */
function nextOutput(file: string, text: string | null): boolean | 'unknown' {
  if (text === null) return 'unknown';
  const { program, error } = parseProgram(file, text);
  if (error) return 'unknown';
  const outputs = properties(program.body, 'output');
  if (outputs.some((o) => stringOf(o) === 'standalone')) return true;
  return outputs.every((o) => stringOf(o) !== null) ? false : 'unknown';
}

/** The values of every property named `name` in a syntax tree. */
function properties(node: Node, name: string, out: Node[] = []): Node[] {
  if (!node || typeof node !== 'object') return out;
  if (Array.isArray(node)) {
    for (const n of node) properties(n, name, out);
    return out;
  }
  if (node.type === 'Property' && propKey(node) === name) out.push(node.value);
  for (const [k, v] of Object.entries(node)) if (k !== 'type' && v && typeof v === 'object') properties(v, name, out);
  return out;
}

/** The literal `options.outputPath` of a project.json's targets. */
function nxOutputs(text: string | null): string[] {
  let json: unknown;
  try {
    json = text === null ? null : JSON.parse(text);
  } catch {
    return [];
  }
  const targets = (json as { targets?: Record<string, { options?: { outputPath?: unknown } }> } | null)?.targets ?? {};
  return Object.values(targets)
    .map((t) => t?.options?.outputPath)
    .filter((p): p is string => typeof p === 'string' && !p.includes('{'))
    .map((p) => posix.normalize(p).replace(/^\.\/|\/+$/g, ''));
}

/** The repo-relative directories a package's builds are declared to write outside any Dockerfile, with where that is said. */
export function declaredOutputs(pkg: { dir: string; build?: PackageBuildConfig }): { path: string; by: string }[] {
  const build = pkg.build;
  if (!build) return [];
  const inPkg = (name: string) => (pkg.dir ? `${pkg.dir}/${name}` : name);
  const out = build.declared.map((path) => ({ path, by: `${inPkg('project.json')} outputPath` }));
  const tsc = build.tsc['tsconfig.json'];
  if (tsc && 'dir' in tsc) out.push({ path: posix.normalize(posix.join(pkg.dir || '.', tsc.dir)), by: `the outDir of ${inPkg('tsconfig.json')}` });
  if (build.vite && 'dir' in build.vite) out.push({ path: posix.normalize(posix.join(pkg.dir || '.', build.vite.dir)), by: `vite's build.outDir (${pkg.dir || 'the repo root'})` });
  return out.filter((o) => !o.path.startsWith('..') && o.path !== '.');
}
