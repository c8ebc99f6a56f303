/**
 * install-coverage (ECS508): the service's code runs from a directory whose node_modules (the ones
 * node searches, from there up to /) were made only by npm/yarn installs that do not cover its
 * package.json: a workspace root's install whose `workspaces` globs do not reach where the image
 * put the service (review5 N8: the service copied to /home/app/poller, the root's globs are
 * services/*), or another package's install. Its runtime dependencies are then not installed and
 * the first require fails with MODULE_NOT_FOUND. Only node_modules the model saw an install make in
 * this stage (or a stage it is built FROM) are judged; anything else on the way (a COPY --from, a
 * committed node_modules, NODE_PATH) leaves the service alone, and a command the model cannot
 * follow makes it only "as far as the check can follow" (info).
 */
import { posix } from 'node:path';
import { lookup, type InstallCover } from '../../dockerfile/imageFiles.js';
import { packageDirIn } from '../../dockerfile/imageRun.js';
import { packageInDir, packageNamed } from '../../repo/packageIndex.js';
import type { WorkspacePackage } from '../../repo/workspace.js';
import { stageLabel, unfollowedReason, type BuildCheckContext, type BuildFinding } from './context.js';

/** The installs that made the node_modules node searches from `dir`; null when one of them is not such an install. */
function installsOnPath(ctx: BuildCheckContext, dir: string): InstallCover[] | null {
  const files = ctx.deployed?.files;
  if (!files) return null;
  const installs: InstallCover[] = [];
  for (let d = dir; ; d = posix.dirname(d)) {
    const modules = posix.join(d, 'node_modules');
    const found = lookup(files, modules, ctx.build.files);
    if (found) {
      const made = files.entries.filter((e) => e.path === modules && e.kind === 'produced');
      if (found.kind !== 'produced' || made.some((e) => !e.install || e.install.packages === null || e.copy)) return null;
      installs.push(...made.map((e) => e.install as InstallCover));
    }
    if (d === '/') return installs;
  }
}

/** The service's package and where the deployed stage holds it, when its entry file runs from there. */
function servicePackage(ctx: BuildCheckContext): { pkg: WorkspacePackage; dir: string } | null {
  const { deployed, service } = ctx;
  if (!deployed || !service?.entryFile || service.language !== 'node') return null;
  const pkg = packageInDir(ctx.repo.workspacePackages, service.dir);
  const dir = pkg ? packageDirIn(deployed.files, pkg) : null;
  if (!pkg || !dir) return null;
  const entry = posix.relative(service.dir || '.', service.entryFile);
  if (entry.startsWith('..')) return null;
  return lookup(deployed.files, posix.join(dir, entry), ctx.build.files)?.rel === service.entryFile ? { pkg, dir } : null;
}

export function installCoverage(ctx: BuildCheckContext): BuildFinding[] {
  const { deployed, service, repo } = ctx;
  const at = servicePackage(ctx);
  // NODE_PATH adds directories node searches that are not on the way up.
  if (!deployed || !service || !at || /\bNODE_PATH\b/.test(ctx.build.parsed.text)) return [];
  const needs = (at.pkg.prodDependencies ?? []).filter((n) => !packageNamed(repo.workspacePackages, n));
  const installs = installsOnPath(ctx, at.dir);
  if (!needs.length || !installs?.length || installs.some((i) => i.packages?.includes(service.dir))) return [];
  // What the installs do install: the dependencies the packages they cover declare (hoisted where node finds them).
  const covered = [...new Set(installs.flatMap((i) => i.packages ?? []))];
  const declared = new Set(covered.flatMap((dir) => (dir === '' ? (repo.rootPackage?.dependencies ?? []) : Object.keys(packageInDir(repo.workspacePackages, dir)?.dependencies ?? {}))));
  const missing = needs.filter((n) => !declared.has(n));
  if (!missing.length) return [];
  const lines = [...new Set(installs.map((i) => i.line))];
  const install = `the install at line${lines.length > 1 ? 's' : ''} ${lines.join(', ')} cover${lines.length > 1 ? '' : 's'} ${covered.map((d) => `${d || '.'}/package.json`.replace(/^\.\//, '')).join(', ')}`;
  const root = installs.find((i) => i.packages?.includes(''));
  const where = root && posix.relative(root.dir, at.dir);
  const globs = root && repo.rootPackage?.workspaces.length ? `; its workspaces globs (${repo.rootPackage.workspaces.join(', ')}) do not match ${where && !where.startsWith('..') ? where : at.dir}, where the image put the service${where && !where.startsWith('..') ? ` below ${root.dir}` : ''}` : '';
  const names = `${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}`;
  const claim = `${service.name} runs from ${at.dir}, but ${install}, not ${service.dir}/package.json${globs}: its dependencies (${names}) are not installed`;
  const line = lines[0] as number;
  if (deployed.files.uncertain)
    return [{ code: 'ECS508', severity: 'info', line, message: `${claim}, as far as the check can follow the ${stageLabel(deployed.stage)} stage: ${unfollowedReason(deployed.files)}` }];
  return declared.size === 0
    ? [{ code: 'ECS508', severity: 'blocking', line, message: `${claim}: the install installs nothing, so the first require of them fails at start (MODULE_NOT_FOUND)` }]
    : [{ code: 'ECS508', severity: 'warning', line, message: `${claim}, unless a dependency of what it does install pulls them in: the first require of one it does not fails at start (MODULE_NOT_FOUND)` }];
}
