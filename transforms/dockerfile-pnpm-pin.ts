/**
 * dockerfile-pnpm-pin: an image that installs pnpm without a version (`npm i -g pnpm`,
 * `corepack prepare pnpm@latest --activate`, `yarn global add pnpm`, `corepack use pnpm@latest`,
 * `pnpm self-update`) installs whatever pnpm is newest on the day it is built; it gets the version
 * the repo uses instead.
 *
 * Where the version comes from, first answer wins:
 *   1. `--pnpm-version` (explicit user intent; the note says so, and warns when it disagrees with
 *      the root package.json `packageManager` field);
 *   2. the root package.json `packageManager` field;
 *   3. the version most of the repo's other Dockerfiles pin (the file being changed excluded; a
 *      tie is no answer);
 *   4. the pnpm major that writes the lockfile's `lockfileVersion`.
 * With no answer nothing changes and the note asks for `--pnpm-version`.
 *
 * A major-only pin (`pnpm@8`, `latest-8`) or a range is a pin and is left alone. A version taken
 * from a variable (`pnpm@$PNPM_VERSION`) is resolved through ARG/ENV: a concrete value is left
 * alone, `latest` or an ARG without default is reported, never guessed.
 */
import { isDockerfileName } from '../src/repo/dockerfileName.js';
import { parseDockerfile, type ParsedDockerfile } from '../src/repo/dockerfile.js';
import type { Finding } from '../src/findings/finding.js';
import { insertAt, replaceRange, type TextEdit } from '../src/edits.js';
import { lineOfOffset } from '../src/text.js';
import type { Transform, TransformInput, TransformResult } from '../src/transform.js';
import { expandedNames, resolveVariable } from '../src/dockerfile/variables.js';
import { choosePnpmVersion, pinnedVersion, pnpmInstalls, type PnpmInstall } from './lib/pnpm-version.js';

/** The edit that makes one install pin `version`. */
function pinEdit(parsed: ParsedDockerfile, install: PnpmInstall, version: string): TextEdit | null {
  const raw = parsed.text.slice(install.word.start, install.word.end);
  if (install.selfUpdate) return install.spec === null ? insertAt(install.word.end, ` ${version}`) : replaceRange(install.word.start, install.word.end, version);
  if (install.spec === null) {
    const at = raw.indexOf('pnpm');
    return at < 0 ? null : insertAt(install.word.start + at + 4, `@${version}`);
  }
  const at = raw.lastIndexOf('@' + install.spec);
  return at < 0 ? null : replaceRange(install.word.start + at + 1, install.word.start + at + 1 + install.spec.length, version);
}

function describe(install: PnpmInstall): string {
  if (install.selfUpdate) return 'pnpm self-update';
  return `${install.how} ${install.spec === null ? 'pnpm' : `pnpm@${install.spec}`}`;
}

export const dockerfilePnpmPin: Transform = {
  id: 'dockerfile-pnpm-pin',
  title: 'pnpm installed in an image is pinned to the version the repo uses',
  kinds: ['dockerfile'],
  safety: 'safe',
  fixes: '`pnpm@latest` / an unversioned pnpm install: every build may get a different pnpm than the lockfile was written with',
  verify: 'the image builds, and `pnpm --version` in it prints the pinned version',
  appliesTo: (path, repo) => isDockerfileName(path) && repo.dockerfiles.has(path),
  run({ path, text, repo, options }: TransformInput): TransformResult {
    const parsed = parseDockerfile(text);
    const installs = pnpmInstalls(parsed);
    const findings: Finding[] = [];
    const unpinned: PnpmInstall[] = [];
    for (const install of installs) {
      if (install.kind === 'exact' || install.kind === 'range') continue;
      if (install.kind === 'variable') {
        if (pinnedVersion(parsed, install) !== null) continue;
        const names = expandedNames(install.spec ?? '');
        const resolved = names.map((n) => resolveVariable(parsed, install.stage, install.instruction, n));
        const setBy = resolved.find((r) => r.instruction && r.value !== null);
        const { pin } = choosePnpmVersion(repo, path, options.pnpmVersion);
        const suggestion = pin ? ` (the repo uses ${pin.version}, from ${pin.source})` : '';
        findings.push({
          code: 'ECS133',
          severity: 'warning',
          message: setBy
            ? `${describe(install)} resolves to "${setBy.value}" from ${setBy.instruction?.keyword} ${setBy.name} at line ${setBy.instruction?.line}; set ${setBy.name} to a version${suggestion}`
            : `${describe(install)}: ${names.join(', ')} has no default in this Dockerfile, so the version depends on --build-arg; give it a default${suggestion}`,
          line: lineOfOffset(parsed.text, install.word.start),
        });
        continue;
      }
      unpinned.push(install);
    }
    if (unpinned.length === 0) return { edits: [], findings };

    const choice = choosePnpmVersion(repo, path, options.pnpmVersion);
    findings.push(...choice.findings);
    if (!choice.pin) {
      for (const install of unpinned)
        findings.push({
          code: 'ECS134',
          severity: 'warning',
          message: `${describe(install)} is not pinned and the repo does not say which pnpm it uses (no "packageManager" in the root package.json, no version pinned by its other Dockerfiles, no pnpm-lock.yaml format to go by); pass --pnpm-version`,
          line: lineOfOffset(parsed.text, install.word.start),
        });
      return { edits: [], findings };
    }
    const { version, source } = choice.pin;
    const edits: TextEdit[] = [];
    for (const install of unpinned) {
      const edit = pinEdit(parsed, install, version);
      const line = lineOfOffset(parsed.text, install.word.start);
      if (!edit) {
        findings.push({ code: 'ECS135', severity: 'warning', message: `${describe(install)} is not pinned and ecsfix cannot rewrite it safely; pin pnpm ${version} by hand`, line });
        continue;
      }
      edits.push(edit);
      const stageName = install.stage.name ? ` (stage ${install.stage.name})` : '';
      findings.push({ code: 'ECS131', severity: 'info', message: `${describe(install)}${stageName} now pins pnpm ${version}, from ${source}; verify: the image builds and \`pnpm --version\` in it prints ${version}`, line });
    }
    return { edits, findings };
  },
};
