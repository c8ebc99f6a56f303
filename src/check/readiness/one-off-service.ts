/**
 * ECS419 (review8 R15, review9 R23): a compose service another one waits to exit successfully (`depends_on:
 * {migrate: {condition: service_completed_successfully}}`): a job that runs to completion (migrations,
 * table creation, a seed), not a long-running service. On ECS it is a one-off task run once per
 * deploy before the dependents' new tasks start; deployed as an ECS service, the scheduler would
 * start it again every time it exits, and the ordering compose gives it is lost. Likewise a service
 * whose compose command is only a migration and that publishes no port ({@link oneOffCommand}).
 */
import type { Finding } from '../../findings/finding.js';
import { developmentOnly, type ComposeService } from '../../repo/compose.js';
import type { RepoModel, Service } from '../../repo/model.js';
import { finding, type CheckContext } from '../context.js';
import { oneOffCommand } from './migrate-on-start.js';

/** The deployed services of its compose project that wait for this one to complete, with where they say so. */
export function completionWaiters(repo: RepoModel, service: Service): { service: string; file: string; line: number }[] {
  const own = service.compose;
  if (!own) return [];
  const project = repo.compose.projects.find((p) => p.services.includes(own));
  return (project?.services ?? [])
    .filter((s: ComposeService) => !developmentOnly(s))
    .flatMap((s) => (s.awaitsCompletion ?? []).filter((c) => c.service === own.name).map((c) => ({ service: s.name, file: c.file, line: c.line })));
}

/** The task-definition note of a one-off job, or none. */
export function oneOffNotes(repo: RepoModel, service: Service): string[] {
  const waiters = completionWaiters(repo, service);
  const job = oneOffCommand(service);
  if (job && !waiters.length)
    return [`${service.name} runs to completion (its compose command \`${job.command}\`, ${job.file}:${job.line}, is ${job.what} and publishes no port): no port mapping, no healthCheck and no ALB target group; run it once per deploy as a one-off task (aws ecs run-task, or a deploy pipeline step) before the new tasks of the services that need the schema start, not as an ECS service`];
  if (!waiters.length) return [];
  const first = waiters[0] as { file: string; line: number };
  return [`${service.name} runs to completion (${waiters.map((w) => w.service).join(', ')} wait${waiters.length === 1 ? 's' : ''} for it to exit successfully, ${first.file}:${first.line}): run it once per deploy as a one-off task (aws ecs run-task, or a deploy pipeline step) before the new tasks of ${waiters.map((w) => w.service).join(', ')} start, not as an ECS service`];
}

export function oneOffService(ctx: CheckContext): Finding[] {
  return ctx.repo.services.flatMap((service) => {
    const waiters = completionWaiters(ctx.repo, service);
    const first = waiters[0];
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
    const names = waiters.map((w) => w.service).join(', ');
    return [
      finding(ctx, 'ECS419', {
        service: service.name,
        file: first.file,
        line: first.line,
        message: `"${service.name}" runs to completion: ${names} wait${waiters.length === 1 ? 's' : ''} for it to exit successfully. On ECS run it once per deploy as a one-off task (aws ecs run-task, or a step of the deploy pipeline) before the new tasks of ${names} start; as an ECS service the scheduler would start it again every time it exits`,
      }),
    ];
  });
}
