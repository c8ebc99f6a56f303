/**
 * `ecsfix check`: every finding of the run in one list — the repo model's, the pending changes of
 * every selected transform (fixedBy = that transform), the transforms' notes, and the readiness
 * rules' — with a verdict per service and the ECS task definitions that match the repo after the
 * transforms. Pure: a function of the session; the CLI prints and sets the exit code.
 */
import { atLeast, type Finding, type FindingCode, type Severity } from '../findings/finding.js';
import { findingCode } from '../findings/codes.js';
import type { RepoModel, ServiceRole } from '../repo/model.js';
import type { FileChange, Plan } from '../run/plan.js';
import type { Transform } from '../transform.js';
import { decodeText } from '../text.js';
import type { CheckContext } from './context.js';
import { buildCheckFindings } from './build-findings.js';
import { interimCodes, PENDING_CHANGE, planFindings } from './plan-findings.js';
import { READINESS_RULES } from './readiness/index.js';
import { ecsServices, type EcsService } from './task-definition.js';

export type Verdict = 'READY' | 'NEEDS CHANGES';

export interface ServiceVerdict {
  name: string;
  role: ServiceRole;
  port: number | null;
  dockerfile: string | null;
  verdict: Verdict;
  blocking: number;
  warnings: number;
  /** Findings a transform fixes (`ecsfix apply`). */
  fixable: number;
}

export interface CheckReport {
  services: ServiceVerdict[];
  /** Sorted by service, file, line; findings of no service come last. */
  findings: Finding[];
  summary: { blocking: number; warning: number; info: number; fixable: number; errors: number };
  /** Transforms with pending changes and the command that applies them. */
  fixes: { transform: string; files: string[]; command: string }[];
  ecs: EcsService[];
  /** The pending changes (for SARIF fixes). */
  changes: FileChange[];
  /** The interim adapter's codes for the transforms that ran ({@link describeCode}). */
  interimCodes: FindingCode[];
}

/** `registry`: the transforms that produced `plan` (the CLI hands them in; this module depends on none). */
export function buildCheckReport(repo: RepoModel, plan: Plan, read: (path: string) => string | null, registry: readonly Transform[]): CheckReport {
  const interim = interimCodes(registry);
  const texts = new Map<string, string | null>();
  const ctx: CheckContext = {
    repo,
    read(path) {
      if (!texts.has(path)) {
        const raw = read(path);
        texts.set(path, raw === null ? null : decodeText(raw).text);
      }
      return texts.get(path) ?? null;
    },
    pending: (transform, file) => plan.changes.some((c) => c.path === file && c.transforms.includes(transform)),
    planned(path) {
      const change = plan.changes.find((c) => c.path === path);
      return change ? decodeText(change.after).text : ctx.read(path);
    },
  };
  const all = [...planFindings(repo, plan, registry), ...buildCheckFindings(ctx), ...READINESS_RULES.flatMap((rule) => rule(ctx))];
  const findings = mergeShared(all, repo.services.map((s) => s.name)).sort(byPlace);
  const counted = countedOnce(findings);
  const services = repo.services.map((s): ServiceVerdict => {
    const own = counted.filter((f) => f.service === s.name || f.services?.includes(s.name));
    const blocking = own.filter((f) => f.severity === 'blocking').length;
    return {
      name: s.name,
      role: s.role,
      port: s.port,
      dockerfile: s.dockerfile,
      verdict: blocking ? 'NEEDS CHANGES' : 'READY',
      blocking,
      warnings: own.filter((f) => f.severity === 'warning').length,
      fixable: own.filter((f) => f.fixedBy && f.severity !== 'info').length,
    };
  });
  const transforms = [...new Set(plan.changes.flatMap((c) => c.transforms))];
  return {
    services,
    findings,
    summary: {
      blocking: counted.filter((f) => f.severity === 'blocking').length,
      warning: counted.filter((f) => f.severity === 'warning').length,
      info: counted.filter((f) => f.severity === 'info').length,
      fixable: counted.filter((f) => f.fixedBy && f.severity !== 'info').length,
      errors: plan.failures.length,
    },
    fixes: transforms.map((t) => ({ transform: t, files: plan.changes.filter((c) => c.transforms.includes(t)).map((c) => c.path), command: `ecsfix apply -t ${t} --yes` })),
    ecs: ecsServices(ctx),
    changes: plan.changes,
    interimCodes: interim,
  };
}

/**
 * The findings the counts count: a pending change (ECS009) is left out where a problem it fixes has
 * a finding of its own at least as severe, for the same file and services, naming the same
 * transform as its fix (ECS505 "the final stage runs as root", blocking, beside dockerfile-non-root's
 * pending change): one problem, counted once. Both stay in the list.
 */
function countedOnce(findings: readonly Finding[]): Finding[] {
  const who = (f: Finding) => `${f.file ?? ''}\0${f.service ?? ''}\0${(f.services ?? []).join(',')}\0${f.fixedBy ?? ''}`;
  const problems = findings.filter((f) => f.code !== PENDING_CHANGE && f.fixedBy);
  const counted = (pending: Finding) => problems.some((p) => who(p) === who(pending) && atLeast(p.severity, pending.severity));
  return findings.filter((f) => f.code !== PENDING_CHANGE || !counted(f));
}

/** Who a finding is for, as the report groups it: its services (`api, api-jobs` for one shared by several), else undefined. */
export function serviceLabel(f: Finding): string | undefined {
  return f.services?.join(', ') ?? f.service;
}

/** Whether the report fails at a `--fail-on` threshold. */
export function failsAt(report: CheckReport, threshold: Severity): boolean {
  return report.findings.some((f) => atLeast(f.severity, threshold));
}

/** A code's description: registered, or one of the interim adapter's. */
export function describeCode(report: CheckReport, code: string): FindingCode | undefined {
  return findingCode(code) ?? report.interimCodes.find((c) => c.code === code);
}

/**
 * One finding per thing said: the same finding (code, severity, file, line, message, fix) reported
 * for several services (every service, one-off jobs too, built from one Dockerfile; a source file
 * they share; a compose line they inherit) is listed once, naming them in `services`. A finding that
 * differs per service (its message names the service, its port) stays one per service.
 */
function mergeShared(findings: Finding[], order: readonly string[]): Finding[] {
  const rank = new Map<string, number>();
  order.forEach((name, i) => rank.has(name) || rank.set(name, i));
  const out: Finding[] = [];
  const byKey = new Map<string, { index: number; services: string[] }>();
  for (const f of findings) {
    if (f.service === undefined) {
      out.push(f);
      continue;
    }
    const key = [f.code, f.severity, f.file ?? '', f.line ?? 0, f.message, f.fixedBy ?? ''].join('\0');
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, { index: out.length, services: [f.service] });
      out.push(f);
    } else if (!seen.services.includes(f.service)) seen.services.push(f.service);
  }
  for (const { index, services } of byKey.values()) {
    if (services.length < 2) continue;
    services.sort((a, b) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity) || a.localeCompare(b));
    out[index] = { ...(out[index] as Finding), service: services[0] as string, services };
  }
  return out;
}

function byPlace(a: Finding, b: Finding): number {
  return (
    (a.service ?? '\uffff').localeCompare(b.service ?? '\uffff') ||
    (a.file ?? '').localeCompare(b.file ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    a.code.localeCompare(b.code)
  );
}
