/** copy-from-stage (ECS501): a `COPY --from` that names no earlier stage (a later one, or none). */
import type { BuildCheckContext, BuildFinding } from './context.js';

export function copyFromStage(ctx: BuildCheckContext): BuildFinding[] {
  return ctx.build.problems.flatMap((p): BuildFinding[] =>
    p.kind === 'later-stage' || p.kind === 'no-stage'
      ? [
          {
            code: 'ECS501',
            severity: 'blocking',
            line: p.line,
            message: p.kind === 'later-stage' ? `COPY --from=${p.from} names a stage defined later in the file` : `COPY --from=${p.from} names no earlier stage`,
          },
        ]
      : [],
  );
}
