/**
 * compose-secret-defaults: a secret's default in a compose file (`${MONGO_URI:-mongodb+srv://u:p@…}`,
 * `${JWT_SECRET:-dev-secret}`) is removed, so a deployment that forgets the variable does not run
 * on a credential committed to git. `${VAR-default}` likewise, wherever compose interpolates
 * (environment map or list, command, healthcheck, build.args, …), per variable inside a larger
 * value; `${VAR:?msg}` and `$$` escapes are left alone. A secret is a variable (or, when the value
 * is just the interpolation, the key) whose name says so (lib/secret-names.ts: `TOKEN_TTL` and a
 * default of `3600` are not), or a default that carries credentials (`scheme://user:pass@host`,
 * `sk_live_…`) whatever the name.
 *
 * Local development keeps working: each removed variable is listed in the repo's `.env.example`
 * (the one it already has — `.env.example`, `.env.sample`, `env.example` — in the compose file's
 * directory or above; else one is created beside the compose file), with the old default as the
 * example value when it is a placeholder. A default that looks like a real credential is not copied
 * anywhere: the variable is listed empty and a blocking finding says to rotate it. So is a default
 * whose password is a literal secret some compose file of the repo sets (`POSTGRES_PASSWORD:
 * s3cr3t-pg` beside `${DATABASE_URL:-postgresql://acme:s3cr3t-pg@postgres/acme}`): this run reports
 * that literal as a secret to move out of git, so it is not written into a new committed file. A
 * variable the example file already lists keeps its line; when that value is not the removed
 * default, `cp .env.example .env` does not reproduce it, and a warning says so.
 *
 * A plain literal secret (`DB_PASSWORD: postgres`) is reported, not rewritten; so is one in an env
 * file the repo has and a service reads with `env_file:` (the same leak in another file: ECS211 when
 * it looks real, ECS212 otherwise), at the env file's line. Env files are never edited. Edits are ranges in
 * the YAML source (never a re-dump); the result is re-parsed and must equal the original document
 * with only those values changed, or the file is left alone.
 */
import { isAlias, isDocument, isMap, isPair, isScalar, isSeq, visit, type Alias, type Document, type Node, type Pair, type Scalar } from 'yaml';
import type { Finding } from '../src/findings/finding.js';
import type { RepoModel } from '../src/repo/model.js';
import { composeDocument, parsesClean, type ComposeEnvFile } from '../src/repo/compose.js';
import { changedScalarValues } from '../src/repo/composeValueEdits.js';
import { envExampleFor, envFileEntries } from '../src/repo/envFiles.js';
import { unfollowedComposeFiles, unfollowedDefinitions } from '../src/repo/followedProjects.js';
import { lineIndex } from '../src/text.js';
import type { OtherFileEdits, Transform, TransformInput, TransformResult } from '../src/transform.js';
import type { TextEdit } from '../src/edits.js';
import { isLiveCredential, isPlaceholderToken, isPlainSettingValue, isSecretName } from '../src/secretNames.js';

const ID = 'compose-secret-defaults';

