/**
 * Runs a TS/JS codemod — a jscodeshift transform module, the same one `npx jscodeshift -t
 * codemods/<id>.ts` runs — as an ecsfix transform: the repo model arrives in its options, its
 * output becomes range edits over the input (so notes map to lines, CRLF/BOM survive, the patch is
 * minimal), its notes become findings, and a result with a syntax error is never accepted (the test
 * suite checks every codemod output against TypeScript's own parser too).
 *
 * jscodeshift is loaded on first use only, so a run that changes no source file never pays for it.
 */
import { createRequire } from 'node:module';
import { diffLines } from 'diff';
import type { API, FileInfo, JSCodeshift } from 'jscodeshift';
import type { RepoModel } from '../repo/model.js';
import { sourceSyntaxError } from '../source/index.js';
import { langOf, parseProgram } from '../source/facts.js';
import { toBabelFile } from '../source/babel-shape.js';
import { reshapeKept, takeKeptParse } from '../source/keptParses.js';
import type { CodemodNote, CodemodOptions } from '../codemod.js';
import type { Finding } from '../findings/finding.js';
import type { Transform, TransformInput, TransformResult } from '../transform.js';
import type { TextEdit } from '../edits.js';

const load = createRequire(import.meta.url);

/** A source file that does not parse: named with its line, left untouched. */
export class SourceSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

export interface CodemodModule {
  default: (file: FileInfo, api: API, options: CodemodOptions) => string | null | undefined | void;
  parser?: string;
}

export interface CodemodMeta extends Omit<Transform, 'run' | 'kinds'> {
  /** A file whose text has none of these tokens is skipped before any parse. */
  tokens: RegExp;
}

let jscodeshift: JSCodeshift | null = null;
const withParsers = new Map<string, JSCodeshift>();
/** jscodeshift bound to a parser, made once per parser (`withParser` builds a whole new API object each call). */
function loadJscodeshift(parser: string): JSCodeshift {
  let j = withParsers.get(parser);
  if (!j) {
    jscodeshift ??= load('jscodeshift') as JSCodeshift;
    j = jscodeshift.withParser(parser);
    withParsers.set(parser, j);
  }
  return j;
}

const parsers = new Map<string, (source: string) => unknown>();
/**
 * The fallback for a file whose oxc program holds syntax ast-types does not know (see babelFileOf):
 * jscodeshift's own parser for `ts`/`tsx` (babel with jscodeshift's options), without what only
 * recast's reprint needs: the token list and comments attached to nodes (together about 40% of the
 * parse). The codemods never reprint and never read either; under the jscodeshift CLI they get both
 * and ignore them.
 */
function loadParser(name: string): (source: string) => unknown {
  let parse = parsers.get(name);
  if (!parse) {
    const fromJscodeshift = createRequire(load.resolve('jscodeshift/package.json'));
    const babel = fromJscodeshift('@babel/parser') as { parse(source: string, options: object): unknown };
    const base = load('jscodeshift/parser/tsOptions') as { plugins: unknown[] };
    const options = { ...base, plugins: name === 'tsx' ? ['jsx', ...base.plugins] : base.plugins, tokens: false, attachComment: false };
    parse = (source: string) => babel.parse(source, options);
    parsers.set(name, parse);
  }
  return parse;
}

/** The last file reshaped: the codemods that read the same text in turn share it (none changes the tree). */
let lastFile: { path: string; source: string; file: unknown } | null = null;

/**
 * The Babel File a codemod reads for a file: oxc's parse reshaped into Babel's node types
 * (src/source/babel-shape.ts) — babel's own parse, cold in a run that touches a few hundred files,
 * cost half as much again as oxc's parse and the reshaping together — or babel's parse when the file
 * holds syntax newer than jscodeshift's ast-types. (Keeping the repo model's oxc parse of these files
 * for the codemods, instead of parsing them again, saved about 1% more CPU for 30% more peak memory
 * at 510 services: not done.)
 */
function babelFileOf(path: string, source: string, j: JSCodeshift, parser: string): unknown {
  if (lastFile?.path === path && lastFile.source === source) return lastFile.file;
  const known = knownTypes(j);
  // The model's parse of this text, when the thread kept it (src/source/keptParses.ts).
  const keptFile = takeKeptParse(path, source, known);
  const { program, error } = keptFile === undefined ? parseProgram(path, source) : { program: null, error: null };
  const file = (keptFile !== undefined ? keptFile : !error && toBabelFile(program, source, known)) || loadParser(parser)(source);
  lastFile = { path, source, file };
  return file;
}

