/**
 * What a run has to say, at three levels: errors (a file left untouched), warnings (things to do or
 * verify) and info (where a value came from). Human lines for stderr, the summary line, JSON.
 */
import { isFileError } from '../findings/codes-engine.js';
import type { Finding } from '../findings/finding.js';
import { servicesForFile, servicesReading, type RepoModel } from '../repo/model.js';
import { blockingFile } from '../repo/unparsable.js';
import { changeSafety, type FileChange, type Plan } from '../run/plan.js';
import { filePatch } from './patch.js';
import { bold, dim, printable, red, yellow } from './style.js';

export type Level = 'error' | 'warning' | 'info';
export type Verbosity = 'quiet' | 'normal' | 'verbose';

/** A finding as the CLI shows it: with its output level, and always a file and a service. */
export interface Diagnostic extends Finding {
  /** `error` = the file was left out and untouched (exit 2); else `info` or `warning` by severity. */
  level: Level;
  file: string;
  /** The service the file belongs to, '' for repo-wide files (compose, root manifests). */
  service: string;
}

/** The service a file belongs to: the one built from it, reading it, or whose directory holds it. */
export function serviceOf(repo: RepoModel, file: string): string {
  const owner =
    servicesForFile(repo, file)[0] ??
    servicesReading(repo, file)[0] ??
    repo.services.filter((s) => s.dir !== '' && file.startsWith(`${s.dir}/`)).sort((a, b) => b.dir.length - a.dir.length)[0];
  return owner?.name ?? '';
}

/** A finding's level: a file error is an error; anything that is not information is something to do. */
const levelOf = (finding: Finding): Level => (isFileError(finding) ? 'error' : finding.severity === 'info' ? 'info' : 'warning');

export interface DiagnosticScope {
  /** The changes that count (e.g. the wizard's accepted files); all of the plan's by default. */
  changes?: FileChange[];
}

/** Everything the run found, in file order: findings on changes and unchanged files, model problems, failures. */
export function collectDiagnostics(repo: RepoModel, plan: Plan, scope: DiagnosticScope = {}): Diagnostic[] {
  const diagnostic = (f: Finding): Diagnostic => {
    const file = f.file ?? '';
    return { ...f, level: levelOf(f), file, service: f.service ?? serviceOf(repo, file) };
  };
  return [
    ...(scope.changes ?? plan.changes).flatMap((c) => c.findings),
    ...plan.findings,
    // Model warnings where a broken file holds changes back come from a partial model: left out.
    ...repo.problems.filter((p) => !isFileError(p) && !(p.file && blockingFile(repo.unparsable, p.file))),
    ...plan.failures.map((f) => ({ ...f, message: `${f.message} — fix the file and run again; it was left untouched` })),
  ].map(diagnostic);
}

export function shown(diagnostics: Diagnostic[], verbosity: Verbosity): Diagnostic[] {
  if (verbosity === 'quiet') return diagnostics.filter((d) => d.level === 'error');
  if (verbosity === 'normal') return diagnostics.filter((d) => d.level !== 'info');
  return diagnostics;
}

/** One line per diagnostic, control characters escaped. */
export function formatDiagnostic(d: Diagnostic, color: boolean, where = true): string {
  const tag =
    d.level === 'error' ? red(color, 'error') : d.severity === 'blocking' ? red(color, 'blocking') : d.level === 'warning' ? yellow(color, 'warning') : dim(color, 'info');
  const message = printable(d.message);
  const location = where ? ` ${printable(d.line ? `${d.file}:${d.line}` : d.file)}` : '';
  return `${tag}${location} ${d.code}${d.transform ? ` [${d.transform}]` : ''} ${message}`;
}

/** One line per behaviour-changing part of a change, with what to verify (beside the diff in the wizard). */
export function safetyLines(change: FileChange, color: boolean): string[] {
  return change.safety
    .filter((s) => s.safety === 'behavior-changing')
    .map((s) => `${yellow(color, 'behaviour-changing')} [${s.transform}]${s.verify ? ` verify: ${printable(s.verify)}` : ''}`);
}