/** `scheme://user:password@host`: a URL that carries a password. */
const URL_CREDENTIALS = /^[a-z][a-z0-9+.-]*:\/\/([^/\s:@]*):([^/\s@]+)@([^/\s:?#]+)/i;
/** The repo's example env file, in the order it is looked for in each directory. */

/** One `${…}` in a string: offsets relative to the string, the operator and the default. */
export interface Interpolation {
  start: number;
  end: number;
  name: string;
  /** `:-`, `-`, `:?`, `?`, `:+`, `+`, or '' for `${NAME}`. */
  op: string;
  /** The text after the operator (default, message or alternative). */
  arg: string;
}

/** The braced interpolations of a string, `$$` escapes skipped, nested `${…}` in a default kept whole. */
export function interpolations(text: string): Interpolation[] {
  const out: Interpolation[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '$') continue;
    if (text[i + 1] === '$') {
      i++; // `$$` is a literal dollar
      continue;
    }
    if (text[i + 1] !== '{') continue;
    const head = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(:-|-|:\?|\?|:\+|\+)?/.exec(text.slice(i));
    if (!head) continue;
    let depth = 1;
    let j = i + head[0].length;
    for (; j < text.length && depth > 0; j++) {
      if (text[j] === '$' && text[j + 1] === '$') j++;
      else if (text[j] === '$' && text[j + 1] === '{') {
        depth++;
        j++;
      } else if (text[j] === '}') depth--;
    }
    if (depth > 0) break; // unterminated: compose rejects it, nothing to rewrite
    const op = head[2] ?? '';
    if (op === '' && text[i + head[0].length] !== '}') continue; // `${NAME…` with an operator compose does not know
    out.push({ start: i, end: j, name: head[1] as string, op, arg: text.slice(i + head[0].length, j - 1) });
    i = j - 1;
  }
  return out;
}

/** Whether a default is a stand-in for local development rather than a real credential. */
export function isPlaceholder(value: string, repo: RepoModel): boolean {
  if (isLiveCredential(value)) return false;
  const url = URL_CREDENTIALS.exec(value);
  const local = (host: string) => /^(?:localhost|127\.0\.0\.1|0\.0\.0\.0|host\.docker\.internal|.*\.local|.*example\.(?:com|org))$/i.test(host) || composeServiceNames(repo).has(host);
  if (url) return local(url[3] as string) || isPlaceholderWord(url[2] as string);
  // `sk_live_51Hxxxxxxxxxxxxxxxx`: mixed classes, but a placeholder's tail (isLiveCredential says no too).
  return isPlaceholderWord(value) || isPlaceholderToken(value) || !looksRandom(value);
}

function isPlaceholderWord(value: string): boolean {
  return /^(?:postgres|mysql|mongo|redis|root|admin|password|passwd|pass|secret|changeme|guest|test|dev|local|example|minioadmin|x+|\*+)$/i.test(value) || /change[-_ ]?me|dev|example|placeholder|dummy|sample|not[-_]?a[-_]?secret|local|test/i.test(value);
}

/** A long token mixing character classes, as generated secrets and keys are. */
function looksRandom(value: string): boolean {
  if (value.length < 16) return false;
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((re) => re.test(value)).length;
  return classes >= 3 || (value.length >= 32 && classes >= 2);
}

/** The compose services' names, once per model (asked for each default: per call it was quadratic in a large compose file). */
function composeServiceNames(repo: RepoModel): Set<string> {
  let names = serviceNames.get(repo.compose);
  if (!names) serviceNames.set(repo.compose, (names = new Set(repo.compose.projects.flatMap((p) => p.services.map((s) => s.name)))));
  return names;
}

const serviceNames = new WeakMap<RepoModel['compose'], Set<string>>();

/** The key a scalar is the value of (`MONGO_URI:` or `- MONGO_URI=…`), and whether it sits under `environment`/`args`. */
function contextOf(node: Scalar, path: readonly (Node | Document | Pair)[]): { key: string | null; env: boolean; valueStart: number } {
  const parent = path[path.length - 1];
  let key: string | null = null;
  let valueStart = 0;
  if (isPair(parent) && isScalar(parent.key)) key = String(parent.key.value);
  else if (isSeq(parent) && typeof node.value === 'string') {
    const m = /^([A-Za-z_][A-Za-z0-9_.-]*)=/.exec(node.value);
    if (m) {
      key = m[1] as string;
      valueStart = m[0].length;
    }
  }
  // The collection holding the scalar is the value of an `environment:` or `args:` pair.
  const holder = isPair(parent) ? path[path.length - 2] : parent;
  const owner = path[path.indexOf(holder as Node) - 1];
  const env = isPair(owner) && isScalar(owner.key) && /^(?:environment|args)$/.test(String(owner.key.value)) && (isMap(holder) || isSeq(holder));
  return { key, env, valueStart };
}

interface Decision {
  name: string;
  replacement: string;
  default: string;
  real: boolean;
}

/** A default removed from the compose file, at the (1-based) line of its first occurrence. */
type Removed = Decision & { line: number };

/** What happens to one interpolation: null when it stays. */
function decide(i: Interpolation, whole: boolean, key: string | null, repo: RepoModel, require: boolean): Decision | null {
  if ((i.op !== ':-' && i.op !== '-') || i.arg === '') return null;
  // The name alone never makes a number, boolean, duration or region a secret (`${PASSWORD_MIN_LENGTH:-8}`).
  const byName = (isSecretName(i.name) || (whole && key !== null && isSecretName(key))) && !isPlainSettingValue(i.arg);
  const secret = byName || URL_CREDENTIALS.test(i.arg) || isLiveCredential(i.arg);
  if (!secret) return null;
  return {
    name: i.name,
    replacement: require ? `\${${i.name}:?${i.name} must be set}` : `\${${i.name}}`,
    default: i.arg,
    real: !isPlaceholder(i.arg, repo),
  };
}

/** A string with its secret defaults removed (the same decisions as on the source text). */
function rewrite(value: string, key: string | null, repo: RepoModel, require: boolean, valueStart = 0, removed?: (d: Decision) => void): string {
  let out = value;
  const found = interpolations(value);
  for (const i of [...found].reverse()) {
    const whole = i.start === valueStart && i.end === value.length;
    const d = decide(i, whole, key, repo, require);
    if (d) out = out.slice(0, i.start) + d.replacement + out.slice(i.end);
    if (d) removed?.(d);
  }
  return out;
}

/** A value as a .env line writes it: single-quoted when it has spaces, `#`, quotes or `$`. */
function envValue(value: string): string {
  if (value === '' || /^[\w@%+=:,./-]+$/.test(value)) return value;
  return value.includes("'") ? `"${value.replace(/(["\\$])/g, '\\$1')}"` : `'${value}'`;
}

function toJS(doc: Document): unknown {
  return doc.toJS({ maxAliasCount: -1 });
}

/** What {@link expected} rewrites with. */
interface RewriteContext {
  repo: RepoModel;
  require: boolean;
  /** Told each default removed. */
  removed?: (d: Decision) => void;
}

/** The original document's values with the same rewrite applied (what the output must parse to). */
function expected(value: unknown, key: string | null, inSeq: boolean, ctx: RewriteContext): unknown {
  if (typeof value === 'string') return expectedString(value, key, inSeq, ctx);
  if (Array.isArray(value)) return value.map((v) => expected(v, null, true, ctx));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expected(v, k, false, ctx)]));
  return value;
}

