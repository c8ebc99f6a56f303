/**
 * What the wizard shows from the readiness report: the verdict per service before the user picks
 * transforms, and after writing, what is left to do by hand — the findings no transform fixes, and
 * the variables and secrets each task definition must set.
 */
import type { Finding } from '../../findings/finding.js';
import { serviceLabel, type CheckReport } from '../report.js';
import { verdictTable } from './text.js';

export function readinessBefore(report: CheckReport, color: boolean): string {
  const { summary } = report;
  const needing = report.services.filter((s) => s.verdict !== 'READY').length;
  return [...verdictTable(report, color), '', `${needing} of ${report.services.length} need changes; ${summary.fixable} of ${summary.blocking + summary.warning} findings are fixed by the transforms`].join('\n');
}

/** Null when nothing is left for a human. */
export function leftByHand(report: CheckReport): string | null {
  const byService = new Map<string, string[]>();
  const add = (service: string, line: string) => byService.set(service, [...(byService.get(service) ?? []), line]);
  const manual = (f: Finding) => !f.fixedBy && f.severity !== 'info' && /^ECS[45]/.test(f.code);
  for (const f of report.findings.filter(manual)) add(serviceLabel(f) ?? 'repo-wide', `${f.severity} ${f.code} ${f.file ?? ''}${f.line ? `:${f.line}` : ''} ${f.message}`);
  for (const e of report.ecs) {
    const container = e.taskDefinition.containerDefinitions[0];
    if (!container) continue;
    const unknown = container.environment.filter((v) => v.value === `<${v.name}>`).map((v) => v.name);
    if (unknown.length) add(e.service, `task definition environment to set: ${unknown.join(', ')}`);
    if (container.secrets.length) add(e.service, `task definition secrets (Secrets Manager / Parameter Store): ${container.secrets.map((s) => s.name).join(', ')}`);
  }
  if (byService.size === 0) return null;
  return [...byService].map(([service, lines]) => `${service}\n${lines.map((l) => `  ${l}`).join('\n')}`).join('\n');
}
