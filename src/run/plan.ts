/**
 * The plan: every file a selected transform applies to, run through the transforms in their fixed
 * order (each one sees the previous one's output), verified, and turned into a change with the
 * transforms that caused it and their findings. A file that cannot be read or parsed is reported
 * (a finding with a file-error code) and left out; the others still get their changes.
 */
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DockerfileSyntaxError, deferDockerfileValidation, dockerfileProblems, endDeferredDockerfileValidation, forgetDockerfileEdits, noteDockerfileEdits } from '../repo/dockerfile.js';
import { finalDockerfileProblems } from '../repo/dockerfileProbe.js';
import { servicesForFile, type RepoModel } from '../repo/model.js';
import { blockingFile } from '../repo/unparsable.js';
import { ComposeSyntaxError, composeDocument, parsesClean } from '../repo/compose.js';
import { changedScalarValues } from '../repo/composeValueEdits.js';
import { isDockerfileName } from '../repo/dockerfileName.js';
import { isFileError } from '../findings/codes-engine.js';
import { completeFinding } from '../findings/codes.js';
import type { Finding } from '../findings/finding.js';
import { safetyOf, type ChangeSafety, type FileKind, type Transform, type TransformOptions } from '../transform.js';
import { applyEdits, mapOffsetBack, rebaseEdits, type TextEdit } from '../edits.js';
import { SourceSyntaxError } from './codemod.js';
import { decodeText, encodeText, lineOfOffset, lineStarts } from '../text.js';

export interface FileChange {
  path: string;
  /** Raw file contents before and after (BOM and line endings as on disk). */
  before: string;
  after: string;
  transforms: string[];
  /** What the transforms said about this file, lines in the original file. */
  findings: Finding[];
  /** The file does not exist yet: the change creates it (`before` is ''). */
  created?: boolean;
  /** Each transform's part of the change, with the safety it decided for it (in `transforms` order). */
  safety: TransformChangeSafety[];
  /** The first line of the original file each transform's edits touch (by transform id), where known. */
  lines?: Record<string, number>;
  /**
   * The other changed files this change needs (a transform's bound edits, {@link OtherFileEdits.bound},
   * directly or through another file): written without them it leaves a broken or untrue tree.
   */
  needs?: string[];
}

export type TransformChangeSafety = ChangeSafety & { transform: string };

/** A change is behaviour-changing when any transform's part of it is. */
export function changeSafety(change: Pick<FileChange, 'safety'>): ChangeSafety['safety'] {
  return change.safety.some((s) => s.safety === 'behavior-changing') ? 'behavior-changing' : 'safe';
}

export interface Plan {
  changes: FileChange[];
  /** Findings on files that end up unchanged (e.g. "this service needs a /health endpoint"). */
  findings: Finding[];
  /** Files left out and untouched (unreadable, unparsable, a change that did not verify): exit 2. */
  failures: Finding[];
  /** Files left alone because a change to them may depend on a file that does not parse (ECS008). */
  withheld: WithheldFile[];
}

/** A file whose changes are withheld: they may depend on `dependsOn`, which does not parse. */
export interface WithheldFile {
  path: string;
  dependsOn: string;
}

/** Compose files by name, and every file the compose model read (through `include:`, `extends: file:`). */
function composeFilesOf(repo: RepoModel): string[] {
  return [...new Set([...repo.composeFiles, ...repo.compose.files])];
}

export function fileKind(path: string, repo: RepoModel): FileKind | null {
  if (isDockerfileName(path)) return 'dockerfile';
  if (composeFilesOf(repo).includes(path)) return 'compose';
  if (/\.(?:[cm]?[jt]sx?|py)$/.test(posix.basename(path))) return 'source';
  return null;
}

