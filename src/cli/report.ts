/** Human and JSON renderings of a session: services found, changes, notes, failures. */
import type { ModelProblem, RepoModel } from '../repo/model.js';
import type { Plan, TransformNote } from '../run/plan.js';
import { filePatch } from './patch.js';
import { bold, dim, red, yellow } from './style.js';

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
  return {
    root: repo.root,
    services: servicesJson(repo),
    changes: plan.changes.map((c) => ({ path: c.path, transforms: c.transforms, notes: c.notes, patch: filePatch(c) })),
    reports: plan.reports,
    failures: plan.failures,
    problems: repo.problems,
    ...extra,
  };
}

export function formatNote(path: string, note: TransformNote, color: boolean): string {
  const where = note.line ? `${path}:${note.line}` : path;
  const tag = note.severity === 'warning' ? yellow(color, 'warning') : dim(color, 'note');
  return `${tag} ${where} [${note.transform}] ${note.message}`;
}

/** Notes and failures for stderr, one line each. */
export function formatDiagnostics(plan: Plan, problems: ModelProblem[], color: boolean): string[] {
  const lines: string[] = [];
  for (const c of plan.changes) for (const n of c.notes) lines.push(formatNote(c.path, n, color));
  // On files that stay unchanged only warnings need a human; their info notes are in --json.
  for (const r of plan.reports) for (const n of r.notes) if (n.severity === 'warning') lines.push(formatNote(r.path, n, color));
  for (const p of problems.filter((p) => !p.unparsable)) lines.push(`${yellow(color, 'warning')} ${p.file}:${p.line} ${p.message}`);
  for (const f of plan.failures)
    lines.push(`${red(color, 'error')} ${f.path}:${f.line} ${f.message}${f.transform ? ` [${f.transform}]` : ''} — fix the file and run again; it was left untouched`);
  return lines;
}

export function servicesTable(repo: RepoModel, color: boolean): string {
  const rows = repo.services.map((s) => [s.name, s.role, s.port === null ? '-' : String(s.port), s.dockerfile ?? '-']);
  const header = ['service', 'role', 'port', 'dockerfile'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [bold(color, fmt(header)), ...rows.map(fmt)].join('\n');
}
