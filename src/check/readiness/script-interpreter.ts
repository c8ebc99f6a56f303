/**
 * ECS421 (review9 R36): the ENTRYPOINT execs a script of the repo whose `#!` line names an
 * interpreter the deployed image does not have: `#!/bin/bash` (or `#!/usr/bin/env bash`) on an
 * Alpine image no RUN of the stage chain installs bash into, or any shell on a distroless image
 * (no shell at all). exec fails ("no such file or directory") and the container never starts. A
 * script run through a shell (`ENTRYPOINT ["sh", "entrypoint.sh"]`) is read by that shell: not this.
 * Only those two cases are established from the base image alone; any other interpreter says nothing.
 */
import { posix } from 'node:path';
import type { Finding } from '../../findings/finding.js';
import { effectiveInstructions } from '../../repo/dockerfile.js';
import { finding, lastInForce, serviceImage, type CheckContext } from '../context.js';
import { entrypointScript } from './dev-server-command.js';

/** Wrappers an ENTRYPOINT runs the program through (tini, dumb-init and their flags). */
const INIT_WORD = /^(?:\/(?:usr\/)?s?bin\/)?(?:tini|tini-static|dumb-init|--|-\w+)$/;
const SHELLS = /^(?:(?:ba|da|a|z|k)?sh)$/;

/** The interpreter a `#!` line runs (`/usr/bin/env bash` -> bash), by name. */
function interpreter(text: string): string | null {
  const m = /^#!\s*(\S+)(?:\s+(?:-\S+\s+)*(\S+))?/.exec(text);
  if (!m) return null;
  const program = posix.basename(m[1] ?? '');
  return program === 'env' ? (m[2] ? posix.basename(m[2]) : null) : program;
}

export function scriptInterpreter(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const service of ctx.repo.services) {
    const image = serviceImage(ctx.repo, service);
    const entry = image ? lastInForce(image.parsed, image.stage, 'ENTRYPOINT') : undefined;
    if (!image || !entry || !service.dockerfile || service.compose?.entrypoint !== undefined) continue;
    const script = entrypointScript(ctx, service, image);
    const program = entry.args.replace(/[[\]",]/g, ' ').split(/\s+/).find((w) => w && !INIT_WORD.test(w));
    if (!script || !program || posix.basename(program) !== posix.basename(script.path)) continue;
    const interp = interpreter(script.text);
    if (!interp || !SHELLS.test(interp)) continue;
    const { distro, reference } = image.stage.base;
    const installs = effectiveInstructions(image.parsed, image.stage).some((i) => i.keyword === 'RUN' && new RegExp(`\\bapk\\s+(?:--?[\\w-]+(?:=\\S+)?\\s+)*add\\b[^&;|]*\\s${interp}(?:\\s|$)`).test(i.args));
    const missing = distro === 'distroless' ? `${reference} has no shell at all` : distro === 'alpine' && interp !== 'sh' && interp !== 'ash' && !installs ? `${reference} is Alpine, which has no ${interp} unless a RUN installs it (\`apk add --no-cache ${interp}\`)` : null;
    if (!missing) continue;
    findings.push(
      finding(ctx, 'ECS421', {
        service: service.name,
        file: service.dockerfile,
        line: entry.line,
        message: `the ENTRYPOINT execs ${script.path}, whose first line runs ${interp}, but ${missing}: exec fails ("no such file or directory") and the container exits at start. Install ${interp} in the deployed stage, or start the script with an interpreter the image has (\`#!/bin/sh\`)`,
      }),
    );
  }
  return findings;
}
