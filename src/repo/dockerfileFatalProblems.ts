/**
 * The problems of a Dockerfile that Docker itself would refuse, read from the dockerfile-ast parse
 * we already have. dockerfile-utils' validate() finds them too, but runs every check (style
 * warnings, flags, destinations, every instruction's variables) and re-reads every argument; only
 * these codes are wanted (src/repo/dockerfile.ts), so only their checks run here, each as the
 * library (dockerfile-utils 0.16.3, lib/dockerValidator.js) makes it: same conditions, same lines,
 * same push order (the caller's sort is stable), its own message texts (Validator's message
 * functions). test/dockerfile-fatal-problems.test.ts holds the two equal on fixtures and mutations.
 *
 * The codes (dockerfile-utils' ValidationCode): 2 ARGUMENT_MISSING, 10 DUPLICATE_BUILD_STAGE_NAME,
 * 12 INVALID_BUILD_STAGE_NAME, 20 NO_SOURCE_IMAGE, 22 INVALID_AS, 28 INVALID_SYNTAX (a HEALTHCHECK
 * --retries that is not an integer), 35/36 SYNTAX_MISSING_SINGLE/DOUBLE_QUOTE (ENV, LABEL, ARG),
 * 38 UNKNOWN_INSTRUCTION, 46 HEALTHCHECK_CMD_ARGUMENT_MISSING, 51 BASE_NAME_EMPTY (FROM $UNDEFINED).
 */
import { Arg, From, Healthcheck, PropertyInstruction, type Dockerfile, type Instruction, type Property } from 'dockerfile-ast';
import { Validator } from 'dockerfile-utils/lib/dockerValidator.js';

export const NO_SOURCE_IMAGE = 20;

export interface FatalProblem {
  code: number;
  /** 0-based line of the problem's range start (what the caller sorts and reports by). */
  rangeLine: number;
  /** 0-based line of its instruction; null for NO_SOURCE_IMAGE, which a `# dockerfile-utils: ignore` never hides. */
  instructionLine: number | null;
  message: string;
}