/** A string value with the rewrite applied: under `key` in a map, or an item of a list (`- NAME=value`). */
function expectedString(value: string, key: string | null, inSeq: boolean, ctx: RewriteContext): string {
  const listKey = inSeq ? /^([A-Za-z_][A-Za-z0-9_.-]*)=/.exec(value) : null;
  return rewrite(value, listKey ? (listKey[1] as string) : key, ctx.repo, ctx.require, listKey ? listKey[0].length : 0, ctx.removed);
}

/**
 * The output check read per scalar node, when the document lets every value be read in its own key
 * context only: no alias resolves to a scalar (it would be read under another key too), every key is
 * a scalar, and every merge (`<<`) value is an alias or a list of aliases (an inline merged map is
 * read only where it is merged). A value then appears in the document's values (toJS) only where its
 * node stands or where an alias or merge copies its map or list, always under its own key, so the
 * output's values are the original's with the rewrite applied exactly when each value scalar's new
 * value is its old one rewritten in its context: no read of the whole document, and none of yaml's
 * alias resolution, which scans the document's aliases for each (quadratic in a compose file with
 * 1,700 `<<: *x` merges). Filled during the transform's walk of the document.
 */
interface NodeCheck {
  usable: boolean;
  /** The value each scalar whose rewrite changes it must get, by its offset. */
  expected: Map<number, unknown>;
}

/** The visitor parts that fill a {@link NodeCheck}: `anchored` and `value` are for the walk's Scalar visitor (keys and values, values). */
function nodeCheckWalk(check: NodeCheck, ctx: RewriteContext) {
  const anchors = new Map<string, Node>();
  const anchored = (node: Node) => {
    if (node.anchor) anchors.set(node.anchor, node);
  };
  return {
    anchored,
    Map: (_: unknown, node: Node) => anchored(node),
    Seq: (_: unknown, node: Node) => anchored(node),
    Alias(key: unknown, alias: Alias) {
      // The last anchor of that name before it, as yaml resolves it.
      const target = anchors.get(alias.source);
      if (key === 'key' || !target || isScalar(target)) check.usable = false;
    },
    Pair(_: unknown, pair: Pair) {
      if (!isScalar(pair.key)) check.usable = false;
      else if (isMergeKey(pair.key) && !(isAlias(pair.value) || (isSeq(pair.value) && pair.value.items.every(isAlias)))) check.usable = false;
    },
    value(node: Scalar, path: readonly unknown[]) {
      const parent = path[path.length - 1];
      let key: string | null = null;
      if (isPair(parent)) {
        // Its key as toJS writes it into the values (null: '').
        const k = isScalar(parent.key) ? parent.key.value : undefined;
        if (!isScalar(parent.key) || (typeof k === 'object' && k !== null) || typeof k === 'symbol') check.usable = false;
        key = k === null || k === undefined || typeof k === 'symbol' ? '' : String(k);
      } else if (!isSeq(parent) && !isDocument(parent)) check.usable = false;
      if (!node.range) check.usable = false;
      if (typeof node.value !== 'string' || !node.range) return;
      const wanted = expectedString(node.value, key, isSeq(parent), ctx);
      if (wanted !== node.value) check.expected.set(node.range[0], wanted);
    },
  };
}