function candidateFiles(repo: RepoModel, kinds: Set<FileKind>): string[] {
  const files = new Set<string>();
  if (kinds.has('dockerfile')) for (const path of repo.dockerfiles.keys()) files.add(path);
  if (kinds.has('compose')) for (const path of composeFilesOf(repo)) files.add(path);
  if (kinds.has('source')) for (const svc of repo.services) for (const path of svc.sourceFiles) files.add(path);
  return [...files].sort();
}

/** Verifies a transform's output still parses, so a bug can never write a broken file. */
function verifyOutput(kind: FileKind | null, before: string, after: string): string | null {
  if (kind === 'compose') {
    // A valid file whose values alone changed, as the token streams show, is valid: no second parse.
    if (changedScalarValues(before, after) !== null && parsesClean(composeDocument(before).doc)) return null;
    // Merge keys are read as the model reads them: a repeated `<<` is not a duplicate key.
    if (parsesClean(composeDocument(after).doc)) return null;
    const errors = parseAllDocuments(after).flatMap((d) => ('errors' in d ? d.errors : []));
    return errors.length ? `produced invalid YAML (${errors[0]?.message.split('\n')[0]})` : null;
  }
  if (kind !== 'dockerfile') return null;
  const now = finalDockerfileProblems(before, after);
  // The input's problems are only counted when the output has any.
  return now.length > 0 && now.length > dockerfileProblems(before).length ? `produced an invalid Dockerfile (line ${now[0]?.line}: ${now[0]?.message})` : null;
}

/** A line of the text a later transform saw, as a line of the original file. */
function originalLine(original: string, current: string, steps: TextEdit[][], line: number): number {
  if (steps.length === 0) return line;
  let offset = lineStarts(current)[line - 1] ?? current.length;
  for (let i = steps.length - 1; i >= 0; i--) offset = mapOffsetBack(offset, steps[i] as TextEdit[]);
  return lineOfOffset(original, offset);
}

interface ChainInput {
  path: string;
  kind: FileKind | null;
  /** The file's LF-normalised text. */
  original: string;
  repo: RepoModel;
  options: TransformOptions;
  read: (path: string) => string | null;
  service: string | undefined;
  /** Verify every transform's output before the next runs (otherwise a Dockerfile's is deferred, see `unverified`). */
  validateEachStep: boolean;
  /** Each transform's run time so far, added to. */
  transformMs: Map<string, number>;
}

interface ChainOutcome {
  text: string;
  applied: string[];
  safety: TransformChangeSafety[];
  /** The first original line each applied transform's edits touch. */
  lines: Record<string, number>;
  findings: Finding[];
  failures: Finding[];
  otherFiles: { path: string; edits: TextEdit[]; transform: string; safety: TransformChangeSafety; bound?: 'both' | 'own' }[];
  /** The edits of each applied transform, in order (to rebase other transforms' edits to this file onto its result). */
  steps: TextEdit[][];
  /** A file error stopped the chain: the file gets no change. */
  failed: boolean;
  /** Dockerfile steps were not validated one by one and the final text has a new problem, or a transform threw. */
  unverified: boolean;
}

/** Two findings that say the same thing at the same place (for the same service, from the same transform). */
function sameFinding(a: Finding, b: Finding): boolean {
  return a.code === b.code && a.message === b.message && a.file === b.file && a.line === b.line && a.service === b.service && a.transform === b.transform && a.severity === b.severity;
}

