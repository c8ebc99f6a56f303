/**
 * The interactive wizard (@clack/prompts): scan with a spinner, show the services found, pick the
 * transforms, then read each file's diff and answer with one key (y/n/a/q, e for the notes).
 * Every way out — apply all, quit, Ctrl-C — writes what was accepted, nothing more, and ends with
 * the same summary of what is left for the user: every warning and error, by service, with
 * file:line. The closing script line repeats exactly what was written.
 */
import * as p from '@clack/prompts';
import { relative } from 'node:path';
import { planModel, unitWithheld } from '../run/engine.js';
import { changeSafety, wholeUnits, type FileChange, type Plan } from '../run/plan.js';
import type { TransformOptions } from '../transform.js';
import { TRANSFORMS } from '../../transforms/index.js';
import { askFile, CANCELLED } from './filePrompt.js';
import { EXIT, type Io } from './io.js';
import { page } from './pager.js';
import { colorizePatch, filePatch, terminalPatch } from './patch.js';
import { leftByHand, readinessBefore } from '../check/format/wizard.js';
import { readinessReport } from './check.js';
import { collectDiagnostics, formatDiagnostic, plural, safetyLines, servicesTable, type Diagnostic } from './report.js';
import { scriptLine } from './scriptLine.js';
import { loadSession, selectTransforms, type Limits, type Session } from './session.js';
import { colorEnabled, printable } from './style.js';

interface WizardFlags extends TransformOptions, Limits {
  transform: string[];
  skip: string[];
  allowDirty: boolean;
}

interface Writer {
  guardDirty(session: Session, changes: FileChange[], flags: WizardFlags): void;
  writeChanges(session: Session, changes: FileChange[]): string[];
}

export interface WizardOptions {
  /** The directory as the user typed it, for the script line. */
  dirArg?: string;
  /** Why the root is above the directory given (said once), when it is. */
  rootReason?: string | null;
  /** Offer the transform picker (the wizard) or review every selected transform's files (`apply`). */
  pick?: boolean;
}

function diagnosticsFor(change: FileChange, session: Session): Diagnostic[] {
  return collectDiagnostics(session.repo, { changes: [change], findings: [], failures: [], withheld: [] });
}

export interface Review {
  accepted: FileChange[];
  /** How the review ended: every file answered, `a`, `q`, or Ctrl-C. */
  ending: 'done' | 'all' | 'quit' | 'interrupted';
}

/** Shows each change (through a pager when long) with its notes and asks; returns what was accepted. */
export async function reviewChanges(changes: FileChange[], session: Session, io: Io): Promise<Review> {
  const color = colorEnabled(io.stdout);
  const accepted: FileChange[] = [];
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i] as FileChange;
    const notes = diagnosticsFor(change, session);
    // Beside the diff they explain, the info notes too: where each value came from.
    const notesText = [...safetyLines(change, color), ...notes.map((d) => formatDiagnostic(d, color, false))].map((l) => l + '\n').join('');
    page('\n' + colorizePatch(terminalPatch(filePatch(change)), color) + notesText, io.stdout);
    for (;;) {
      const safety = changeSafety(change) === 'behavior-changing' ? ', behaviour-changing' : '';
      const answer = await askFile(`${printable(change.path)} (${i + 1}/${changes.length}, ${change.transforms.join(', ')}${safety})`, color);
      if (answer === 'notes') {
        io.stdout.write(notesText || 'no notes on this file\n');
        continue;
      }
      if (answer === CANCELLED) return { accepted, ending: 'interrupted' };
      if (answer === 'quit') return { accepted, ending: 'quit' };
      if (answer === 'apply') accepted.push(change);
      if (answer === 'all') {
        accepted.push(...changes.slice(i));
        return { accepted, ending: 'all' };
      }
      break;
    }
  }
  return { accepted, ending: 'done' };
}

/** What is left for the user, the same on every way out: warnings and errors by service, with file:line. */
function leftForYou(session: Session, plan: Plan, accepted: FileChange[]): string | null {
  const todo = collectDiagnostics(session.repo, plan, { changes: accepted }).filter((d) => d.level !== 'info');
  if (todo.length === 0) return null;
  const byService = new Map<string, Diagnostic[]>();
  for (const d of todo) byService.set(d.service, [...(byService.get(d.service) ?? []), d]);
  const order = [...byService.keys()].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)));
  return order
    .map((service) => `${service || 'repo-wide'}\n${(byService.get(service) ?? []).map((d) => `  ${formatDiagnostic(d, false)}`).join('\n')}`)
    .join('\n');
}

/** How many of a transform's changes are behaviour-changing (a safe transform can make some). */
function behaviourChanging(plan: Plan, transform: string): number {
  return plan.changes.filter((c) => c.safety.some((s) => s.transform === transform && s.safety === 'behavior-changing')).length;
}

