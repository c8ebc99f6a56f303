/**
 * The static build check (src/repo/buildCheck.ts) as findings of `check`: what `docker build` or the
 * first start of each service's image would trip over (a COPY source missing from the context, a
 * CMD script the image lacks, a workspace package missing at runtime, root at runtime), on the
 * Dockerfile as it is now. A finding that a pending change removes names that transform.
 *
 * Interim codes `build/<rule>` until the build check registers its ECS5xx codes.
 */
import type { Finding, FindingCode } from '../findings/finding.js';
import { FINDING_CODES } from '../findings/codes.js';
import { checkDockerfileBuild, type BuildRule } from '../repo/buildCheck.js';
import type { CheckContext } from './context.js';

const TITLES: Record<BuildRule, string> = {
  'copy-from-stage': 'COPY --from names no earlier stage',
  'copy-source': 'COPY source missing from the build context or stage',
  'cmd-path': 'The deployed stage lacks the script its CMD/ENTRYPOINT runs',
  'workspace-runtime': 'A workspace package the service imports is missing at runtime',
  'runtime-user': 'The deployed stage runs as root',
};

export const BUILD_INTERIM_CODES: readonly FindingCode[] = (Object.keys(TITLES) as BuildRule[]).map((rule) => ({
  code: `build/${rule}`,
  title: TITLES[rule],
  defaultSeverity: 'blocking',
  help: 'Found by the static build check, which follows the files each stage holds without a Docker engine. A stage that runs a command the check cannot follow makes a missing path a warning.',
}));

/** The registered code for a build rule, once the build check has one; else the interim one. */
function codeFor(rule: BuildRule): string {
  return FINDING_CODES.find((c) => c.code.startsWith('ECS5') && c.title === TITLES[rule])?.code ?? `build/${rule}`;
}

export function buildCheckFindings(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const service of ctx.repo.services) {
    const path = service.dockerfile;
    if (!path || !ctx.repo.dockerfiles.get(path)?.parsed) continue;
    const text = ctx.read(path);
    if (text === null) continue;
    // Any pending change to the Dockerfile may be what removes the finding; name the one that does.
    const fixer = ['dockerfile-non-root', 'dockerfile-worker-multistage'].find((t) => ctx.pending(t, path));
    for (const f of checkDockerfileBuild(text, ctx.repo, { path, service })) {
      findings.push({
        code: codeFor(f.rule),
        // Root at runtime is a required fix in the audits (seed 000 section 11), not a style warning.
        severity: f.severity === 'error' || f.rule === 'runtime-user' ? 'blocking' : 'warning',
        message: f.message,
        file: path,
        line: f.line,
        service: service.name,
        ...(f.rule === 'runtime-user' && fixer ? { fixedBy: fixer } : {}),
      });
    }
  }
  return findings;
}
