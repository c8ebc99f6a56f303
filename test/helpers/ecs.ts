/**
 * The ECS side `check` writes for one service of a fixture under fixtures/task-definitions (after
 * an optional edit of its files): the service's EcsService, its container, the names it lists in
 * environment and secrets, its environment as a map, and the check report's findings.
 */
import { join } from 'node:path';
import { buildCheckReport } from '../../src/check/report.js';
import type { EcsService } from '../../src/check/task-definition.js';
import { TRANSFORMS } from '../../transforms/index.js';
import { planTree, readTree } from './repo.js';
import { FIXTURES } from './tmp.js';

export function ecsOf(fixture: string, service: string, edit: (tree: Map<string, string>) => void = () => {}) {
  const tree = readTree(join(FIXTURES, 'task-definitions', fixture));
  edit(tree);
  const { repo, plan } = planTree(tree, [...TRANSFORMS]);
  const report = buildCheckReport(repo, plan, (p) => tree.get(p) ?? null, [...TRANSFORMS]);
  const ecs = (report.ecs as EcsService[]).find((e) => e.service === service);
  const container = ecs?.taskDefinition.containerDefinitions[0];
  const names = [...(container?.environment ?? []).map((e) => e.name), ...(container?.secrets ?? []).map((s) => s.name)];
  return { ecs, container, names, env: Object.fromEntries((container?.environment ?? []).map((e) => [e.name, e.value])), report, repo, plan };
}
