/**
 * The run's own findings for `check`: a pending change of each transform (fixedBy = that transform),
 * the transforms' notes, files that could not be parsed and what the repo model could not settle.
 *
 * Interim adapter: until the engine reports `Finding`s itself (the finding-model migration), plan
 * notes, failures and model problems are converted here, with interim codes described in
 * {@link interimCodes}. A registered code whose `fixedBy` is the transform is used when one exists.
 */
import type { Finding, FindingCode, Severity } from '../findings/finding.js';
import { FINDING_CODES } from '../findings/codes.js';
import type { RepoModel } from '../repo/model.js';
import type { Plan } from '../run/plan.js';
import type { Transform } from '../transform.js';
import { replacements } from './replacements.js';

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

/** Codes of the interim adapter for the transforms that ran (not ECS-numbered, so they cannot collide with registered ones). */
export function interimCodes(registry: readonly Transform[]): FindingCode[] {
  return [
  ...registry.map((t) => ({
    code: `pending/${t.id}`,
    title: t.fixes,
    defaultSeverity: PENDING_SEVERITY[t.id] ?? 'warning',
    help: `${t.title}. Run "ecsfix apply -t ${t.id}" to apply it (${t.safety}).${t.verify ? ` Verify: ${t.verify}` : ''}`,
    fixedBy: t.id,
  })),
  { code: 'note/warning', title: 'Something to do or verify by hand', defaultSeverity: 'warning', help: 'A transform could not settle this from the code: read the message and act on it.' },
  { code: 'note/info', title: 'Where a value came from', defaultSeverity: 'info', help: 'Explains a change a transform makes.' },
  { code: 'file/unparsable', title: 'File cannot be parsed', defaultSeverity: 'blocking', help: 'The file was left untouched and no change that depends on it was made. Fix the file and run again.' },
  { code: 'model/problem', title: 'The repo model could not settle a fact', defaultSeverity: 'warning', help: 'A conflict or unreadable file in the repo model: read the message.' },
  ];
}

function pendingCode(transform: string, interim: readonly FindingCode[]): FindingCode | undefined {
  return FINDING_CODES.find((c) => c.fixedBy === transform && c.code.startsWith('ECS1')) ?? interim.find((c) => c.code === `pending/${transform}`);
}

/** The services a file belongs to: built from it, or its source. */
export function servicesOfFile(repo: RepoModel, path: string): string[] {
  return repo.services.filter((s) => s.dockerfile === path || s.sourceFiles.includes(path)).map((s) => s.name);
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
      const line = change.notes.find((n) => n.transform === transform && n.line)?.line ?? firstLine;
      each(change.path, (service) => ({
        code: def?.code ?? `pending/${transform}`,
        severity: def?.defaultSeverity ?? 'warning',
        message: `pending change: ${def?.title ?? transform}`,
        file: change.path,
        line,
        ...(service ? { service } : {}),
        fixedBy: transform,
      }));
    }
  }
  for (const file of [...plan.changes.map((c) => ({ path: c.path, notes: c.notes, changed: true })), ...plan.reports.map((r) => ({ ...r, changed: false }))])
    for (const note of file.notes)
      each(file.path, (service) => ({
        code: note.code ?? (note.severity === 'warning' ? 'note/warning' : 'note/info'),
        severity: note.severity,
        message: note.message,
        file: file.path,
        ...(note.line ? { line: note.line } : {}),
        ...(service ? { service } : {}),
        // A note on a change goes away with it; a note on an unchanged file has no fix.
        ...(file.changed ? { fixedBy: note.transform } : {}),
      }));
  for (const failure of plan.failures)
    findings.push({ code: 'file/unparsable', severity: 'blocking', message: failure.message, file: failure.path, line: failure.line });
  for (const problem of repo.problems.filter((p) => !p.unparsable))
    findings.push({ code: 'model/problem', severity: 'warning', message: problem.message, file: problem.file, line: problem.line });
  return findings;
}