/** A `<<` key, as yaml's merge reads it (a plain scalar `<<`). */
function isMergeKey(key: Scalar): boolean {
  return key.value === '<<' || (typeof key.value === 'symbol' && key.value.description === '<<');
}

/** The {@link NodeCheck} verdict on the output; undefined when the check is not usable or the output's values are not shown on its tokens. */
function checkedOnNodes(check: NodeCheck, text: string, out: string, rewritten: Map<number, Scalar>): boolean | undefined {
  if (!check.usable) return undefined;
  const changes = changedScalarValues(text, out);
  if (!changes || !changes.every((c) => rewritten.has(c.offset))) return undefined;
  const changed = new Set<number>();
  for (const c of changes) {
    changed.add(c.offset);
    const wanted = check.expected.has(c.offset) ? check.expected.get(c.offset) : (rewritten.get(c.offset) as Scalar).value;
    if (JSON.stringify(c.value) !== JSON.stringify(wanted)) return false;
  }
  return [...check.expected.keys()].every((offset) => changed.has(offset));
}

/** Whether the output's values are the original document's with the same rewrite applied. */
function asExpected(doc: Document, outValues: unknown, repo: RepoModel, require: boolean): boolean {
  return outValues !== undefined && JSON.stringify(outValues) === JSON.stringify(expected(toJS(doc), null, false, { repo, require }));
}

/** The output's values from a parse of it; undefined when it has errors or a repeated key. */
function parsedValues(out: string): unknown {
  const { doc } = composeDocument(out);
  return parsesClean(doc) ? toJS(doc) : undefined;
}

/**
 * The variables whose lines another run of this transform adds to the same example file first: the
 * compose files before `path` (in the order the model reads them) whose defaults it removes. Both
 * runs append the same line, which lands once, so only the first one lists it (ECS214).
 */
function listedByEarlierFile(path: string, examplePath: string, repo: RepoModel, read: (p: string) => string | null, require: boolean): Set<string> {
  const names = new Set<string>();
  const files = [...new Set([...repo.composeFiles, ...repo.compose.files])];
  for (const file of files.slice(0, Math.max(0, files.indexOf(path)))) {
    const text = envExampleFor(file, read).path === examplePath ? read(file) : null;
    if (text === null) continue;
    const { doc } = composeDocument(text);
    if (!parsesClean(doc)) continue;
    expected(toJS(doc), null, false, { repo, require, removed: (d) => names.add(d.name) });
  }
  return names;
}

