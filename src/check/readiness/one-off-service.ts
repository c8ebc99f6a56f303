/**
 * ECS419 (review8 R15): a compose service another one waits to exit successfully (`depends_on:
 * {migrate: {condition: service_completed_successfully}}`): a job that runs to completion (migrations,
 * table creation, a seed), not a long-running service. On ECS it is a one-off task run once per
 * deploy before the dependents' new tasks start; deployed as an ECS service, the scheduler would
 * start it again every time it exits, and the ordering compose gives it is lost. The fact is the
 * model's (`Service.runsToCompletion`, src/repo/composeProject.ts): the finding and the task
 * definition's note both read it. Likewise a service whose compose command is only a migration and
 * that publishes no port ({@link oneOffCommand}, review9 R23).
 */
import type { Finding } from '../../findings/finding.js';
import type { Service } from '../../repo/model.js';
import { finding, type CheckContext } from '../context.js';
import { oneOffCommand } from './migrate-on-start.js';

/** Who waits for a one-off job: their names, and "waits"/"wait". */
function waiting(service: Service): { names: string; verb: string } {
  const waiters = service.runsToCompletion ?? [];
  return { names: waiters.map((w) => w.service).join(', '), verb: waiters.length === 1 ? 'waits' : 'wait' };
}

/** The task-definition note of a one-off job, or none. */
export function oneOffNotes(service: Service): string[] {
  const first = service.runsToCompletion?.[0];
  const job = oneOffCommand(service);
  if (job && !first)
    return [`${service.name} runs to completion (its compose command \`${job.command}\`, ${job.file}:${job.line}, is ${job.what} and publishes no port): no port mapping, no healthCheck and no ALB target group; run it once per deploy as a one-off task (aws ecs run-task, or a deploy pipeline step) before the new tasks of the services that need the schema start, not as an ECS service`];
  if (!first) return [];
  const { names, verb } = waiting(service);
  return [`${service.name} runs to completion (${names} ${verb} for it to exit successfully, ${first.file}:${first.line}): run it once per deploy as a one-off task (aws ecs run-task, or a deploy pipeline step) before the new tasks of ${names} start, not as an ECS service`];
}

export function oneOffService(ctx: CheckContext): Finding[] {
  return ctx.repo.services.flatMap((service) => {
    const first = service.runsToCompletion?.[0];
    const job = oneOffCommand(service);
    if (job && !first)
      return [
        finding(ctx, 'ECS419', {
          service: service.name,
          file: job.file,
          line: job.line,
          message: `"${service.name}" runs to completion: its compose command is ${job.what} and it publishes no port. On ECS run it once per deploy as a one-off task (aws ecs run-task, or a step of the deploy pipeline) before the new tasks that need the schema start; as an ECS service the scheduler would start it again every time it exits, and it would never pass a health check`,
        }),
      ];
    if (!first) return [];
    const { names, verb } = waiting(service);
    return [
      finding(ctx, 'ECS419', {
        service: service.name,
        file: first.file,
        line: first.line,
        message: `"${service.name}" runs to completion: ${names} ${verb} for it to exit successfully. On ECS run it once per deploy as a one-off task (aws ecs run-task, or a step of the deploy pipeline) before the new tasks of ${names} start; as an ECS service the scheduler would start it again every time it exits`,
      }),
    ];
  });
}
