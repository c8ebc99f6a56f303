/**
 * The Dockerfile model: dockerfile-ast for structure and ranges, plus what the transforms ask of
 * every stage (its base image resolved through earlier stages, its effective USER, the tools it
 * has). dockerfile-ast cannot print a Dockerfile back, so transforms edit by offset and re-parse.
 */
import { DockerfileParser, Instruction, type Argument } from 'dockerfile-ast';
import type { TextEdit } from '../edits.js';
import { reparseEdited } from './dockerfileReparse.js';
import type { InstructionPlace } from './instructionPlace.js';
import { dockerfileFatalProblems, NO_SOURCE_IMAGE, noSourceImage, type FatalProblem } from './dockerfileFatalProblems.js';
import { classifyBaseImage, type BaseImage, type ProbeTool } from './baseImage.js';
import { lineStarts } from '../text.js';
import { expandVariables, variableAssignments } from '../dockerfile/expand.js';

export interface DockerInstruction extends InstructionPlace {
  /** Arguments with continuations joined, as Docker sees them. */
  args: string;
  node: Instruction;
}

export interface DockerStage {
  index: number;
  name: string | null;
  from: DockerInstruction;
  /** The image after FROM as written (may name an earlier stage). */
  fromRef: string;
  /**
   * The external base image, resolved through `FROM <earlier stage>`, its reference expanded with
   * the build variables it names ({@link fromVariables}) when each has a value; else read as written
   * (`node:${NODE_VERSION}`: no variant established).
   */
  base: BaseImage;
  /**
   * The build variables the FROM of the stage the base comes from expands (`ARG NODE_VERSION=20-alpine`
   * before `FROM node:${NODE_VERSION}`), with the value its base was read with; empty for a literal reference.
   */
  fromVariables: FromVariable[];
  /** Index of the stage this one is built FROM, when it names an earlier stage. */
  parentStage: number | null;
  instructions: DockerInstruction[];
  /** USER in force at the end of the stage (inherited from a parent stage), null = root by default. */
  user: string | null;
  /** Probe tools available at the end of the stage: the base image's plus the ones the stage installs. */
  tools: ProbeTool[];
}

/** A variable a FROM reference expands, as the base image was read. */
export interface FromVariable {
  name: string;
  /** Its value; null when none is established (no default and no build arg, or the builds disagree). */
  value: string | null;
  /**
   * The value is an ARG default (or a compose `${VAR:-default}`) that a `--build-arg` the repo does
   * not show (a CI script) would replace: a change that depends on the base image says so.
   */
  assumed: boolean;
  /** Where the value comes from, for notes: `ARG NODE_VERSION=20-alpine (line 1)`. */
  where: string;
}

/** A build arg a build passes (compose `build.args`), for {@link withBuildArgs}. */
export interface BuildArg {
  /** null: passed, but its value is not established (`${VAR}` from the caller's shell, services that disagree). */
  value: string | null;
  assumed: boolean;
  where: string;
}

export interface ParsedDockerfile {
  text: string;
  instructions: DockerInstruction[];
  stages: DockerStage[];
  escape: string;
}

export class DockerfileSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}


/**
 * Transforms chained on one file, the plan's verification and the model all parse the same texts:
 * remember the last few results (parsing is the bulk of a run's time). Results are read-only.
 */
function memoize<T>(compute: (text: string) => T, size: number): ((text: string) => T) & { forget(text: string): void; peek(text: string): T | undefined } {
  const cache = new Map<string, T>();
  const memo = (text: string) => {
    const hit = cache.get(text);
    if (hit !== undefined) return hit;
    const value = compute(text);
    cache.set(text, value);
    if (cache.size > size) cache.delete(cache.keys().next().value as string);
    return value;
  };
  return Object.assign(memo, { forget: (text: string) => void cache.delete(text), peek: (text: string) => cache.get(text) });
}

const problemsOf = memoize(computeProblems, 16_384);

