/**
 * `--format text`: a per-service table (service, role, port, verdict, blocking count, like the
 * audits' verdict tables), the findings grouped by service, and a short ECS block per HTTP
 * service. Fits 80 columns; info findings only with `verbose`.
 */
import type { Finding } from '../../findings/finding.js';
import { serviceLabel, type CheckReport } from '../report.js';

export interface TextOptions {
  color: boolean;
  verbose: boolean;
  width?: number;
}

const paint = (on: boolean, code: string, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

export function formatText(report: CheckReport, options: TextOptions): string {
  const { color, verbose } = options;
  const width = options.width ?? 80;
  const out: string[] = [];
  const { summary } = report;
  const needing = report.services.filter((s) => s.verdict !== 'READY').length;
  if (report.services.length === 0 && report.findings.length === 0) return 'No services found: no Dockerfile and no compose service that builds one.\n';
  out.push(...wrap(`${report.services.length} service(s), ${needing} need changes: ${summary.blocking} blocking, ${summary.warning} warning(s); ${summary.fixable} fixable by "ecsfix apply"`, width));
  out.push('');
  out.push(...verdictTable(report, color));
  const shown = report.findings.filter((f) => verbose || f.severity !== 'info');
  const groups = new Map<string, Finding[]>();
  for (const f of shown) {
    const key = serviceLabel(f) ?? '(repo)';
    const group = groups.get(key) ?? [];
    group.push(f);
    groups.set(key, group);
  }
  for (const [service, findings] of groups) {
    out.push('', paint(color, '1', service));
    for (const f of findings) {
      const tag = f.severity === 'blocking' ? paint(color, '31', 'blocking') : f.severity === 'warning' ? paint(color, '33', 'warning ') : paint(color, '2', 'info    ');
      const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''}` : '';
      const head = `  ${f.severity.padEnd(8)} ${f.code} ${where}`;
      // A long code and path do not fit one line: the place goes on its own line.
      if (head.length <= width) out.push(`  ${tag} ${f.code} ${where}`);
      else out.push(`  ${tag} ${f.code}`, `    ${where}`);
      const fix = f.fixedBy ? ` [fix: ecsfix apply -t ${f.fixedBy}]` : '';
      for (const line of wrap(f.message + fix, width - 4)) out.push(`    ${line}`);
    }
  }
  const hidden = report.findings.length - shown.length;
  if (hidden) out.push('', `${hidden} info finding(s) hidden; --verbose shows them`);
  const served = report.ecs.filter((e) => e.targetGroup || e.taskDefinition.containerDefinitions[0]?.stopTimeout || e.notes.length);
  if (served.length) {
    out.push('', paint(color, '1', 'ECS task definitions (excerpt; --format ecs --output <dir> writes the files)'));
    for (const e of served) {
      const c = e.taskDefinition.containerDefinitions[0];
      if (!c) continue;
      const parts: string[] = [];
      if (c.portMappings.length) parts.push(`port ${c.portMappings.map((p) => p.containerPort).join(',')}`);
      if (c.healthCheck) parts.push(`healthCheck ${(c.healthCheck.command[1] ?? '').split(' ')[0]} (${c.healthCheck.interval}s/${c.healthCheck.timeout}s x${c.healthCheck.retries}${c.healthCheck.startPeriod !== undefined ? `, start ${c.healthCheck.startPeriod}s` : ''})`);
      if (e.targetGroup) parts.push(`ALB ${e.targetGroup.HealthCheckPath} on ${e.targetGroup.HealthCheckPort}, ${e.targetGroup.Matcher.HttpCode}`);
      if (c.stopTimeout) parts.push(`stopTimeout ${c.stopTimeout}s`);
      wrap(`${e.service}:${parts.length ? ` ${parts.join('; ')}` : ''}`, width - 4).forEach((line, i) => out.push(`${i ? '      ' : '  '}${line}`));
      const secrets = c.secrets.map((s) => s.name);
      if (secrets.length) for (const line of wrap(`secrets: ${secrets.join(', ')}`, width - 6)) out.push(`    ${line}`);
      for (const note of e.notes) for (const line of wrap(`! ${note}`, width - 6)) out.push(`    ${line}`);
    }
  }
  if (report.fixes.length) {
    out.push('', `Fix all with "ecsfix apply --yes" (preview: "ecsfix diff"), or one by one:`);
    for (const fix of report.fixes) out.push(`  ${fix.command}`);
  }
  return out.join('\n') + '\n';
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The verdict per service: service, role, port, READY / NEEDS CHANGES, blocking count. */
export function verdictTable(report: CheckReport, color: boolean): string[] {
  const out: string[] = [];
  const nameWidth = Math.min(30, Math.max(7, ...report.services.map((s) => s.name.length)));
  // Padding is computed on the plain text so colour codes do not shift the columns.
  const row = (name: string, role: string, port: string, verdict: string, plainVerdict: string, blocking: string) =>
    `${name.slice(0, nameWidth).padEnd(nameWidth)} ${role.padEnd(9)} ${port.padStart(5)}  ${verdict}${' '.repeat(Math.max(0, 13 - plainVerdict.length))} ${blocking.padStart(8)}`;
  out.push(paint(color, '1', row('service', 'role', 'port', 'verdict', 'verdict', 'blocking')));
  for (const s of report.services)
    out.push(row(s.name, s.role, s.port === null ? '-' : String(s.port), paint(color, s.verdict === 'READY' ? '32' : '31', s.verdict), s.verdict, String(s.blocking)));
  return out;
}
