/**
 * The worker thread that plans a share of the files of a large repo (src/run/parallel.ts): it
 * builds the repo model from disk as the main thread does and plans the files it claims with the
 * same transforms, chosen by id from the registry in their fixed order.
 */
import { buildRepoModel } from '../repo/discover.js';
import { readRepoFile } from '../run/engine.js';
import { servePlanShare } from '../run/parallel.js';
import { filePlanner } from '../run/plan.js';
import type { TransformOptions } from '../transform.js';
import { TRANSFORMS } from '../../transforms/index.js';

/** What the main thread sends: plain data. */
export interface PlanJob {
  root: string;
  transforms: string[];
  options: TransformOptions;
}

servePlanShare((job: PlanJob) => {
  const repo = buildRepoModel(job.root);
  const transforms = TRANSFORMS.filter((t) => job.transforms.includes(t.id));
  return filePlanner(repo, transforms, job.options, readRepoFile(repo.root));
});