/** Runs the applicable transforms on one file in order, each on the previous one's output. */
function runChain(transforms: Transform[], input: ChainInput): ChainOutcome {
  const { path, kind, original, repo, options, read, service, validateEachStep } = input;
  const steps: TextEdit[][] = []; // the edits applied so far, to report finding lines in the original file
  const outcome: ChainOutcome = { text: original, applied: [], safety: [], lines: {}, findings: [], failures: [], otherFiles: [], steps, failed: false, unverified: false };
  const deferred = kind === 'dockerfile' && !validateEachStep;
  let text = original;
  try {
    for (const transform of transforms) {
      try {
        const started = performance.now();
        const result = transform.run({ path, text, repo, options, read });
        input.transformMs.set(transform.id, (input.transformMs.get(transform.id) ?? 0) + performance.now() - started);
        for (const f of result.findings) {
          const finding = completeFinding({
            ...(service ? { service } : {}),
            ...f,
            file: f.file ?? path,
            ...(f.line && !f.file ? { line: originalLine(original, text, steps, f.line) } : {}),
            transform: transform.id,
          });
          // A transform that reads one Dockerfile per service (or per stage) may say the same thing for each: once.
          if (!outcome.findings.some((o) => sameFinding(o, finding))) outcome.findings.push(finding);
        }
        for (const o of result.otherFiles ?? []) outcome.otherFiles.push({ ...o, transform: transform.id, safety: { transform: transform.id, ...safetyOf(transform, result) } });
        if (result.edits.length === 0) continue;
        const next = applyEdits(text, result.edits);
        if (next === text) continue;
        if (kind === 'dockerfile') noteDockerfileEdits(text, result.edits, next);
        const invalid = deferred ? null : verifyOutput(kind, text, next);
        if (invalid) {
          outcome.failures.push({ code: 'ECS004', severity: 'blocking', file: path, line: 1, message: `${transform.id} ${invalid}; its change was dropped`, transform: transform.id });
          continue;
        }
        if (deferred) deferDockerfileValidation(next);
        const first = Math.min(...result.edits.map((e) => e.start));
        outcome.lines[transform.id] = originalLine(original, text, steps, lineOfOffset(text, first));
        text = next;
        steps.push(result.edits);
        outcome.applied.push(transform.id);
        outcome.safety.push({ transform: transform.id, ...safetyOf(transform, result) });
      } catch (error) {
        if (deferred) return { ...outcome, unverified: true };
        if (error instanceof DockerfileSyntaxError || error instanceof ComposeSyntaxError || error instanceof SourceSyntaxError) {
          const code = error instanceof DockerfileSyntaxError ? 'ECS001' : error instanceof ComposeSyntaxError ? 'ECS002' : 'ECS300';
          outcome.failures.push({ code, severity: 'blocking', file: path, line: error.line, message: error.message, transform: transform.id });
          return { ...outcome, failed: true };
        }
        throw error;
      }
    }
  } finally {
    if (deferred) endDeferredDockerfileValidation(text);
    if (kind === 'dockerfile') forgetDockerfileEdits();
  }
  outcome.text = text;
  if (deferred && text !== original && verifyOutput(kind, original, text)) outcome.unverified = true;
  return outcome;
}

/**
 * What planning one file decided, merged into the plan in candidate order (so the plan is the same
 * whichever thread planned the file; see src/run/parallel.ts). Plain data: it crosses threads.
 */
export interface FileOutcome {
  /** The file whose changes are withheld depends on this unparsable file. */
  withheld?: string;
  /** Other files the transforms read, in order (the order their edits are applied in). */
  reads: string[];
  failures: Finding[];
  otherFiles: { path: string; edits: TextEdit[]; transform: string; safety: TransformChangeSafety; bound?: 'both' | 'own' }[];
  change: FileChange | null;
  /** The edits of each transform applied to the file, in order (to rebase other transforms' edits to it onto its result). */
  steps: TextEdit[][];
  /** Findings on the file when it ends up unchanged. */
  findings: Finding[];
}

/** Plans files one at a time: the same for the whole plan or for a thread's share of it. */
export interface FilePlanner {
  /** Every file a selected transform may change, sorted: the order outcomes are merged in. */
  paths: string[];
  planFile(path: string): FileOutcome;
}

/**
 * Plans some of the planner's files elsewhere and returns every file's outcome, in `paths` order.
 * `shared` (indices into `paths`) are the files that may be planned elsewhere: the other thread
 * claims from the front, this one from the back. The thread that built the model holds the parses of
 * the Dockerfiles, so they come last; another parses them again, so it takes Dockerfiles only once it
 * has run out of sources (taking them alike, as a single shared counter once did, made planning 35%
 * slower at 510 services).
 */
