/**
 * The run's own findings for `check`: a pending change of each transform (fixedBy = that transform),
 * the transforms' findings, files that could not be parsed and what the repo model could not settle.
 *
 * A pending change is reported with the registered code ECS009; its title, severity and help per
 * transform come from {@link interimCodes}.
 */
import type { Finding, FindingCode, Severity } from '../findings/finding.js';
import { isFileError } from '../findings/codes-engine.js';
import { findingCode } from '../findings/codes.js';
import { servicesOfFile as servicesOf, type RepoModel } from '../repo/model.js';
import type { Plan } from '../run/plan.js';
import type { Transform } from '../transform.js';
import { replacements } from './replacements.js';

/** The registered code of a pending change; the transform is the finding's fixedBy. */
export const PENDING_CHANGE = 'ECS009';

const PENDING_SEVERITY: Record<string, Severity> = {
  'dockerfile-non-root': 'blocking',
  'dockerfile-healthcheck-env': 'blocking',
  'dockerfile-port-env': 'blocking',
  'worker-graceful-shutdown': 'blocking',
  'listen-before-mongo': 'blocking',
  'service-url-defaults': 'blocking',
  'compose-secret-defaults': 'blocking',
  'dockerfile-worker-multistage': 'warning',
  'dockerfile-pnpm-pin': 'warning',
  'dockerfile-frozen-lockfile': 'warning',
};

/** Per-transform descriptions of a pending change (what ECS009 means for that transform), keyed `pending/<transform>`. */
export function interimCodes(registry: readonly Transform[]): FindingCode[] {
  return [
  ...registry.map((t) => ({
    code: `pending/${t.id}`,
    title: t.fixes,
    defaultSeverity: PENDING_SEVERITY[t.id] ?? 'warning',
    help: `${t.title}. Run "ecsfix apply -t ${t.id}" to apply it (${t.safety}).${t.verify ? ` Verify: ${t.verify}` : ''}`,
    fixedBy: t.id,
  })),
  ];
}

function pendingCode(transform: string, interim: readonly FindingCode[]): FindingCode | undefined {
  return interim.find((c) => c.code === `pending/${transform}`);
}

/** The services a file belongs to: built from it, or its source. */
export function servicesOfFile(repo: RepoModel, path: string): string[] {
  return servicesOf(repo, path).map((s) => s.name);
}

export function planFindings(repo: RepoModel, plan: Plan, interim: readonly FindingCode[]): Finding[] {
  const findings: Finding[] = [];
  const each = (path: string, make: (service?: string) => Finding) => {
    const services = servicesOfFile(repo, path);
    for (const s of services.length ? services : [undefined]) findings.push(make(s));
  };
  for (const change of plan.changes) {
    const firstLine = replacements(change.before, change.after)[0]?.startLine ?? 1;
    for (const transform of change.transforms) {
      const def = pendingCode(transform, interim);
      const line = change.findings.find((f) => f.transform === transform && f.line)?.line ?? firstLine;
      // Say what this change fixes (an added HEALTHCHECK is not "a HEALTHCHECK that hard-codes its
      // port"): the title of the change's own fix finding, else what the transform fixes in general.
      const own = change.findings.map((f) => (f.transform === transform ? findingCode(f.code) : undefined)).find((c) => c?.fixedBy === transform);
      each(change.path, (service) => ({
        code: PENDING_CHANGE,
        severity: def?.defaultSeverity ?? 'warning',
        message: `pending change: ${own?.title ?? def?.title ?? transform}`,
        file: change.path,
        line,
        ...(service ? { service } : {}),
        fixedBy: transform,
      }));
    }
  }
  // A transform's finding names its fix (fixedBy) only while that fix is a change of this plan: a
  // refusal ("not rewritten: the lockfile is out of date") or a caveat names no command that would
  // change anything.
  for (const change of plan.changes)
    for (const f of change.findings) each(change.path, (service) => withPendingFix(plan, { ...f, ...(service ? { service } : {}) }, change.path));
  for (const f of plan.findings) each(f.file ?? '', (service) => withPendingFix(plan, { ...f, ...(service ? { service } : {}) }, f.file));
  findings.push(...plan.failures, ...repo.problems.filter((p) => !isFileError(p)));
  return findings;
}

/**
 * `f` with its fixedBy (its own, or its code's) kept only when that transform has a change pending
 * for `file` in `plan`: then "ecsfix apply -t <fixedBy>" really changes something.
 */
function withPendingFix(plan: Plan, f: Finding, file: string | undefined): Finding {
  const { fixedBy, ...rest } = f;
  const pending = fixedBy !== undefined && file !== undefined && plan.changes.some((c) => c.path === file && c.transforms.includes(fixedBy));
  return pending ? f : rest;
}