/** After `diff`/`apply`: the behaviour-changing changes, one line per transform and what to verify, naming every file. */
export function safetySummary(changes: FileChange[], color: boolean): string[] {
  const groups = new Map<string, { transform: string; verify: string | null; files: string[] }>();
  for (const change of changes)
    for (const s of change.safety) {
      if (s.safety !== 'behavior-changing') continue;
      const key = `${s.transform}\0${s.verify ?? ''}`;
      const group = groups.get(key) ?? { transform: s.transform, verify: s.verify, files: [] };
      group.files.push(change.path);
      groups.set(key, group);
    }
  return [...groups.values()].map((g) => `${yellow(color, 'behaviour-changing')} ${printable(g.files.join(', '))} [${g.transform}]${g.verify ? ` verify: ${printable(g.verify)}` : ''}`);
}

export interface Counts {
  files: number;
  services: number;
  warnings: number;
  errors: number;
}

export function countRun(repo: RepoModel, changes: FileChange[], diagnostics: Diagnostic[]): Counts {
  const services = new Set(changes.map((c) => serviceOf(repo, c.path)).filter(Boolean));
  return {
    files: changes.length,
    services: services.size,
    warnings: diagnostics.filter((d) => d.level === 'warning').length,
    errors: diagnostics.filter((d) => d.level === 'error').length,
  };
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `3 warnings, 0 errors` */
export function tally(counts: Counts): string {
  return `${plural(counts.warnings, 'warning')}, ${plural(counts.errors, 'error')}`;
}

export function servicesJson(repo: RepoModel) {
  return repo.services.map((s) => ({
    name: s.name,
    role: s.role,
    port: s.port,
    dockerfile: s.dockerfile,
    entry: s.entryFile,
    dir: s.dir,
    package: s.packageName,
    healthRoute: s.healthRoute?.path ?? null,
  }));
}

export function planJson(repo: RepoModel, plan: Plan, extra: Record<string, unknown> = {}) {
  const diagnostics = collectDiagnostics(repo, plan);
  return {
    root: repo.root,
    services: servicesJson(repo),
    changes: plan.changes.map((c) => ({
      path: c.path,
      transforms: c.transforms,
      // Per change, like ruff's applicability: behaviour-changing when any transform's part is.
      safety: changeSafety(c),
      safetyByTransform: c.safety,
      findings: c.findings,
      // The other changed files this change needs (written only with them, ECS010).
      ...(c.needs ? { needs: c.needs } : {}),
      patch: filePatch(c),
    })),
    findings: plan.findings,
    failures: plan.failures,
    problems: repo.problems,
    summary: countRun(repo, plan.changes, diagnostics),
    ...extra,
  };
}

/** The services table, each column cut so a row fits `width` columns (a terminal, 80 by default). */
export function servicesTable(repo: RepoModel, color: boolean, width = 80): string {
  const rows = repo.services.map((s) => [s.name, s.role, s.port === null ? '-' : String(s.port), s.dockerfile ?? '-']);
  const header = ['service', 'role', 'port', 'dockerfile'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  // Shrink the widest column (name or dockerfile) until the row fits; 2 spaces between columns.
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  while (total() > width) {
    const i = (widths[0] ?? 0) >= (widths[3] ?? 0) ? 0 : 3;
    if ((widths[i] ?? 0) <= 8) break;
    widths[i] = (widths[i] ?? 0) - 1;
  }
  const cut = (c: string, w: number) => (c.length > w ? `${c.slice(0, Math.max(0, w - 1))}…` : c.padEnd(w));
  const fmt = (r: string[]) => r.map((c, i) => cut(printable(c), widths[i] ?? 0)).join('  ').trimEnd();
  return [bold(color, fmt(header)), ...rows.map(fmt)].join('\n');
}
