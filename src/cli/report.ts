/**
 * What a run has to say, at three levels: errors (a file left untouched), warnings (things to do or
 * verify) and info (where a value came from). Human lines for stderr, the summary line, JSON.
 */
import type { ModelProblem, RepoModel } from '../repo/model.js';
import type { FileChange, Plan, TransformNote } from '../run/plan.js';
import { filePatch } from './patch.js';
import { bold, dim, printable, red, yellow } from './style.js';

export type Level = 'error' | 'warning' | 'info';
export type Verbosity = 'quiet' | 'normal' | 'verbose';

export interface Diagnostic {
  level: Level;
  file: string;
  line?: number;
  message: string;
  /** The transform that said it, when one did. */
  transform?: string;
  /** The service the file belongs to, '' for repo-wide files (compose, root manifests). */
  service: string;
}

/** The service a file belongs to: the one built from it, reading it, or whose directory holds it. */
export function serviceOf(repo: RepoModel, file: string): string {
  const owner =
    repo.services.find((s) => s.dockerfile === file) ??
    repo.services.find((s) => s.sourceFiles.includes(file)) ??
    repo.services.filter((s) => s.dir !== '' && file.startsWith(`${s.dir}/`)).sort((a, b) => b.dir.length - a.dir.length)[0];
  return owner?.name ?? '';
}

/** A note's level: anything that is not information is something to do. */
const levelOf = (note: Pick<TransformNote, 'severity'>): Level => (note.severity === 'info' ? 'info' : 'warning');

export interface DiagnosticScope {
  /** The changes that count (e.g. the wizard's accepted files); all of the plan's by default. */
  changes?: FileChange[];
}

/** Everything the run found, in file order: notes on changes and unchanged files, model problems, failures. */
export function collectDiagnostics(repo: RepoModel, plan: Plan, scope: DiagnosticScope = {}): Diagnostic[] {
  const out: Diagnostic[] = [];
  const fromNote = (file: string, n: TransformNote): Diagnostic => ({
    level: levelOf(n),
    file,
    ...(n.line ? { line: n.line } : {}),
    message: n.message,
    transform: n.transform,
    service: serviceOf(repo, file),
  });
  for (const c of scope.changes ?? plan.changes) for (const n of c.notes) out.push(fromNote(c.path, n));
  for (const r of plan.reports) for (const n of r.notes) out.push(fromNote(r.path, n));
  for (const p of repo.problems.filter((p: ModelProblem) => !p.unparsable))
    out.push({ level: 'warning', file: p.file, line: p.line, message: p.message, service: serviceOf(repo, p.file) });
  for (const f of plan.failures)
    out.push({
      level: 'error',
      file: f.path,
      line: f.line,
      message: `${f.message} — fix the file and run again; it was left untouched`,
      ...(f.transform ? { transform: f.transform } : {}),
      service: serviceOf(repo, f.path),
    });
  return out;
}

export function shown(diagnostics: Diagnostic[], verbosity: Verbosity): Diagnostic[] {
  if (verbosity === 'quiet') return diagnostics.filter((d) => d.level === 'error');
  if (verbosity === 'normal') return diagnostics.filter((d) => d.level !== 'info');
  return diagnostics;
}

/** One line per diagnostic, control characters escaped. */
export function formatDiagnostic(d: Diagnostic, color: boolean, where = true): string {
  const tag = d.level === 'error' ? red(color, 'error') : d.level === 'warning' ? yellow(color, 'warning') : dim(color, 'info');
  const message = printable(d.message);
  const location = where ? ` ${printable(d.line ? `${d.file}:${d.line}` : d.file)}` : '';
  return `${tag}${location}${d.transform ? ` [${d.transform}]` : ''} ${message}`;
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
    changes: plan.changes.map((c) => ({ path: c.path, transforms: c.transforms, notes: c.notes, patch: filePatch(c) })),
    reports: plan.reports,
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