export interface PlanSharing {
  /** Told the repo's files while the model is being built: a chance to get ready for a large plan. */
  warmUp?(files: readonly string[], root: string): void;
  /** Lets go of what warmUp prepared and no plan used. */
  release?(): void;
  planAll(planner: FilePlanner, repo: RepoModel, shared: number[]): FileOutcome[];
}

/**
 * The files another thread may plan: the TS/JS sources, which the other thread claims first from the
 * front, then the Dockerfiles, which this thread claims first from the back (it holds their parses;
 * see {@link PlanSharing}). Compose files stay here: the model's documents do not cross threads.
 */
function sharedFiles(paths: readonly string[], repo: RepoModel): number[] {
  const of = (kind: FileKind) => paths.flatMap((path, i) => (fileKind(path, repo) === kind ? [i] : []));
  return [...of('source'), ...of('dockerfile')];
}

/** Reads other files transforms read (a compose file's .env.example) once: raw and LF-normalised. */
function otherFileReader(repo: RepoModel, readRaw: (path: string) => string) {
  const cache = new Map<string, { raw: string | null; text: string | null }>();
  const repoFiles = new Set(repo.files);
  return (p: string) => {
    let entry = cache.get(p);
    if (!entry) {
      let raw: string | null = null;
      try {
        raw = repoFiles.has(p) ? readRaw(p) : null;
      } catch {
        raw = null; // vanished or unreadable: a change would create it, and the write would fail loudly
      }
      entry = { raw, text: raw === null ? null : decodeText(raw).text };
      cache.set(p, entry);
    }
    return entry;
  };
}

/** `transformMs` receives each transform's run time, in milliseconds, on the files planned here. */
export function filePlanner(
  repo: RepoModel,
  transforms: Transform[],
  options: TransformOptions,
  readRaw: (path: string) => string,
  readOther = otherFileReader(repo, readRaw),
  transformMs = new Map<string, number>(),
): FilePlanner {
  let reads: string[] = [];
  const read = (p: string) => {
    reads.push(p);
    return readOther(p).text;
  };
  const kinds = new Set(transforms.flatMap((t) => t.kinds));
  const planFile = (path: string): FileOutcome => {
    const outcome: FileOutcome = { reads: (reads = []), failures: [], otherFiles: [], change: null, steps: [], findings: [] };
    const applicable = transforms.filter((t) => t.appliesTo(path, repo));
    if (applicable.length === 0) return outcome;
    const kind = fileKind(path, repo);
    const dependsOn = blockingFile(repo.unparsable, path);
    if (dependsOn) return { ...outcome, withheld: dependsOn };
    // The compose file and its override disagree about the deployed stage (ECS167, a model problem): no change.
    // (Through the model's index of services by file: a search of every service, or of every problem, per file was quadratic in the repo's size.)
    if (kind === 'dockerfile' && servicesForFile(repo, path).some((s) => s.stageDispute)) return outcome;
    const modelError = repo.dockerfiles.get(path)?.error ?? (kind === 'compose' ? repo.problems.find((p) => p.file === path && isFileError(p)) : undefined);
    if (modelError) return { ...outcome, failures: [modelError] };
    let raw: string;
    try {
      raw = readRaw(path);
    } catch (error) {
      // An unreadable file (permissions, vanished) is reported like an unparsable one.
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      return { ...outcome, failures: [{ code: 'ECS003', severity: 'blocking', file: path, line: 1, message: `cannot read the file (${code})` }] };
    }
    const source = decodeText(raw);
    // A finding names the service when the file belongs to exactly one.
    // (An index for Dockerfiles: a search of every service per file was quadratic in the repo's size.)
    const owners = kind === 'compose' ? repo.services.filter((s) => s.compose?.file === path) : servicesForFile(repo, path);
    const service = owners.length === 1 ? owners[0]?.name : undefined;
    const chain = (validateEachStep: boolean) => runChain(applicable, { path, kind, original: source.text, repo, options, read, service, validateEachStep, transformMs });
    // A Dockerfile is validated once, on its final text (validation is the costliest step of a
    // run); only when that shows a new problem is the chain run again validating every step, so
    // the transform that broke it is found and its change dropped.
    let result = kind === 'dockerfile' ? chain(false) : chain(true);
    if (kind === 'dockerfile' && (result.failures.length > 0 || result.unverified)) result = chain(true);
    outcome.failures = result.failures;
    outcome.otherFiles = result.otherFiles;
    if (result.failed) return outcome;
    if (result.applied.length > 0) {
      outcome.change = { path, before: raw, after: encodeText(source, result.text), transforms: result.applied, findings: result.findings, safety: result.safety, lines: result.lines };
      outcome.steps = result.steps;
    } else outcome.findings = result.findings;
    return outcome;
  };
  return { paths: candidateFiles(repo, kinds), planFile };
}

