/**
 * The interactive wizard (@clack/prompts): scan with a spinner, show the services found, pick the
 * transforms, then read each file's diff and apply / skip / apply all / quit. Quit and Ctrl-C keep
 * what was already accepted and write it, nothing more. Ends with the equivalent script line.
 */
import * as p from '@clack/prompts';
import { planModel } from '../run/engine.js';
import type { FileChange } from '../run/plan.js';
import { relative } from 'node:path';
import { EXIT, type Io } from './io.js';
import { colorizePatch, filePatch } from './patch.js';
import { collectDiagnostics, formatDiagnostic, servicesTable } from './report.js';
import { loadSession, selectTransforms, type Session } from './session.js';
import { colorEnabled } from './style.js';
import type { TransformOptions } from '../transform.js';

interface WizardFlags extends TransformOptions {
  transform: string[];
  skip: string[];
  allowDirty: boolean;
}

interface Writer {
  guardDirty(session: Session, changes: FileChange[], flags: WizardFlags): void;
  writeChanges(session: Session, changes: FileChange[]): string[];
}

/** Shows each change and asks; returns what was accepted (quit/Ctrl-C stop asking). */
export async function reviewChanges(changes: FileChange[], io: Io): Promise<{ accepted: FileChange[]; quit: boolean }> {
  const color = colorEnabled(io.stdout);
  const accepted: FileChange[] = [];
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i] as FileChange;
    io.stdout.write('\n' + colorizePatch(filePatch(change), color));
    for (const note of change.notes) io.stdout.write(formatDiagnostic({ level: note.severity === 'info' ? 'info' : 'warning', file: change.path, ...(note.line ? { line: note.line } : {}), message: note.message, transform: note.transform, service: '' }, color) + '\n');
    const answer = await p.select({
      message: `${change.path} (${i + 1}/${changes.length}, ${change.transforms.join(', ')})`,
      options: [
        { value: 'apply', label: 'apply' },
        { value: 'skip', label: 'skip' },
        { value: 'all', label: 'apply all remaining' },
        { value: 'quit', label: 'quit', hint: 'write what was accepted so far' },
      ],
    });
    if (p.isCancel(answer) || answer === 'quit') return { accepted, quit: true };
    if (answer === 'apply') accepted.push(change);
    if (answer === 'all') {
      accepted.push(...changes.slice(i));
      break;
    }
  }
  return { accepted, quit: false };
}

export async function wizard(root: string, flags: WizardFlags, io: Io, writer: Writer, _dirArg?: string): Promise<number> {
  p.intro('ecsfix — ECS Fargate readiness');
  const spin = p.spinner();
  spin.start(`Scanning ${relative(process.cwd(), root) || '.'}`);
  const candidates = selectTransforms({ transforms: flags.transform, skip: flags.skip });
  const session = loadSession(root, candidates, flags);
  spin.stop(`Found ${session.repo.services.length} service(s), ${session.plan.changes.length} file(s) with pending changes`);
  p.note(servicesTable(session.repo, colorEnabled(io.stdout)), 'Services');
  for (const f of session.plan.failures) p.log.error(`${f.path}:${f.line} ${f.message} — left untouched`);
  writer.guardDirty(session, session.plan.changes, flags);

  // Pending per transform on its own: in the full chain a rewrite (worker-multistage) can absorb
  // what another would do (pnpm-pin), which must still be offered if the user leaves the rewrite out.
  const pending = new Map<string, number>();
  if (session.plan.changes.length > 0)
    for (const t of candidates) {
      const alone = planModel(session.repo, [t], flags).changes.length;
      if (alone > 0) pending.set(t.id, alone);
    }
  if (pending.size === 0) {
    for (const d of collectDiagnostics(session.repo, session.plan)) if (d.level !== 'info') p.log.warn(formatDiagnostic(d, false));
    p.outro('Nothing to change.');
    return session.plan.failures.length ? EXIT.error : EXIT.ok;
  }
  const chosen = await p.multiselect({
    message: 'Transforms to review',
    options: candidates.map((t) => ({
      value: t.id,
      label: `${t.id}${t.safety === 'behavior-changing' ? ' (behaviour-changing)' : ''}`,
      hint: pending.has(t.id) ? `${pending.get(t.id)} file(s)` : 'nothing to change',
    })),
    initialValues: candidates.filter((t) => pending.has(t.id)).map((t) => t.id),
    required: false,
  });
  if (p.isCancel(chosen) || chosen.length === 0) {
    p.cancel('Nothing written.');
    return EXIT.ok;
  }
  const transforms = candidates.filter((t) => chosen.includes(t.id));
  const plan = planModel(session.repo, transforms, flags);
  const { accepted, quit } = await reviewChanges(plan.changes, io);
  const written = writer.writeChanges(session, accepted);
  for (const d of collectDiagnostics(session.repo, plan, { changes: accepted })) if (d.level !== 'info') p.log.warn(formatDiagnostic(d, false));
  const command = `ecsfix apply -t ${transforms.map((t) => t.id).join(',')} --yes`;
  p.outro(
    `${quit ? 'Stopped. ' : ''}Wrote ${written.length} of ${plan.changes.length} file(s).\n` +
      `   The same as a script line: ${command}` +
      (accepted.length < plan.changes.length ? '\n   (that line applies every file of those transforms, including the ones you skipped)' : ''),
  );
  return plan.failures.length ? EXIT.error : EXIT.ok;
}