export function dockerfileProblems(text: string): { line: number; message: string }[] {
  return problemsOf(text);
}

/**
 * dockerfile-ast tokenises an instruction's arguments afresh on every call of its (private)
 * getRawArguments, and its parser, its accessors and the fatal checks call it many times per
 * instruction. While we parse, validate or read a parse ({@link keepingArguments}), the
 * first result is kept; each caller still gets its own array (ModifiableInstruction shifts the
 * flags off the one it gets). Kept only for that call, so a whole repo's parses do not hold every
 * instruction's arguments (about 100 MB at 510 services).
 */
let argumentsOf: Map<Instruction, Argument[]> | null = null;
const withRawArguments = Instruction.prototype as unknown as { getRawArguments(this: Instruction): Argument[] };
const tokenise = withRawArguments.getRawArguments;
withRawArguments.getRawArguments = function (this: Instruction): Argument[] {
  if (!argumentsOf) return tokenise.call(this);
  let args = argumentsOf.get(this);
  if (!args) {
    args = tokenise.call(this);
    argumentsOf.set(this, args);
  }
  return args.slice();
};

function keepingArguments<T>(read: () => T): T {
  if (argumentsOf) return read();
  argumentsOf = new Map();
  try {
    return read();
  } finally {
    argumentsOf = null;
  }
}

/** One dockerfile-ast parse per text, shared by the validation below and parseWithoutValidation. */
const parseAst = memoize((text: string) => keepingArguments(() => DockerfileParser.parse(text)), 4096);
const parseWithLibrary = DockerfileParser.parse;

/** The fatal problems of a text that is validated once and never asked for again: it stays out of the caches. */
export function uncachedDockerfileProblems(text: string): { line: number; message: string }[] {
  return keepingArguments(() => computeProblems(text, parseWithLibrary(text)));
}

/**
 * The problems dockerfile-utils' validate reports that mean Docker itself would refuse the file,
 * found by src/repo/dockerfileFatalProblems.ts (only those checks run: style warnings and checks with
 * false positives on real files, variables in EXPOSE or a relative WORKDIR, are not).
 */
function computeProblems(text: string, ast = parseAst(text)): { line: number; message: string }[] {
  return fatalProblems(ast)
    // "No FROM" is usually the consequence of another error (a misspelt FROM): report that one first.
    .sort((a, b) => Number(a.code === NO_SOURCE_IMAGE) - Number(b.code === NO_SOURCE_IMAGE) || a.rangeLine - b.rangeLine)
    .map((p) => ({ line: p.rangeLine + 1, message: p.message }));
}

/**
 * The fatal checks' answer. A variable on an indented first instruction other than FROM sends
 * dockerfile-ast's variable lookup into endless recursion (it finds no build stage for that line);
 * the checks read that line's variables only for an EXPOSE, and such an instruction is one before any
 * FROM, which Docker refuses: that is the answer then. An indented ARG there ends the run with the error.
 */
function fatalProblems(ast: ReturnType<typeof parseWithLibrary>): FatalProblem[] {
  try {
    return keepingArguments(() => dockerfileFatalProblems(ast));
  } catch (error) {
    const first = ast.getInstructions()[0];
    if (error instanceof RangeError && first && first.getKeyword() !== 'ARG') return [noSourceImage(first.getInstructionRange().start.line)];
    throw error;
  }
}

const INSTALL_TOOL = /\b(?:apk\s+(?:--[\w-]+\s+)*add|apt-get\s+(?:-[\w-]+\s+)*install|apt\s+install|yum\s+install|dnf\s+install|microdnf\s+install)\b([^&;|]*)/g;

