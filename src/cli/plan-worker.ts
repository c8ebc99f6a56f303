/**
 * The worker thread that plans the TS/JS sources of a large repo (src/run/parallel.ts): it gets the
 * main thread's repo model (less what does not cross threads) and plans the files it claims with the
 * same transforms, chosen by id from the registry in their fixed order.
 */
import { filePlanner, readRepoFile } from '../run/plan.js';
import { restoredModel, servePlanShare, type WorkerJob } from '../run/parallel.js';
import type { TransformOptions } from '../transform.js';
import { TRANSFORMS } from '../../transforms/index.js';

/** What the main thread sends besides the model: plain data. */
export interface PlanJob {
  transforms: string[];
  options: TransformOptions;
}

servePlanShare((job: WorkerJob<PlanJob>, read) => {
  const repo = restoredModel(job.model);
  const transforms = TRANSFORMS.filter((t) => job.transforms.includes(t.id));
  return filePlanner(repo, transforms, job.options, readRepoFile(repo.root, read));
});
