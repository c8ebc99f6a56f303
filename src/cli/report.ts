/** Human and JSON renderings of a session: services found, changes, findings, failures. */
import { isFileError } from '../findings/codes-engine.js';
import type { Finding } from '../findings/finding.js';
import type { RepoModel } from '../repo/model.js';
import type { Plan } from '../run/plan.js';
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
    changes: plan.changes.map((c) => ({ path: c.path, transforms: c.transforms, findings: c.findings, patch: filePatch(c) })),
    findings: plan.findings,
    failures: plan.failures,
    problems: repo.problems,
    ...extra,
  };
}

const where = (f: Finding) => (f.line ? `${f.file}:${f.line}` : (f.file ?? '.'));

/** One finding on one line: severity, file:line, code, the transform that reported it, message. */
export function formatFinding(finding: Finding, color: boolean): string {
  const tag = finding.severity === 'blocking' ? red(color, 'blocking') : finding.severity === 'warning' ? yellow(color, 'warning') : dim(color, 'note');
  return `${tag} ${where(finding)} ${finding.code}${finding.transform ? ` [${finding.transform}]` : ''} ${finding.message}`;
}

/** Findings and failures for stderr, one line each. */
export function formatDiagnostics(plan: Plan, problems: Finding[], color: boolean): string[] {
  const lines: string[] = [];
  for (const c of plan.changes) for (const f of c.findings) lines.push(formatFinding(f, color));
  // On files that stay unchanged only what needs a human is shown; the info findings are in --json.
  for (const f of plan.findings) if (f.severity !== 'info') lines.push(formatFinding(f, color));
  for (const p of problems.filter((p) => !isFileError(p))) lines.push(formatFinding(p, color));
  for (const f of plan.failures)
    lines.push(`${red(color, 'error')} ${where(f)} ${f.code} ${f.message}${f.transform ? ` [${f.transform}]` : ''} — fix the file and run again; it was left untouched`);
  return lines;
}

export function servicesTable(repo: RepoModel, color: boolean): string {
  const rows = repo.services.map((s) => [s.name, s.role, s.port === null ? '-' : String(s.port), s.dockerfile ?? '-']);
  const header = ['service', 'role', 'port', 'dockerfile'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [bold(color, fmt(header)), ...rows.map(fmt)].join('\n');
}