function toolsInstalledBy(runArgs: string): ProbeTool[] {
  const found: ProbeTool[] = [];
  for (const match of runArgs.matchAll(INSTALL_TOOL)) {
    const pkgs = (match[1] ?? '').split(/\s+/);
    if (pkgs.includes('curl')) found.push('curl');
    if (pkgs.includes('wget')) found.push('wget');
    if (pkgs.some((p) => /^python3?$/.test(p))) found.push('python');
    if (pkgs.some((p) => /^nodejs$/.test(p))) found.push('node');
  }
  return found;
}

/**
 * Texts transforms produced from a valid Dockerfile while the plan defers their validation to the
 * file's final text (src/run/plan.ts): parseDockerfile does not validate these. Validation costs
 * more than the parse; a chain of transforms would otherwise validate every intermediate text.
 */
const validationDeferred = new Set<string>();

export function deferDockerfileValidation(text: string): void {
  validationDeferred.add(text);
}

/**
 * Ends a file's deferral. Its intermediate texts (all but `final`) are never asked for again: their
 * parses leave the caches, which otherwise hold a whole repo's worth of them (memory at 1,700 services).
 */
export function endDeferredDockerfileValidation(final: string): void {
  for (const text of validationDeferred)
    if (text !== final) {
      parseAst.forget(text);
      parseValid.forget(text);
      problemsOf.forget(text);
    }
  validationDeferred.clear();
}

/** A whole parse of a text, without validation and outside the caches (what a derived parse must equal: test/dockerfile-reparse.test.ts). */
export function parseDockerfileWhole(text: string): ParsedDockerfile {
  return keepingArguments(() => parseWithoutValidation(text, parseWithLibrary(text)));
}

/**
 * Parses a Dockerfile; throws {@link DockerfileSyntaxError} naming the first fatal line. The
 * validation and the read of the parse share one {@link keepingArguments}: each instruction's
 * arguments are tokenised once for both.
 */
export function parseDockerfile(text: string): ParsedDockerfile {
  return keepingArguments(() => {
    if (!validationDeferred.has(text)) {
      const first = dockerfileProblems(text)[0];
      if (first) throw new DockerfileSyntaxError(first.message, first.line);
    }
    return parseValid(text);
  });
}

const parseValid = memoize((text: string) => keepingArguments(() => derivedParse(text) ?? parseWithoutValidation(text)), 4096);

/** Texts a transform made by editing a text, with the edits: {@link derivedParse} re-reads only what they touch. */
const derivations = new Map<string, { from: string; edits: readonly TextEdit[] }>();

/** Says that `to` is `from` with `edits` applied (the plan's chain of transforms on one Dockerfile). */
export function noteDockerfileEdits(from: string, edits: readonly TextEdit[], to: string): void {
  derivations.set(to, { from, edits });
}

/** Ends a chain: its texts' derivations are not needed again. */
export function forgetDockerfileEdits(): void {
  derivations.clear();
}

/** The parse of a derived text from the parse of the text it was made from (src/repo/dockerfileReparse.ts), when that is at hand. */
function derivedParse(text: string): ParsedDockerfile | null {
  const derivation = derivations.get(text);
  const base = derivation ? parseValid.peek(derivation.from) : undefined;
  if (!derivation || !base) return null;
  // The pieces are parsed once and not kept (parseAst's cache would hold every piece of a large repo).
  const instructions = reparseEdited(base, derivation.edits, text, (piece) => parseWithoutValidation(piece, parseWithLibrary(piece)));
  return instructions ? { text, instructions, stages: stagesOf(instructions, {}), escape: base.escape } : null;
}