export const composeSecretDefaults: Transform = {
  id: ID,
  title: 'Secrets have no default in compose files; .env.example lists them',
  kinds: ['compose'],
  safety: 'behavior-changing',
  fixes: 'a secret defaulted inside docker-compose (`${MONGO_URI:-mongodb+srv://user:pass@…}`): committed to git, and used whenever the variable is forgotten',
  verify:
    'every variable whose default was removed is set where the stack runs (.env for local development, the task definition or Secrets Manager on ECS); `docker compose config` shows no missing variable',
  appliesTo: (path, repo) => repo.composeFiles.includes(path) || repo.compose.files.includes(path),
  run({ path, text, repo, options, read }: TransformInput): TransformResult {
    const require = options.requireSecrets ?? false;
    const envFindings = envFileSecrets(path, repo, read);
    // Nothing to remove or report without an interpolation default, a secret-like name or a URL password.
    if (!/\$\{[A-Za-z_][A-Za-z0-9_]*:?-/.test(text) && !/PASS|PWD|SECRET|TOKEN|KEY|CREDENTIAL/i.test(text) && !/:\/\/[^\s/]*:[^\s/]*@/.test(text) && !isLiveCredential(text))
      return { edits: [], findings: envFindings };
    const { doc } = composeDocument(text);
    // A file that does not parse is the engine's (ECS002); nothing to do here.
    if (!parsesClean(doc)) return { edits: [], findings: [] };
    const edits: TextEdit[] = [];
    const findings: Finding[] = [...envFindings];
    const removed = new Map<string, Removed>();
    const lineOfOffset = lineIndex(text);
    const example = envExampleFor(path, read);
    const listed = envFileEntries(example.text ?? '');
    let literals: Map<string, LiteralSecret> | undefined;
    const localOnly = unfollowedComposeFiles(repo).has(path);
    const flaggedLiteral = (value: string) => flaggedLiteralIn(value, (literals ??= repoLiteralSecrets(path, text, repo, read)));

    // The scalars the edits rewrite, by offset, for the output check below.
    const rewrittenNodes = new Map<number, Scalar>();
    // The output check per scalar node, filled by this walk.
    const check: NodeCheck = { usable: true, expected: new Map() };
    const checkWalk = nodeCheckWalk(check, { repo, require });
    visit(doc, {
      Map: checkWalk.Map,
      Seq: checkWalk.Seq,
      Alias: checkWalk.Alias,
      Pair: checkWalk.Pair,
      Scalar(key, node, path) {
        checkWalk.anchored(node);
        if (key === 'key') return;
        checkWalk.value(node, path);
        if (!node.range) return;
        const [start, end] = node.range;
        const raw = text.slice(start, end);
        const ctx = contextOf(node, path as readonly (Node | Document | Pair)[]);
        const line = lineOfOffset(start);
        const service = serviceOf(path as readonly unknown[]);
        const value = node.value;
        const found = typeof value === 'string' ? interpolations(raw) : [];
        let rewritten = false;
        for (const i of found) {
          // Offsets in the raw source; `whole` compares with the parsed value (quotes excluded).
          const whole = typeof value === 'string' && value.slice(ctx.valueStart) === raw.slice(i.start, i.end) && value.length - ctx.valueStart === i.end - i.start;
          const decided = decide(i, whole, ctx.key, repo, require);
          if (!decided) continue;
          const reused = decided.real ? null : flaggedLiteral(decided.default);
          const d = reused ? { ...decided, real: true } : decided;
          if (raw.slice(i.start, i.end).includes('\n')) {
            findings.push({ code: 'ECS213', severity: 'warning', message: `the default of ${d.name} spans lines in a folded scalar; remove it by hand`, line });
            continue;
          }
          edits.push({ start: start + i.start, end: start + i.end, text: d.replacement });
          rewrittenNodes.set(start, node);
          rewritten = true;
          if (!removed.has(d.name)) removed.set(d.name, { ...d, line });
          const inExample = listed.get(d.name);
          const exampleNote = d.real ? '' : inExample && inExample.value !== d.default ? `; ${example.path} already lists it with another value` : `; "${d.default}" is its example value in ${example.path}`;
          findings.push({
            code: 'ECS210',
            severity: 'info',
            ...service,
            message: `${d.name}: default removed${require ? ' (compose now fails when it is unset)' : ''}${exampleNote}`,
            line,
          });
          if (d.real)
            findings.push({
              code: 'ECS211',
              severity: 'blocking',
              ...service,
              message: `${d.name}'s default looks like a real credential (${reused ? `the password ${reused.key} sets as a literal at ${reused.file}:${reused.line}` : describeSecret(d.default)}): it is in the git history, so rotate it; it was not copied anywhere`,
              line,
            });
        }
        // A literal secret under environment/args: reported, the owner decides.
        // A literal in a file only projects the task definitions do not follow read (the local stack) is not deployed: no ECS212.
        const literal = rewritten || localOnly ? null : literalSecret(node, path as readonly (Node | Document | Pair)[]);
        if (literal) findings.push({ code: 'ECS212', severity: 'warning', ...service, message: `${literal.key} is set to a literal value in the compose file; move it to .env or a secret store`, line });
      },
    });
    findings.push(...exampleDisagreements(path, example.path, listed, removed));
    if (edits.length === 0) return { edits: [], findings };

    // The output must parse to the same document with only those values changed.
    const out = applyEditsSorted(text, edits);
    const same = checkedOnNodes(check, text, out, rewrittenNodes) ?? asExpected(doc, parsedValues(out), repo, require);
    if (!same)
      return {
        edits: [],
        findings: [{ code: 'ECS213', severity: 'warning', message: `the secret defaults (${[...removed.keys()].join(', ')}) are written in a form ecsfix cannot rewrite without changing other values; remove them by hand` }],
      };

    return { edits, findings, otherFiles: [{ ...envExampleEdits(path, removed, example, listed, findings, listedByEarlierFile(path, example.path, repo, read, require)), bound: 'own' }] };
  },
};

/** A literal secret under `environment`/`args` (`POSTGRES_PASSWORD: s3cr3t-pg`), what ECS212 reports; null for anything else. */
function literalSecret(node: Scalar, path: readonly (Node | Document | Pair)[]): { key: string; value: string } | null {
  const ctx = contextOf(node, path);
  if (!ctx.env || !ctx.key || node.value === null || node.value === undefined) return null;
  const literal = String(node.value).slice(ctx.valueStart);
  const hasInterpolation = interpolations(literal).length > 0 || /(?:^|[^$])\$[A-Za-z_]/.test(literal);
  if (literal === '' || hasInterpolation || !(isSecretName(ctx.key) || URL_CREDENTIALS.test(literal) || isLiveCredential(literal))) return null;
  return { key: ctx.key, value: literal };
}

/** A literal secret of a compose file, where it is set. */
interface LiteralSecret {
  key: string;
  file: string;
  line: number;
}

/**
 * The literal secrets every compose file of the repo sets (what this run reports as ECS212), by value,
 * and the password of a literal URL among them, so a default can be checked against them.
 */
function repoLiteralSecrets(path: string, text: string, repo: RepoModel, read: (p: string) => string | null): Map<string, LiteralSecret> {
  const out = new Map<string, LiteralSecret>();
  for (const file of new Set([path, ...repo.compose.files, ...repo.composeFiles])) {
    const source = file === path ? text : read(file);
    if (source === null) continue;
    const { doc, lineCounter } = composeDocument(source);
    if (doc.errors.length) continue;
    visit(doc, {
      Scalar(key, node, nodePath) {
        if (key === 'key' || !node.range) return;
        const literal = literalSecret(node, nodePath as readonly (Node | Document | Pair)[]);
        if (!literal) return;
        const where = { key: literal.key, file, line: lineCounter.linePos(node.range[0]).line };
        for (const value of [literal.value, URL_CREDENTIALS.exec(literal.value)?.[2]]) if (value && !out.has(value)) out.set(value, where);
      },
    });
  }
  return out;
}

/**
 * The literal secret a default's password (the whole default when it is no URL) repeats, null when
 * none does. A placeholder word (`postgres`, `changeme`) stays a placeholder whoever sets it.
 */
function flaggedLiteralIn(value: string, literals: Map<string, LiteralSecret>): LiteralSecret | null {
  const password = URL_CREDENTIALS.exec(value)?.[2] ?? value;
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // a lone `%` in the password: compare it as written
  }
  if (isPlaceholderWord(decoded)) return null;
  return literals.get(password) ?? literals.get(decoded) ?? null;
}

