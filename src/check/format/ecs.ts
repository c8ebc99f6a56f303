/**
 * `--format ecs`: per service, `<service>.task-definition.json` (input of `aws ecs
 * register-task-definition --cli-input-json`) and, behind the ALB, `<service>.target-group.json`
 * (input of `aws elbv2 create-target-group --cli-input-json`). Without an output directory the same
 * documents are printed as one JSON object keyed by service.
 */
import type { CheckReport } from '../report.js';

export interface EcsFile {
  name: string;
  contents: string;
}

export function ecsFiles(report: CheckReport): EcsFile[] {
  const files: EcsFile[] = [];
  for (const e of report.ecs) {
    files.push({ name: `${e.service}.task-definition.json`, contents: JSON.stringify(e.taskDefinition, null, 2) + '\n' });
    if (e.targetGroup) files.push({ name: `${e.service}.target-group.json`, contents: JSON.stringify(e.targetGroup, null, 2) + '\n' });
  }
  return files;
}

export function ecsJson(report: CheckReport) {
  return Object.fromEntries(report.ecs.map((e) => [e.service, { taskDefinition: e.taskDefinition, targetGroup: e.targetGroup, notes: e.notes }]));
}
