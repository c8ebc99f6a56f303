/**
 * What every command starts from: the repo model and the plan for the selected transforms.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { inPaths, planRepo, type PlanOptions, type RepoPlan } from '../run/engine.js';
import type { Transform } from '../transform.js';
import { TRANSFORMS } from '../../transforms/index.js';
import { UsageError } from './errors.js';
import { didYouMean } from './suggest.js';

export interface Selection {
  transforms: string[];
  skip: string[];
}

/** Resolves `-t`/`--skip` (repeatable, comma-separated) to transforms in their fixed order. */
export function selectTransforms(selection: Selection): Transform[] {
  const split = (values: string[]) => values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const wanted = split(selection.transforms);
  const skipped = split(selection.skip);
  const known = TRANSFORMS.map((t) => t.id);
  const unknown = [...wanted, ...skipped].filter((id) => !known.includes(id));
  if (unknown.length === 1 && didYouMean(unknown[0] as string, known))
    throw new UsageError(`unknown transform "${unknown[0]}"${didYouMean(unknown[0] as string, known)}; valid ids: ${known.join(', ')}`);
  if (unknown.length)
    throw new UsageError(`unknown transform ${unknown.map((u) => `"${u}"`).join(', ')}; valid ids: ${known.join(', ')}`);
  return TRANSFORMS.filter((t) => (wanted.length === 0 || wanted.includes(t.id)) && !skipped.includes(t.id));
}

/** The directory to work on, absolute; says whether a bad one does not exist or is not a directory. */
export function resolveDir(dir: string | undefined): string {
  const path = resolve(dir ?? '.');
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    throw new UsageError(`${dir ?? '.'} does not exist`);
  }
  if (!isDirectory) throw new UsageError(`${dir ?? '.'} is not a directory; give the repo's directory (ecsfix diff <dir>)`);
  return path;
}

/** A planned run, as the commands hold it. */
export type Session = RepoPlan;

export function loadSession(root: string, transforms: Transform[], options: PlanOptions): Session {
  const session = planRepo(transforms, root, options);
  for (const o of options.only ?? [])
    if (!session.repo.files.some((f) => inPaths([o], f))) throw new UsageError(`--only ${o}: no such file or directory in ${root}`);
  return session;
}