/**
 * ECS211/ECS212 for the secrets of the env files services read with `env_file:` and the repo has
 * (git tracks them or does not ignore them): each env file once, from the compose file whose entry
 * names it first. A value compose interpolates (`${DB_PASSWORD}`) or an empty one is no literal.
 */
function envFileSecrets(path: string, repo: RepoModel, read: (p: string) => string | null): Finding[] {
  const findings: Finding[] = [];
  for (const [envPath, { entry, service, followed }] of committedEnvFiles(repo)) {
    if (entry.file !== path) continue;
    const text = read(envPath);
    if (text === null) continue;
    const via = `"${service}" reads it as env_file (${entry.file}:${entry.line})`;
    for (const [name, { value, line }] of envFileEntries(text)) {
      if (value === '' || value.includes('$')) continue;
      if (!((isSecretName(name) && !isPlainSettingValue(value)) || URL_CREDENTIALS.test(value) || isLiveCredential(value))) continue;
      // A placeholder only a project the task definitions do not follow reads (the local stack's .env.dev) is that stack's business.
      if (isPlaceholder(value, repo)) {
        if (followed)
          findings.push({ code: 'ECS212', severity: 'warning', service, file: envPath, line, message: `${name} is set to a literal value in ${envPath}, which the repo has and ${via}; move it to a gitignored env file or a secret store` });
      } else
        findings.push({ code: 'ECS211', severity: 'blocking', service, file: envPath, line, message: `${name} in ${envPath} looks like a real credential (${describeSecret(value)}) and ${via}: it is in the git history, so rotate it, then keep it out of the repo (a gitignored env file or a secret store); ${envPath} is not edited` });
    }
  }
  return findings;
}