const KEYWORDS = new Set(['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);
/** Build variables BuildKit defines: FROM $TARGETPLATFORM is not "blank". (BUILDVARIAN as the library spells it.) */
const PREDEFINED_VARIABLES = ['TARGETPLATFORM', 'TARGETOS', 'TARGETARCH', 'TARGETVARIANT', 'BUILDPLATFORM', 'BUILDOS', 'BUILDARCH', 'BUILDVARIAN'];

/** The fatal problems of a parse, in the order dockerfile-utils' validate reports them. */
export function dockerfileFatalProblems(ast: Dockerfile): FatalProblem[] {
  const problems: FatalProblem[] = [];
  const instructions = ast.getInstructions();
  if (instructions.length === 0 || ast.getARGs().length === instructions.length) problems.push(noSourceImage(0));
  duplicateStageNames(ast.getFROMs(), problems);
  const escape = ast.getEscapeCharacter();
  let hasFrom = false;
  for (const instruction of instructions) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') hasFrom = true;
    else if (!hasFrom && keyword !== 'ARG') {
      problems.push(noSourceImage(instruction.getInstructionRange().start.line));
      hasFrom = true;
    }
    instructionProblems(instruction, keyword, escape, problems);
  }
  for (const trigger of ast.getOnbuildTriggers()) instructionProblems(trigger, trigger.getKeyword(), escape, problems);
  return problems.length ? withoutIgnored(ast, problems) : problems;
}

/** An instruction other than ARG before the first FROM (at its 0-based line), or no instruction but ARGs. */
export function noSourceImage(line: number): FatalProblem {
  return { code: NO_SOURCE_IMAGE, rangeLine: line, instructionLine: null, message: Validator.getDiagnosticMessage_NoSourceImage() };
}

/** `# dockerfile-utils: ignore` hides the problems of the instruction on the next line. */
function withoutIgnored(ast: Dockerfile, problems: FatalProblem[]): FatalProblem[] {
  const ignored = ast
    .getComments()
    .filter((c) => c.getContent() === 'dockerfile-utils: ignore')
    .map((c) => c.getRange().start.line + 1);
  return ignored.length ? problems.filter((p) => p.instructionLine === null || !ignored.includes(p.instructionLine)) : problems;
}

/**
 * Every FROM of a stage name used twice (case-insensitively), by name in the order names first
 * appear. (dockerfile-utils keys a plain object by name, so a stage named `constructor` or
 * `__proto__`, which Docker accepts, makes its validate throw; the order differs from that object's
 * only for integer-like names, which are invalid and on their own lines, so the reported problems,
 * sorted by line, are the same.)
 */
function duplicateStageNames(froms: From[], problems: FatalProblem[]): void {
  const names = new Map<string, From[]>();
  for (const from of froms) {
    const name = from.getBuildStage()?.toLowerCase();
    if (name === undefined) continue;
    const same = names.get(name);
    if (same) same.push(from);
    else names.set(name, [from]);
  }
  for (const [name, same] of names) {
    if (same.length > 1)
      for (const from of same) {
        const range = from.getBuildStageRange() as NonNullable<ReturnType<From['getBuildStageRange']>>;
        problems.push({ code: 10, rangeLine: range.start.line, instructionLine: from.getInstructionRange().start.line, message: Validator.getDiagnosticMessage_DuplicateBuildStageName(name) });
      }
  }
}

/** The checks of one instruction (or ONBUILD trigger) that can find a fatal problem. */
function instructionProblems(instruction: Instruction, keyword: string, escape: string, problems: FatalProblem[]): void {
  const line = instruction.getInstructionRange().start.line;
  if (!KEYWORDS.has(keyword)) {
    problems.push({ code: 38, rangeLine: line, instructionLine: line, message: Validator.getDiagnosticMessage_InstructionUnknown(keyword) });
    return;
  }
  switch (keyword) {
    // CMD has no argument check; RUN may be empty; COPY and ADD's checks are none of these codes.
    case 'CMD':
    case 'RUN':
    case 'COPY':
    case 'ADD':
      return;
    case 'ARG':
    case 'ENV':
    case 'LABEL':
      missingArgument(instruction, problems);
      return propertyProblems(instruction as PropertyInstruction, keyword, escape, problems);
    case 'FROM':
      return fromProblems(instruction as From, problems);
    case 'HEALTHCHECK':
      return healthcheckProblems(instruction as Healthcheck, problems);
    case 'EXPOSE':
      if (instruction.getExpandedArguments().length === 0) problems.push(missing(line));
      return;
    default:
      missingArgument(instruction, problems);
  }
}

function missing(line: number): FatalProblem {
  return { code: 2, rangeLine: line, instructionLine: line, message: Validator.getDiagnosticMessage_InstructionMissingArgument() };
}

/** The library's checkArguments: every instruction but RUN needs an argument (properties for ENV, LABEL, ARG). */
function missingArgument(instruction: Instruction, problems: FatalProblem[]): void {
  const args = instruction instanceof PropertyInstruction ? instruction.getPropertyArguments() : instruction.getArguments();
  if (args.length === 0) problems.push(missing(instruction.getInstructionRange().start.line));
}

function propertyProblems(instruction: PropertyInstruction, keyword: string, escape: string, problems: FatalProblem[]): void {
  const line = instruction.getRange().start.line;
  if (keyword === 'ARG') {
    const property = (instruction as Arg).getProperty();
    if (property) quoteProblems(instruction, property, escape, line, problems);
    return;
  }
  for (const property of instruction.getProperties()) quoteProblems(instruction, property, escape, line, problems);
}

/** The library's checkProperty, its quote checks (the others are style or not fatal). */
function quoteProblems(instruction: Instruction, property: Property, escape: string, line: number, problems: FatalProblem[]): void {
  const name = property.getName();
  if (name === '') return;
  if (name.includes('=')) {
    const nameRange = property.getNameRange();
    const unescaped = rangeText(instruction, nameRange);
    const key = unescaped.substring(0, unescaped.indexOf('='));
    if (unescaped.charAt(0) === "'") problems.push(quote(35, nameRange.start.line, line, Validator.getDiagnosticMessage_SyntaxMissingSingleQuote(key)));
    else if (unescaped.charAt(0) === '"') problems.push(quote(36, nameRange.start.line, line, Validator.getDiagnosticMessage_SyntaxMissingDoubleQuote(key)));
    return;
  }
  const value = property.getValue();
  if (value === null) return;
  if (value.charAt(0) === '"') {
    if (!closesDoubleQuote(value, escape)) {
      const at = (property.getValueRange() as NonNullable<ReturnType<Property['getValueRange']>>).start.line;
      problems.push(quote(36, at, line, Validator.getDiagnosticMessage_SyntaxMissingDoubleQuote(property.getUnescapedValue() as string)));
    }
  } else if (value.charAt(0) === "'" && value.charAt(value.length - 1) !== "'") {
    const at = (property.getValueRange() as NonNullable<ReturnType<Property['getValueRange']>>).start.line;
    problems.push(quote(35, at, line, Validator.getDiagnosticMessage_SyntaxMissingSingleQuote(value)));
  }
}

function quote(code: 35 | 36, rangeLine: number, instructionLine: number, message: string): FatalProblem {
  return { code, rangeLine, instructionLine, message };
}

/** Whether a value opened with `"` ends with its closing quote (the escape character skips one). */
function closesDoubleQuote(value: string, escape: string): boolean {
  let found = false;
  for (let i = 1; i < value.length; i++) {
    const char = value.charAt(i);
    if (char === escape) i++;
    else if (char === '"' && i === value.length - 1) found = true;
  }
  return found;
}

/** The document text of a range (the instruction's document is the validated text). */
function rangeText(instruction: Instruction, range: ReturnType<Instruction['getRange']>): string {
  return (instruction as unknown as { getRangeContent(r: typeof range): string }).getRangeContent(range);
}

/** FROM takes 1 or 3 arguments: `image`, `image AS name`; no argument at all is fatal too. */
function fromProblems(from: From, problems: FatalProblem[]): void {
  const line = from.getInstructionRange().start.line;
  const args = from.getArguments();
  if (args.length === 0) {
    problems.push(missing(line));
    return;
  }
  if (args.length !== 1 && args.length !== 3) return;
  const base = baseNameEmpty(from, args[0] as (typeof args)[number]);
  if (base) problems.push({ code: 51, rangeLine: base.rangeLine, instructionLine: line, message: base.message });
  if (args.length === 1) return;
  const as = args[1] as (typeof args)[number];
  if (as.getValue().toUpperCase() !== 'AS') problems.push({ code: 22, rangeLine: as.getRange().start.line, instructionLine: line, message: Validator.getDiagnosticMessage_InvalidAs() });
  const stage = args[2] as (typeof args)[number];
  const name = stage.getValue().toLowerCase();
  if (!/^[a-z]([a-z0-9_\-.]*)*$/.test(name))
    problems.push({ code: 12, rangeLine: stage.getRange().start.line, instructionLine: line, message: Validator.getDiagnosticMessage_InvalidBuildStageName(name) });
}

/**
 * A base image that is nothing but a variable no ARG defines (`FROM $BASE` without `ARG BASE`),
 * unless BuildKit predefines it or `${BASE:-default}` gives a default. Only the instruction's
 * first variable is looked at, as the library does.
 */
function baseNameEmpty(from: From, image: ReturnType<From['getArguments']>[number]): { rangeLine: number; message: string } | null {
  const variables = from.getVariables();
  const first = variables[0];
  if (!first) return null;
  const v = first.getRange();
  const r = image.getRange();
  if (v.start.line !== r.start.line || v.start.character !== r.start.character || v.end.line !== r.end.line || v.end.character !== r.end.character) return null;
  if (first.isDefined() || PREDEFINED_VARIABLES.includes(first.getName())) return null;
  if (first.getModifier() === '-') {
    const parameter = first.getSubstitutionParameter();
    if (parameter !== '' && parameter !== null) return null;
  }
  return { rangeLine: v.start.line, message: Validator.getDiagnosticMessage_BaseNameEmpty(first.toString()) };
}

/** HEALTHCHECK CMD without a command, and a --retries that is not an integer (NONE's flags are not read). */
function healthcheckProblems(healthcheck: Healthcheck, problems: FatalProblem[]): void {
  const args = healthcheck.getArguments();
  const line = healthcheck.getInstructionRange().start.line;
  if (args.length > 0) {
    const kind = (args[0] as (typeof args)[number]).getValue().toUpperCase();
    if (kind === 'NONE') return;
    if (kind === 'CMD' && args.length === 1)
      problems.push({ code: 46, rangeLine: (args[0] as (typeof args)[number]).getRange().start.line, instructionLine: line, message: Validator.getDiagnosticMessage_HealthcheckCmdArgumentMissing() });
  }
  for (const flag of healthcheck.getFlags()) {
    if (flag.getName() !== 'retries') continue;
    const value = flag.getValue();
    if (value && (isNaN(parseInt(value)) || value.includes('.'))) {
      const at = (flag.getValueRange() as NonNullable<ReturnType<typeof flag.getValueRange>>).start.line;
      problems.push({ code: 28, rangeLine: at, instructionLine: line, message: Validator.getDiagnosticMessage_InvalidSyntax(value) });
    }
  }
}