function parseWithoutValidation(text: string, ast = parseAst(text)): ParsedDockerfile {
  const starts = lineStarts(text);
  const offsetOf = (pos: { line: number; character: number }) => (starts[pos.line] ?? text.length) + pos.character;
  const instructions: DockerInstruction[] = [];
  let stageIndex = -1;
  for (const node of ast.getInstructions()) {
    const range = node.getRange();
    const keyword = node.getKeyword().toUpperCase();
    if (keyword === 'FROM') stageIndex++;
    const endLine = range.end.line;
    const nextLineStart = starts[endLine + 1];
    const instruction: DockerInstruction = {
      keyword,
      args: node.getArgumentsContent() ?? '',
      start: offsetOf(range.start),
      end: offsetOf(range.end),
      lineStart: starts[range.start.line] ?? 0,
      lineEnd: nextLineStart ?? text.length,
      line: range.start.line + 1,
      endLine: endLine + 1,
      stageIndex,
      node,
    };
    instructions.push(instruction);
  }
  return { text, instructions, stages: stagesOf(instructions, {}), escape: ast.getEscapeCharacter() };
}

/** The global ARGs (before the first FROM) with their defaults, each expanded with the ones before it; a build arg wins. */
function globalArgValues(instructions: readonly DockerInstruction[], buildArgs: Readonly<Record<string, BuildArg>>): Map<string, BuildArg> {
  const values = new Map<string, BuildArg>();
  for (const ins of instructions) {
    if (ins.stageIndex !== -1) break;
    if (ins.keyword !== 'ARG') continue;
    for (const [name, raw] of variableAssignments(ins.args, 'ARG')) {
      const passed = Object.hasOwn(buildArgs, name) ? buildArgs[name] : undefined;
      if (passed) values.set(name, passed);
      else if (raw === null) values.set(name, { value: null, assumed: false, where: `ARG ${name} (line ${ins.line}) has no default` });
      else {
        const expanded = expandVariables(raw, (n) => values.get(n)?.value ?? null);
        const value = expanded.unknown.length ? null : expanded.text;
        values.set(name, { value, assumed: true, where: `ARG ${name}=${raw} (line ${ins.line})` });
      }
    }
  }
  return values;
}

/**
 * The stages, their base images read with the build variables the FROM lines expand: the global
 * ARG defaults, with `buildArgs` (a service's compose `build.args`) over them.
 */