/** The env files the repo has that some service reads, each with the first entry (in model order) that names it and that entry's service. */
function committedEnvFiles(repo: RepoModel): Map<string, { entry: ComposeEnvFile; service: string; followed: boolean }> {
  const out = new Map<string, { entry: ComposeEnvFile; service: string; followed: boolean }>();
  const unfollowed = unfollowedDefinitions(repo);
  for (const svc of repo.compose.services)
    for (const entry of svc.envFiles ?? []) {
      const seen = out.get(entry.path);
      if (entry.variables === null) continue;
      if (!seen) out.set(entry.path, { entry, service: svc.name, followed: !unfollowed.has(svc) });
      else if (!unfollowed.has(svc)) seen.followed = true;
    }
  return out;
}

/**
 * ECS216 for each removed default the example env file already lists with another value: it keeps
 * its line, and `cp .env.example .env` does not give the stack what the default gave it. Reported at
 * the compose line the default is removed from (the change it belongs to). A real credential listed
 * empty is what ecsfix itself would write, so it is not reported.
 */
function exampleDisagreements(composePath: string, examplePath: string, listed: Map<string, { value: string; line: number }>, removed: Map<string, Removed>): Finding[] {
  const out: Finding[] = [];
  for (const d of removed.values()) {
    const inExample = listed.get(d.name);
    if (!inExample || inExample.value === d.default || (d.real && inExample.value === '')) continue;
    out.push({
      code: 'ECS216',
      severity: 'warning',
      file: composePath,
      line: d.line,
      message: `${d.name} is listed in ${examplePath}:${inExample.line} with another value than the default removed here: \`cp ${examplePath} .env\` does not give the stack that value; make them agree`,
    });
  }
  return out;
}

/** `{ service }` when the scalar is inside `services.<name>` (the path is doc, map, pair `services`, map, pair `<name>`, …). */
function serviceOf(path: readonly unknown[]): { service?: string } {
  const top = path[2];
  const svc = path[4];
  if (isPair(top) && isScalar(top.key) && top.key.value === 'services' && isPair(svc) && isScalar(svc.key)) return { service: String(svc.key.value) };
  return {};
}

function describeSecret(value: string): string {
  const url = URL_CREDENTIALS.exec(value);
  if (url) return `a password in a URL to ${url[3]}`;
  return isLiveCredential(value) ? 'a provider credential' : `a random-looking token of ${value.length} characters`;
}

function applyEditsSorted(text: string, edits: TextEdit[]): string {
  let out = '';
  let at = 0;
  for (const e of [...edits].sort((a, b) => a.start - b.start)) {
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at);
}

/** Lines for the removed variables the example env file does not list yet, appended at its end. */
function envExampleEdits(composePath: string, removed: Map<string, Removed>, target: { path: string; text: string | null }, listed: Map<string, unknown>, findings: Finding[], earlier: Set<string>): OtherFileEdits {
  const text = target.text ?? '';
  const missing = [...removed.values()].filter((d) => !listed.has(d.name));
  if (missing.length === 0) return { path: target.path, edits: [] };
  const end = text.length;
  const edits: TextEdit[] = [];
  if (text !== '' && !text.endsWith('\n')) edits.push({ start: end, end, text: '\n' });
  edits.push({
    start: end,
    end,
    text: `${text.trim() === '' ? '' : '\n'}# Secrets the compose files no longer default (ecsfix ${ID}): copy this file to .env and set them.\n`,
  });
  for (const d of missing) edits.push({ start: end, end, text: `${d.name}=${d.real ? '' : envValue(d.default)}\n` });
  const own = missing.filter((d) => !earlier.has(d.name));
  if (own.length)
    findings.push({
      code: 'ECS214',
      severity: 'info',
      file: target.path,
      // Each variable with the compose line its default was removed from: what check shows for this file.
      message: `${target.text === null ? 'created' : 'added to'} ${target.path}: ${own.map((d) => `${d.name} (default removed at ${composePath}:${d.line})`).join(', ')}`,
    });
  return { path: target.path, edits };
}
