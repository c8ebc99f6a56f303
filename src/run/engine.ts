/**
 * The engine API: what a front end (the CLI, the wizard, a test, another tool) calls. It takes the
 * transform registry as an argument, so the engine itself depends on no transform: the caller
 * chooses which ones run.
 */
import { buildRepoModel } from '../repo/discover.js';
import type { RepoModel } from '../repo/model.js';
import type { Transform, TransformOptions } from '../transform.js';
import { planChanges, readRepoFile, wholeUnits, type FileChange, type Plan, type PlanSharing } from './plan.js';
import { completeFinding } from '../findings/codes.js';
import type { Finding } from '../findings/finding.js';
import { writeFiles } from './write.js';
import { prepareOxcRawTransfer } from '../source/oxc.js';
import { WARM_UP_FILES } from './parallel.js';

export interface PlanOptions extends TransformOptions {
  /** Keep only changes and notes on the files this accepts (errors stay: they concern the run). */
  keep?: (path: string) => boolean;
  /** Plans a share of the files elsewhere (a worker thread, src/run/parallel.ts); the plan is the same. */
  sharing?: PlanSharing;
}

export interface RepoPlan {
  /** The repo root as the model resolved it (symlinks resolved). */
  root: string;
  repo: RepoModel;
  transforms: Transform[];
  plan: Plan;
  /** Where the time went, in milliseconds of wall time (`ECSFIX_TIMING` prints it). */
  timing: RunTiming;
}

export interface RunTiming {
  modelMs: number;
  /** All of planning: every transform, the validation of their outputs, merging the changes. */
  planMs: number;
  /** Each transform's own runs, on the files this thread planned (all of them unless `sharing`). */
  transformMs: Record<string, number>;
}

/** Builds the repo model of `root` and plans what `registry`'s transforms change in it. Writes nothing. */
export function planRepo(registry: Transform[], root: string, options: PlanOptions = {}): RepoPlan {
  const started = performance.now();
  const { sharing } = options;
  let repo: RepoModel;
  let plan: Plan;
  let modelMs: number;
  const transformMs = new Map<string, number>();
  try {
    // The texts the model read, read again by planning from memory (the same run, the same texts).
    const reads = new Map<string, string | null>();
    const onFiles = (files: readonly string[], realRoot: string) => {
      // A large repo's JS/TS parses go through oxc's raw transfer, set up while the heap is small (see
      // the function); on a small one setting it up costs more than it saves.
      if (files.length >= WARM_UP_FILES) prepareOxcRawTransfer();
      sharing?.warmUp?.(files, realRoot);
    };
    repo = buildRepoModel(root, { reads, onFiles });
    modelMs = performance.now() - started;
    plan = planModel(repo, registry, options, transformMs, readRepoFile(repo.root, reads));
  } finally {
    sharing?.release?.(); // a worker started for a plan that never came
  }
  const timing = { modelMs, planMs: performance.now() - started - modelMs, transformMs: Object.fromEntries(transformMs) };
  return { root: repo.root, repo, transforms: registry, plan, timing };
}

/** Plans other transforms on a model already built (the wizard's per-transform counts, its chosen subset). */
export function planModel(repo: RepoModel, registry: Transform[], options: PlanOptions = {}, transformMs?: Map<string, number>, read = readRepoFile(repo.root)): Plan {
  const plan = planChanges(repo, registry, options, read, options.sharing, transformMs);
  return options.keep ? narrowPlan(plan, options.keep) : plan;
}

/**
 * The plan narrowed to some files: changes and findings outside them are dropped; errors stay (they
 * concern the run). A change that works only together with changes outside them (nginx moved to
 * 8080 in its config, its Dockerfile and compose) is withheld whole, with ECS010 naming what it needs:
 * half of it would leave a broken tree.
 */
export function narrowPlan(plan: Plan, keep: (path: string) => boolean): Plan {
  const { kept, left } = wholeUnits(plan.changes.filter((c) => keep(c.path)));
  return {
    changes: kept,
    findings: [...plan.findings.filter((f) => f.file === undefined || keep(f.file)), ...left.map(({ change, missing }) => unitWithheld(change, missing, 'outside the files this run may write (--only, or the directory it ran in)'))],
    failures: plan.failures,
    withheld: plan.withheld.filter((w) => keep(w.path)),
  };
}

/** ECS010: `change` is not made because the changes it works with (`missing`) are not, for `why`. */
export function unitWithheld(change: FileChange, missing: string[], why: string): Finding {
  return completeFinding({
    code: 'ECS010',
    severity: 'warning',
    file: change.path,
    ...(change.safety[0] ? { transform: change.safety[0].transform } : {}),
    message: `withheld: the change to ${change.path} (${change.transforms.join(', ')}) needs the change${missing.length > 1 ? 's' : ''} to ${missing.join(', ')}, ${why}; apply them together`,
  });
}

/** Writes accepted changes atomically under `root`; returns the paths written, in order. */
export function writeChanges(root: string, changes: FileChange[]): string[] {
  return writeFiles(root, changes.map((c) => ({ path: c.path, contents: c.after })));
}