/** Per transform, the files it changes in the combined run (a rewrite can absorb another's change). */
function pendingCounts(plan: Plan): Map<string, number> {
  const counts = new Map<string, number>();
  for (const change of plan.changes) for (const id of change.transforms) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

export async function wizard(root: string, flags: WizardFlags, io: Io, writer: Writer, options: WizardOptions = {}): Promise<number> {
  const color = colorEnabled(io.stdout);
  p.intro('ecsfix — ECS Fargate readiness');
  const spin = p.spinner();
  spin.start(`Scanning ${relative(process.cwd(), root) || '.'}`);
  const candidates = selectTransforms({ transforms: flags.transform, skip: flags.skip });
  const session = loadSession(root, candidates, flags);
  if (options.rootReason) p.log.info(`Repo root ${root} (${options.rootReason}); changes limited to ${flags.scope}/`);
  spin.stop(`Found ${plural(session.repo.services.length, 'service')}, ${plural(session.plan.changes.length, 'file')} with pending changes`);
  // The table fits the terminal (80 columns when unknown) inside clack's note frame.
  if (session.repo.services.length) p.note(servicesTable(session.repo, color, Math.min(io.stdout.columns || 80, 120) - 6), 'Services');
  const readiness = readinessReport(session);
  p.note(readinessBefore(readiness, color), 'Readiness for ECS (ecsfix check)');
  for (const f of session.plan.failures) p.log.error(printable(`${f.file}:${f.line} ${f.code} ${f.message} — left untouched`));
  writer.guardDirty(session, session.plan.changes, flags);

  let transforms = candidates;
  let plan = session.plan;
  let review: Review = { accepted: [], ending: 'done' };
  const pending = pendingCounts(session.plan);
  if (pending.size > 0 && options.pick !== false) {
    const chosen = await p.multiselect({
      message: 'Transforms to review',
      options: candidates.map((t) => ({
        value: t.id,
        label: `${t.id}${t.safety === 'behavior-changing' ? ' (behaviour-changing)' : behaviourChanging(session.plan, t.id) ? ` (${plural(behaviourChanging(session.plan, t.id), 'behaviour-changing change')})` : ''}`,
        hint: pending.has(t.id) ? plural(pending.get(t.id) ?? 0, 'file') : 'nothing to change',
      })),
      initialValues: candidates.filter((t) => pending.has(t.id)).map((t) => t.id),
      required: false,
    });
    if (p.isCancel(chosen)) review = { accepted: [], ending: 'interrupted' };
    transforms = p.isCancel(chosen) ? [] : candidates.filter((t) => chosen.includes(t.id));
    if (transforms.length !== candidates.length) {
      plan = planModel(session.repo, transforms, { ...flags, keep: session.keep });
      // A transform with nothing to change is not pre-selected, but what it reports (why it left a file alone) still stands.
      const unchosen = new Set(candidates.filter((t) => !pending.has(t.id) && !transforms.includes(t)).map((t) => t.id));
      plan = { ...plan, findings: [...plan.findings, ...session.plan.findings.filter((f) => f.transform !== undefined && unchosen.has(f.transform))] };
    }
  }
  if (review.ending !== 'interrupted' && transforms.length > 0) review = await reviewChanges(plan.changes, session, io);
  // A change accepted without the changes it works with is not written either (ECS010).
  const units = wholeUnits(review.accepted);
  for (const { change, missing } of units.left) {
    const f = unitWithheld(change, missing, 'which were not accepted');
    p.log.warn(printable(`${f.file} ${f.code} ${f.message}`));
  }
  review = { ...review, accepted: units.kept };

  const written = writer.writeChanges(session, review.accepted);
  const left = leftForYou(session, plan, review.accepted);
  if (left) p.log.warn(`Left for you:\n${printable(left, '\n')}`);
  const byHand = leftByHand(readiness);
  if (byHand) p.log.warn(`For ECS, by hand (no transform fixes these):\n${printable(byHand, '\n')}`);
  const skipped = plan.changes.length - written.length;
  const wrote = `${review.ending === 'interrupted' ? 'Interrupted. ' : review.ending === 'quit' ? 'Stopped. ' : ''}Wrote ${written.length} of ${plural(plan.changes.length, 'file')}${skipped ? ` (${skipped} not written)` : ''}.`;
  if (written.length === 0) p.outro(plan.changes.length ? wrote : 'Nothing to change.');
  else {
    // Exactly what was written: the transforms chosen and, when some files were not, the files that were.
    const all = transforms.length === TRANSFORMS.length;
    const line = scriptLine({
      command: 'apply',
      ...(options.dirArg !== undefined ? { dir: options.dirArg } : {}),
      ...(all ? {} : { transforms: transforms.map((t) => t.id) }),
      ...(written.length < plan.changes.length ? { only: written } : flags.only?.length ? { only: flags.only } : {}),
      ...(flags.pnpmVersion ? { pnpmVersion: flags.pnpmVersion } : {}),
      yes: true,
    });
    p.outro(`${wrote}\n   The same as a script line: ${line}`);
  }
  if (review.ending === 'interrupted') return EXIT.interrupted;
  return plan.failures.length ? EXIT.error : EXIT.ok;
}
