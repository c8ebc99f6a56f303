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

/**
 * Each entry's key: the service name, qualified by its compose file's directory where two compose
 * projects both define a service of that name (`deploy--web` for deploy/docker-compose.prod.yml),
 * so neither overwrites the other.
 */
function keys(report: CheckReport): string[] {
  const count = new Map<string, number>();
  for (const e of report.ecs) count.set(e.service, (count.get(e.service) ?? 0) + 1);
  const seen = new Set<string>();
  return report.ecs.map((e) => {
    const dir = e.composeFile?.includes('/') ? e.composeFile.slice(0, e.composeFile.lastIndexOf('/')) : '';
    let key = (count.get(e.service) ?? 0) > 1 && dir ? `${dir.replace(/[^\w.-]+/g, '-')}--${e.service}` : e.service;
    for (let n = 2; seen.has(key); n++) key = `${e.service}-${n}`;
    seen.add(key);
    return key;
  });
}

export function ecsFiles(report: CheckReport): EcsFile[] {
  const files: EcsFile[] = [];
  const names = keys(report);
  report.ecs.forEach((e, i) => {
    files.push({ name: `${names[i]}.task-definition.json`, contents: JSON.stringify(e.taskDefinition, null, 2) + '\n' });
    if (e.targetGroup) files.push({ name: `${names[i]}.target-group.json`, contents: JSON.stringify(e.targetGroup, null, 2) + '\n' });
  });
  return files;
}

export function ecsJson(report: CheckReport) {
  const names = keys(report);
  return Object.fromEntries(report.ecs.map((e, i) => [names[i], { taskDefinition: e.taskDefinition, targetGroup: e.targetGroup, notes: e.notes }]));
}