function stagesOf(instructions: readonly DockerInstruction[], buildArgs: Readonly<Record<string, BuildArg>>): DockerStage[] {
  const globals = globalArgValues(instructions, buildArgs);
  const stages: DockerStage[] = [];
  for (const instruction of instructions) {
    const { keyword } = instruction;
    if (keyword === 'FROM') {
      const from = instruction.node as unknown as { getImage(): string | null; getBuildStage(): string | null };
      const fromRef = from.getImage() ?? '';
      const named = (ref: string) => stages.find((s) => s.name !== null && s.name.toLowerCase() === ref.toLowerCase()) ?? null;
      const fromVariables = [...new Set([...fromRef.matchAll(/\$\{?([A-Za-z_]\w*)/g)].map((m) => m[1] as string))].map(
        (name): FromVariable => ({ name, ...(globals.get(name) ?? { value: null, assumed: false, where: `no ARG ${name} before the first FROM` }) }),
      );
      const expansion = fromVariables.length ? expandVariables(fromRef, (name) => globals.get(name)?.value ?? null) : null;
      const reference = expansion && !expansion.unknown.length ? expansion.text : fromRef;
      const parent = named(fromRef) ?? named(reference);
      const base = parent ? parent.base : classifyBaseImage(reference);
      stages.push({
        index: instruction.stageIndex,
        name: from.getBuildStage(),
        from: instruction,
        fromRef,
        base,
        fromVariables: parent ? parent.fromVariables : fromVariables,
        parentStage: parent ? parent.index : null,
        instructions: [],
        user: parent ? parent.user : null,
        tools: parent ? [...parent.tools] : base.tools,
      });
    }
    const stage = stages[instruction.stageIndex];
    if (stage) {
      stage.instructions.push(instruction);
      if (keyword === 'USER') stage.user = instruction.args.trim() || null;
      if (keyword === 'RUN') for (const tool of toolsInstalledBy(instruction.args)) if (!stage.tools.includes(tool)) stage.tools.push(tool);
    }
  }
  return stages;
}

const rebased = new WeakMap<ParsedDockerfile, Map<string, ParsedDockerfile>>();

/**
 * The Dockerfile as a build that passes `buildArgs` sees it: the same instructions, the stages' base
 * images read with those args over the ARG defaults. The parse itself when no arg changes a global
 * ARG (one kept per set of args, so every reader of one build sees the same stages).
 */
export function withBuildArgs(parsed: ParsedDockerfile, buildArgs: Readonly<Record<string, BuildArg>>): ParsedDockerfile {
  const globals = new Set<string>();
  for (const ins of parsed.instructions) {
    if (ins.stageIndex !== -1) break;
    if (ins.keyword === 'ARG') for (const [name] of variableAssignments(ins.args, 'ARG')) globals.add(name);
  }
  const relevant = Object.keys(buildArgs).filter((name) => globals.has(name)).sort();
  if (!relevant.length) return parsed;
  const key = JSON.stringify(relevant.map((name) => [name, buildArgs[name]?.value ?? null]));
  let byArgs = rebased.get(parsed);
  if (!byArgs) rebased.set(parsed, (byArgs = new Map()));
  let view = byArgs.get(key);
  if (!view) byArgs.set(key, (view = { ...parsed, stages: keepingArguments(() => stagesOf(parsed.instructions, buildArgs)) }));
  return view;
}

/** The variables whose assumed value (an ARG default) the stage's base image was read with. */
export function assumedBaseVariables(stage: DockerStage): FromVariable[] {
  return stage.fromVariables.filter((v) => v.assumed && v.value !== null);
}

/** Stage names of a development/test image, never what is deployed when a production stage exists. */
export const DEV_STAGE = /^(?:dev|develop|development|debug|test|tests|testing|local)$/i;
const PROD_STAGE = /^(?:prod|production|runner|runtime|release|final|deploy)$/i;

/**
 * The stage that is deployed: the named target (compose `build.target`, or a `--target` the repo's
 * build scripts pass) when given; else, when the last stage is a dev/test stage (`development`, `CMD
 * npm run dev`) and another is named like production (`production`, `runner`, `runtime`,
 * `release`), that one; else the last stage.
 */
export function deployedStage(parsed: ParsedDockerfile, target?: string | null): DockerStage | undefined {
  if (target) {
    const named = parsed.stages.find((s) => s.name?.toLowerCase() === target.toLowerCase());
    if (named) return named;
  }
  const last = parsed.stages[parsed.stages.length - 1];
  if (last?.name && DEV_STAGE.test(last.name)) {
    const prod = parsed.stages.filter((s) => s !== last && s.name && PROD_STAGE.test(s.name)).pop();
    if (prod) return prod;
  }
  return last;
}

/** True for USER values that mean root: empty, `root`, `0`, `root:root`, `0:0`. */
export function isRootUser(user: string | null): boolean {
  if (user === null) return true;
  const name = user.split(':')[0]?.trim() ?? '';
  return name === '' || name === 'root' || name === '0';
}

/** The indentation (leading spaces/tabs) of the line holding `offset`. */
export function indentationAt(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))?.[0] ?? '';
}

/** The stage and the stages it is built FROM, nearest first (ENV, USER and HEALTHCHECK inherit). */
export function stageChain(parsed: ParsedDockerfile, stage: DockerStage): DockerStage[] {
  const chain: DockerStage[] = [];
  let current: DockerStage | undefined = stage;
  while (current && !chain.includes(current)) {
    chain.push(current);
    current = current.parentStage === null ? undefined : parsed.stages[current.parentStage];
  }
  return chain;
}

/** Instructions in force for a stage, including those inherited from parent stages, in build order. */
export function effectiveInstructions(parsed: ParsedDockerfile, stage: DockerStage): DockerInstruction[] {
  return stageChain(parsed, stage)
    .reverse()
    .flatMap((s) => s.instructions);
}
