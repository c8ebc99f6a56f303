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
import { fileKind, type FileChange, type Plan } from '../run/plan.js';
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

/** A change whose own fix finding is of one of these codes weighs less than its transform's usual change: only an EXPOSE added (documentation). */
const PENDING_SEVERITY_BY_FIX: Record<string, Severity> = {
  ECS100: 'info',
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

export function planFindings(repo: RepoModel, plan: Plan, registry: readonly Transform[]): Finding[] {
  const interim = interimCodes(registry);
  const findings: Finding[] = [];
  const bases = extendsBases(repo);
  const each = (path: string, make: (service?: string) => Finding) => {
    const services = servicesOfFile(repo, path);
    for (const s of services.length ? services : [undefined]) findings.push(make(s));
  };
  // A finding a compose transform places in an `extends:` base no project runs is the extending services'.
  const eachOf = (f: Finding, path: string, make: (service?: string) => Finding) => {
    const extenders = f.service !== undefined && f.file !== undefined ? bases.get(`${f.file}\0${f.service}`) : undefined;
    if (extenders) for (const s of extenders) findings.push(make(s));
    else each(path, make);
  };
  for (const change of plan.changes) {
    const firstLine = replacements(change.before, change.after)[0]?.startLine ?? 1;
    for (const transform of change.transforms) {
      const def = pendingCode(transform, interim);
      const pending = companionOf(plan, change, transform, registry, repo) ?? ownChange(change, transform, def);
      each(change.path, (service) => ({
        code: PENDING_CHANGE,
        severity: pending.severity ?? def?.defaultSeverity ?? 'warning',
        message: `pending change: ${pending.what}`,
        file: change.path,
        line: pending.line ?? change.lines?.[transform] ?? firstLine,
        ...(service ? { service } : {}),
        fixedBy: transform,
      }));
    }
  }
  // A transform's finding names its fix (fixedBy) only while that fix is a change of this plan: a
  // refusal ("not rewritten: the lockfile is out of date") or a caveat names no command that would
  // change anything.
  for (const change of plan.changes)
    for (const f of change.findings) eachOf(f, change.path, (service) => withPendingFix(plan, { ...f, ...(service ? { service } : {}) }, change.path));
  for (const f of plan.findings) eachOf(f, f.file ?? '', (service) => withPendingFix(plan, { ...f, ...(service ? { service } : {}) }, f.file));
  findings.push(...plan.failures, ...repo.problems.filter((p) => !isFileError(p)));
  return findings;
}

/**
 * The services that extend each `extends:` base (by `file\0name`) that is no service of any compose
 * project itself (docker/common.yml's `node-app`, only ever merged under api, gateway and jobs).
 */
function extendsBases(repo: RepoModel): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const own = new Set(repo.compose.services.map((c) => `${c.file}\0${c.name}`));
  for (const c of repo.compose.services)
    for (const base of c.extendsFrom ?? []) {
      const key = `${base.file}\0${base.service}`;
      if (own.has(key)) continue;
      const names = out.get(key) ?? [];
      if (!names.includes(c.name)) names.push(c.name);
      out.set(key, names);
    }
  return out;
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

interface PendingPart {
  /** What the change does, after "pending change: ". */
  what: string;
  line?: number;
  severity?: Severity;
}

/** A change the transform made to the file it ran on: what its own fix finding says it fixes. */
function ownChange(change: FileChange, transform: string, def: FindingCode | undefined): PendingPart {
  const line = change.findings.find((f) => f.transform === transform && f.line)?.line;
  // Say what this change fixes (an added HEALTHCHECK is not "a HEALTHCHECK that hard-codes its
  // port"): the title of the change's own fix finding, else what the transform fixes in general.
  const own = change.findings.map((f) => (f.transform === transform ? findingCode(f.code) : undefined)).find((c) => c?.fixedBy === transform);
  const severity = own ? PENDING_SEVERITY_BY_FIX[own.code] : undefined;
  return { what: own?.title ?? def?.title ?? transform, ...(line ? { line } : {}), ...(severity ? { severity } : {}) };
}

/**
 * A change the transform made to a file it did not run on, as part of its change to another file
 * (the .env.example compose-secret-defaults writes, the compose port dockerfile-nginx-non-root
 * moves): info, since the change it belongs to is the finding that counts, and described by what
 * the transform said about this file (the variables it lists, with their compose lines), not by the
 * transform's generic description. Null for a file the transform ran on.
 */
function companionOf(plan: Plan, change: FileChange, transform: string, registry: readonly Transform[], repo: RepoModel): PendingPart | null {
  const t = registry.find((r) => r.id === transform);
  if (!t || ranOn(t, change.path, repo)) return null;
  const said = plan.changes.flatMap((c) => c.findings).filter((f) => f.transform === transform && f.file === change.path);
  const main = plan.changes.filter((c) => c.transforms.includes(transform) && ranOn(t, c.path, repo)).map((c) => c.path);
  const what = said.length ? said.map((f) => f.message).join('; ') : `${t.fixes}: part of its change to ${main.join(', ') || 'another file'}`;
  const line = said.find((f) => f.line)?.line;
  return { what, severity: 'info', ...(line ? { line } : {}) };
}

/** Whether the engine runs `transform` on `path` (rather than `path` being one of its other files). */
function ranOn(transform: Transform, path: string, repo: RepoModel): boolean {
  const kind = fileKind(path, repo);
  return kind !== null && transform.kinds.includes(kind) && transform.appliesTo(path, repo);
}