/** Whether jscodeshift's ast-types knows a node type (what toBabelFile's result may hold). */
function knownTypes(j: JSCodeshift): (type: string) => boolean {
  const known = j.types.namedTypes as Record<string, unknown>;
  return (type) => type in known;
}

/**
 * Reshapes the parses this thread kept for the codemods (src/source/keptParses.ts) until `until()`
 * says stop: work for a thread that waits. True when some remain.
 */
export function prepareKeptParses(until: () => boolean): boolean {
  return reshapeKept(knownTypes(loadJscodeshift('ts')), until);
}

/** The smallest line-level edits that turn `before` into `after`. */
export function lineEdits(before: string, after: string): TextEdit[] {
  const edits: TextEdit[] = [];
  let offset = 0;
  let pending: TextEdit | null = null;
  for (const part of diffLines(before, after)) {
    if (part.removed) {
      pending = pending ?? { start: offset, end: offset, text: '' };
      pending.end = offset + part.value.length;
      offset += part.value.length;
    } else if (part.added) {
      pending = pending ?? { start: offset, end: offset, text: '' };
      pending.text += part.value;
    } else {
      if (pending) edits.push(pending);
      pending = null;
      offset += part.value.length;
    }
  }
  if (pending) edits.push(pending);
  return edits;
}

/** The parser a file needs: the module's own for .ts/.js, tsx where JSX may appear. */
function parserFor(path: string, declared: string | undefined): string {
  const lang = langOf(path);
  return lang === 'tsx' || lang === 'jsx' ? 'tsx' : (declared ?? 'ts');
}

/** Runs a codemod module on one file; the result is the module's output as edits plus its notes. */
export function runCodemod(module: CodemodModule, input: { path: string; text: string; repo?: RepoModel }): TransformResult & { verify?: string } {
  const known = sourceSyntaxError(input.path, input.text);
  if (known) throw new SourceSyntaxError(`does not parse: ${known.message}`, known.line);
  const findings: Finding[] = [];
  const parser = parserFor(input.path, module.parser);
  const j = loadJscodeshift(parser);
  const api: API = { j, jscodeshift: j, stats: () => undefined, report: (message: string) => findings.push({ code: 'ECS399', severity: 'info', message }) };
  let verify: string | undefined;
  const options: CodemodOptions = {
    repo: input.repo,
    note: (n: CodemodNote) => findings.push({ ...n }),
    verify: (text: string) => void (verify = text),
    parse: (source: string) => babelFileOf(input.path, source, j, parser),
    tsMorph: () => load('ts-morph') as typeof import('ts-morph'),
  };
  const output = module.default({ path: input.path, source: input.text }, api, options);
  if (typeof output !== 'string' || output === input.text) return { edits: [], findings };
  // The parser that read the input (oxc, which follows TypeScript's syntax and is tested against its
  // conformance suite). Loading TypeScript itself for this check cost more than the whole repo model
  // of a 17-service repo; the test suite checks every codemod output with TypeScript's parser too.
  const broken = sourceSyntaxError(input.path, output);
  if (broken) {
    // A codemod bug must never write a broken file: drop the change, keep the findings, say so.
    findings.push({ severity: 'warning', code: 'ECS399', message: `the rewrite was not applied: its result would not parse (line ${broken.line}: ${broken.message})` });
    return { edits: [], findings };
  }
  return { edits: lineEdits(input.text, output), findings, ...(verify ? { verify } : {}) };
}

/** An ecsfix transform around a codemod module. */
export function codemodTransform(meta: CodemodMeta, module: CodemodModule): Transform {
  const { tokens, ...rest } = meta;
  return {
    ...rest,
    kinds: ['source'],
    sourceTokens: tokens,
    run(input: TransformInput): TransformResult {
      if (!tokens.test(input.text)) return { edits: [], findings: [] };
      const { verify, ...result } = runCodemod(module, input);
      // What this change needs verified, as the codemod established it, instead of the general line.
      return verify && result.edits.length ? { ...result, safety: { safety: meta.safety, verify } } : result;
    },
  };
}
