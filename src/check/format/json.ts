/**
 * `--format json`: the report for scripts, stable across releases (additions only); its JSON
 * Schema is schemas/check-report.schema.json and the README documents it.
 */
import type { CheckReport } from '../report.js';
import { describeCode } from '../report.js';

export const CHECK_JSON_VERSION = 1;

export function checkJson(report: CheckReport) {
  const codes = [...new Set(report.findings.map((f) => f.code))].sort();
  return {
    version: CHECK_JSON_VERSION,
    summary: report.summary,
    services: report.services,
    findings: report.findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      service: f.service ?? null,
      services: f.services ?? (f.service ? [f.service] : []),
      file: f.file ?? null,
      line: f.line ?? null,
      message: f.message,
      fixedBy: f.fixedBy ?? null,
    })),
    codes: codes.map((code) => {
      const def = describeCode(report, code);
      return { code, title: def?.title ?? code, help: def?.help ?? '', fixedBy: def?.fixedBy ?? null };
    }),
    fixes: report.fixes,
    ecs: report.ecs,
  };
}