/**
 * How the plan reads a file of the repo (also in a worker thread planning a share of the files):
 * from `known` when this run already read it, else from disk (which throws for an unreadable file).
 */
export function readRepoFile(root: string, known?: ReadonlyMap<string, string | null>): (path: string) => string {
  return (path) => known?.get(path) ?? readFileSync(join(root, path), 'utf8');
}

export function planChanges(
  repo: RepoModel,
  transforms: Transform[],
  options: TransformOptions,
  readRaw: (path: string) => string,
  sharing?: PlanSharing,
  transformMs?: Map<string, number>,
): Plan {
  const plan: Plan = { changes: [], findings: [], failures: [], withheld: [] };
  const fail = (finding: Finding) => plan.failures.push(completeFinding(finding));
  const readOther = otherFileReader(repo, readRaw);
  const planner = filePlanner(repo, transforms, options, readRaw, readOther, transformMs);
  const outcomes = sharing ? sharing.planAll(planner, repo, sharedFiles(planner.paths, repo)) : planner.paths.map((path) => planner.planFile(path));
  // Other files transforms edit (a compose file's .env.example): edits pooled over every file.
  const others = new Map<string, { raw: string | null; edits: TextEdit[]; transforms: Map<string, TransformChangeSafety> }>();
  // The edits each changed file went through, so other-file edits to it can be rebased onto its result.
  const stepsOf = new Map<string, TextEdit[][]>();
  const other = (p: string) => {
    let entry = others.get(p);
    if (!entry) others.set(p, (entry = { raw: readOther(p).raw, edits: [], transforms: new Map() }));
    return entry;
  };
  // Which file's change needs which other's (bound other-file edits).
  const bound: [string, string][] = [];
  planner.paths.forEach((path, i) => {
    const outcome = outcomes[i] as FileOutcome;
    for (const p of outcome.reads) other(p);
    for (const o of outcome.otherFiles) {
      if (!o.bound || !o.edits.length) continue;
      bound.push([o.path, path]);
      if (o.bound === 'both') bound.push([path, o.path]);
    }
    if (outcome.withheld) plan.withheld.push({ path, dependsOn: outcome.withheld });
    for (const f of outcome.failures) fail(f);
    for (const o of outcome.otherFiles) {
      const entry = other(o.path);
      for (const e of o.edits) if (!entry.edits.some((x) => x.start === e.start && x.end === e.end && x.text === e.text)) entry.edits.push(e);
      if (o.edits.length) entry.transforms.set(o.transform, o.safety);
    }
    if (outcome.change) {
      plan.changes.push(outcome.change);
      stepsOf.set(path, outcome.steps);
    } else plan.findings.push(...outcome.findings);
  });
  for (const [path, entry] of others) {
    if (entry.edits.length === 0) continue;
    const own = plan.changes.find((c) => c.path === path);
    if (own) {
      // The file's own transforms changed it too (compose-secret-defaults and a port another transform moves): both, or neither.
      const rebased = rebaseEdits(entry.edits, stepsOf.get(path) ?? []);
      const source = decodeText(own.after);
      if (rebased === null) {
        fail({ code: 'ECS004', severity: 'blocking', file: path, line: 1, message: `${[...entry.transforms.keys()].join(', ')} and ${own.transforms.join(', ')} change the same lines; the former's change was dropped`, transform: [...entry.transforms.keys()][0] });
        continue;
      }
      own.after = encodeText(source, applyEdits(source.text, rebased));
      for (const [t, safety] of entry.transforms)
        if (!own.transforms.includes(t)) {
          own.transforms.push(t);
          own.safety.push(safety);
        }
      continue;
    }
    const source = decodeText(entry.raw ?? '');
    const after = encodeText(source, applyEdits(source.text, entry.edits));
    if (after !== (entry.raw ?? ''))
      plan.changes.push({
        path,
        before: entry.raw ?? '',
        after,
        transforms: [...entry.transforms.keys()],
        findings: [],
        ...(entry.raw === null ? { created: true } : {}),
        safety: [...entry.transforms.values()],
      });
  }
  plan.changes.sort((a, b) => a.path.localeCompare(b.path));
  markNeeds(plan.changes, bound);
  // What each broken file holds back, one finding per file: the changes are not made from a partial model.
  const withheldBy = new Map<string, string[]>();
  for (const w of plan.withheld) withheldBy.set(w.dependsOn, [...(withheldBy.get(w.dependsOn) ?? []), w.path]);
  for (const [file, paths] of withheldBy) {
    const named = paths.slice(0, 3).join(', ') + (paths.length > 3 ? `, and ${paths.length - 3} more` : '');
    const message = `withheld: the changes to ${paths.length === 1 ? '1 file' : `${paths.length} files`} (${named}) depend on ${file}, which does not parse; fix it and run again`;
    plan.findings.push(completeFinding({ code: 'ECS008', severity: 'warning', file, message }));
  }
  // A compose file that does not parse leaves the model incomplete whatever the transforms: an error.
  for (const problem of repo.problems)
    if (isFileError(problem) && !repo.dockerfiles.has(problem.file ?? '') && !plan.failures.some((f) => f.file === problem.file)) fail(problem);
  return plan;
}

