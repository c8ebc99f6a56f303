/**
 * The plan: every file a selected transform applies to, run through the transforms in their fixed
 * order (each one sees the previous one's output), verified, and turned into a change with the
 * transforms that caused it and their notes. A file that cannot be parsed is reported and left
 * out; the others still get their changes.
 */
import { posix } from 'node:path';
import { DockerfileSyntaxError, dockerfileProblems } from '../repo/dockerfile.js';
import type { RepoModel } from '../repo/model.js';
import { ComposeSyntaxError } from '../repo/compose.js';
import { isDockerfileName } from '../repo/dockerfileName.js';
import type { FileKind, Note, Transform, TransformOptions } from '../transform.js';
import { applyEdits, mapOffsetBack, type TextEdit } from '../edits.js';
import { decodeText, encodeText, lineOfOffset, lineStarts } from '../text.js';

export interface TransformNote extends Note {
  transform: string;
}

export interface FileChange {
  path: string;
  /** Raw file contents before and after (BOM and line endings as on disk). */
  before: string;
  after: string;
  transforms: string[];
  notes: TransformNote[];
}

export interface FileFailure {
  path: string;
  line: number;
  message: string;
  transform?: string;
}

export interface FileReport {
  path: string;
  notes: TransformNote[];
}

export interface Plan {
  changes: FileChange[];
  /** Notes on files that end up unchanged (e.g. "this service needs a /health endpoint"). */
  reports: FileReport[];
  failures: FileFailure[];
}

export function fileKind(path: string, repo: RepoModel): FileKind | null {
  if (isDockerfileName(path)) return 'dockerfile';
  if (repo.composeFiles.includes(path)) return 'compose';
  if (/\.(?:[cm]?[jt]sx?|py)$/.test(posix.basename(path))) return 'source';
  return null;
}

function candidateFiles(repo: RepoModel, kinds: Set<FileKind>): string[] {
  const files = new Set<string>();
  if (kinds.has('dockerfile')) for (const path of repo.dockerfiles.keys()) files.add(path);
  if (kinds.has('compose')) for (const path of repo.composeFiles) files.add(path);
  if (kinds.has('source')) for (const svc of repo.services) for (const path of svc.sourceFiles) files.add(path);
  return [...files].sort();
}

/** Verifies a transform's output still parses, so a bug can never write a broken file. */
function verifyOutput(kind: FileKind | null, before: string, after: string): string | null {
  if (kind !== 'dockerfile') return null;
  const was = dockerfileProblems(before).length;
  const now = dockerfileProblems(after);
  return now.length > was ? `produced an invalid Dockerfile (line ${now[0]?.line}: ${now[0]?.message})` : null;
}

/** A line of the text a later transform saw, as a line of the original file. */
function originalLine(original: string, current: string, steps: TextEdit[][], line: number): number {
  if (steps.length === 0) return line;
  let offset = lineStarts(current)[line - 1] ?? current.length;
  for (let i = steps.length - 1; i >= 0; i--) offset = mapOffsetBack(offset, steps[i] as TextEdit[]);
  return lineOfOffset(original, offset);
}

export function planChanges(
  repo: RepoModel,
  transforms: Transform[],
  options: TransformOptions,
  readRaw: (path: string) => string,
): Plan {
  const plan: Plan = { changes: [], reports: [], failures: [] };
  const kinds = new Set(transforms.flatMap((t) => t.kinds));
  for (const path of candidateFiles(repo, kinds)) {
    const applicable = transforms.filter((t) => t.appliesTo(path, repo));
    if (applicable.length === 0) continue;
    const kind = fileKind(path, repo);
    const modelError = repo.dockerfiles.get(path)?.error ?? repo.problems.find((p) => p.file === path && kind === 'compose');
    if (modelError) {
      plan.failures.push({ path, line: modelError.line, message: modelError.message });
      continue;
    }
    let raw: string;
    try {
      raw = readRaw(path);
    } catch (error) {
      // An unreadable file (permissions, vanished) is reported like an unparsable one.
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      plan.failures.push({ path, line: 1, message: `cannot read the file (${code})` });
      continue;
    }
    const source = decodeText(raw);
    let text = source.text;
    const applied: string[] = [];
    const notes: TransformNote[] = [];
    let failed = false;
    const steps: TextEdit[][] = []; // the edits applied so far, to report note lines in the original file
    for (const transform of applicable) {
      try {
        const result = transform.run({ path, text, repo, options });
        notes.push(...result.notes.map((n) => ({ ...n, ...(n.line ? { line: originalLine(source.text, text, steps, n.line) } : {}), transform: transform.id })));
        if (result.edits.length === 0) continue;
        const next = applyEdits(text, result.edits);
        if (next === text) continue;
        const invalid = verifyOutput(kind, text, next);
        if (invalid) {
          plan.failures.push({ path, line: 1, message: `${transform.id} ${invalid}; its change was dropped`, transform: transform.id });
          continue;
        }
        text = next;
        steps.push(result.edits);
        applied.push(transform.id);
      } catch (error) {
        if (error instanceof DockerfileSyntaxError || error instanceof ComposeSyntaxError) {
          plan.failures.push({ path, line: error.line, message: error.message, transform: transform.id });
          failed = true;
          break;
        }
        throw error;
      }
    }
    if (failed) continue;
    if (applied.length > 0) plan.changes.push({ path, before: raw, after: encodeText(source, text), transforms: applied, notes });
    else if (notes.length > 0) plan.reports.push({ path, notes });
  }
  // A compose file that does not parse leaves the model incomplete whatever the transforms: an error.
  for (const problem of repo.problems)
    if (problem.unparsable && !repo.dockerfiles.has(problem.file) && !plan.failures.some((f) => f.path === problem.file))
      plan.failures.push({ path: problem.file, line: problem.line, message: problem.message });
  return plan;
}
