/**
 * copy-source (ECS502): a `COPY` source missing from the build context, or from the stage it copies
 * from. A stage whose RUN steps the model cannot follow may create it, so that case is only "could
 * not confirm" (info); a glob that matches nothing beside other sources is a warning (only those are copied).
 */
import type { CopyProblem } from '../../dockerfile/imageBuild.js';
import { posix } from 'node:path';
import { declaredOutputs } from '../../repo/buildConfig.js';
import { normRel } from '../../dockerfile/imageFiles.js';
import { contextLabel, unfollowedReason, type BuildCheckContext, type BuildFinding } from './context.js';

export function copySource(ctx: BuildCheckContext): BuildFinding[] {
  const where = contextLabel(ctx);
  const finding = (p: CopyProblem): Pick<BuildFinding, 'severity' | 'message'> | null => {
    switch (p.kind) {
      case 'not-in-stage':
        // A stage the model cannot follow may well create it: that is not established either way.
        if (p.uncertain || p.baseMayShip) {
          const why = p.baseMayShip ? `no step the check follows creates it, and its base image ${p.baseMayShip} may ship it` : unfollowedReason({ unfollowed: p.unfollowed });
          return { severity: 'info', message: `COPY --from=${p.from} ${p.source}: could not confirm that stage "${p.from}" has ${p.path}: ${why}` };
        }
        return { severity: 'blocking', message: `COPY --from=${p.from} ${p.source}: nothing in stage "${p.from}" creates ${p.path}` };
      case 'outside-context':
        return { severity: 'blocking', message: `COPY ${p.source}: outside the build context (${where})` };
      case 'no-match':
        return { severity: 'blocking', message: `COPY ${p.source}: matches no file in the build context (${where})` };
      case 'no-match-of-several':
        return { severity: 'warning', message: `COPY ${p.source}: matches no file in the build context (${where}); only the other sources are copied` };
      case 'not-in-context': {
        const output = buildOutput(ctx, p.source);
        // Made by a build the repo declares outside the Dockerfile (nx build, tsc): it builds once that has run.
        if (output)
          return {
            severity: 'warning',
            message: `COPY ${p.source}: not in the build context (${where}); it is build output (${output.path}, ${output.by}) that a build outside the Dockerfile has to make before docker build: the image cannot be built from a clean checkout without that step`,
          };
        return { severity: 'blocking', message: `COPY ${p.source}: not in the build context (${where})` };
      }
      default:
        return null;
    }
  };
  return ctx.build.problems.flatMap((p): BuildFinding[] => {
    const f = finding(p);
    return f ? [{ code: 'ECS502', severity: f.severity, line: p.line, message: f.message }] : [];
  });
}

/**
 * The declared build output a missing COPY source is (or is in, or holds), if any; none when the
 * context's .dockerignore leaves it out (then building it first does not help).
 */
function buildOutput(ctx: BuildCheckContext, source: string): { path: string; by: string } | null {
  const inContext = normRel(posix.normalize(source.replace(/^\/+/, '')));
  if (ctx.build.ignore?.ignored(inContext)) return null;
  const rel = normRel(posix.normalize(posix.join(ctx.build.context ?? '', inContext)));
  const within = (a: string, b: string) => a === b || a.startsWith(`${b}/`);
  for (const pkg of ctx.repo.workspacePackages) for (const o of declaredOutputs(pkg)) if (within(rel, o.path) || within(o.path, rel)) return o;
  return null;
}