/**
 * Sets each change's {@link FileChange.needs} from `[needing, needed]` pairs, followed through
 * (the compose change needs the Dockerfile's, which needs the nginx config's). A needed file that
 * ends up unchanged is no need.
 */
function markNeeds(changes: FileChange[], pairs: [string, string][]): void {
  const changed = new Map(changes.map((c) => [c.path, c]));
  const direct = new Map<string, Set<string>>();
  for (const [a, b] of pairs) if (a !== b && changed.has(a) && changed.has(b)) direct.set(a, (direct.get(a) ?? new Set()).add(b));
  for (const [path] of direct) {
    const seen = new Set<string>([path]);
    const todo = [path];
    while (todo.length) for (const next of direct.get(todo.pop() as string) ?? []) if (!seen.has(next)) todo.push((seen.add(next), next));
    seen.delete(path);
    (changed.get(path) as FileChange).needs = [...seen].sort();
  }
}

/**
 * The changes of a selection that can be written as they are: a change that needs others
 * ({@link FileChange.needs}) stays only when they are selected too. Returns what stays and, for
 * each change left out, the files it needs outside the selection.
 */
export function wholeUnits(selected: FileChange[]): { kept: FileChange[]; left: { change: FileChange; missing: string[] }[] } {
  const paths = new Set(selected.map((c) => c.path));
  const left = selected
    .map((change) => ({ change, missing: (change.needs ?? []).filter((p) => !paths.has(p)) }))
    .filter((l) => l.missing.length > 0);
  const out = new Set(left.map((l) => l.change.path));
  return { kept: selected.filter((c) => !out.has(c.path)), left };
}
