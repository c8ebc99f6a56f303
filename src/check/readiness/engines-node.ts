/**
 * ECS405 (seed 002): `engines.node` of the service's package.json (else the repo root's) that the
 * Node of a node base image does not satisfy. An image tag without a major (`node:lts`,
 * `node:alpine`) establishes no version, so nothing is reported for it. A tag from a build variable
 * (`FROM node:${NODE_VERSION}`) is read with the service's compose build arg, else the ARG's default
 * (the message says the default was assumed); with neither, nothing is reported.
 */
import type { Finding } from '../../findings/finding.js';
import { finding, type CheckContext } from '../context.js';
import { satisfiesMajor } from '../node-range.js';
import { assumedBaseVariables, withBuildArgs } from '../../repo/dockerfile.js';
import { serviceBuildArgs } from '../../repo/buildArgs.js';

export function enginesNode(ctx: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const service of ctx.repo.services) {
    if (!service.dockerfile) continue;
    const written = ctx.repo.dockerfiles.get(service.dockerfile)?.parsed;
    if (!written) continue;
    // The base image as this service's build reads it (`FROM node:${NODE_VERSION}` with its ARG default or build arg).
    const parsed = withBuildArgs(written, serviceBuildArgs(service));
    const engines = enginesOf(ctx, service.dir) ?? (service.dir ? enginesOf(ctx, '') : null);
    if (!engines) continue;
    for (const stage of parsed.stages) {
      if (stage.parentStage !== null || stage.base.family !== 'node') continue;
      const major = /^v?(\d+)/.exec(stage.base.tag ?? '')?.[1];
      if (!major) continue;
      const ok = satisfiesMajor(engines.range, Number(major));
      const assumed = assumedBaseVariables(stage).map((v) => v.where);
      const reference = stage.fromRef === stage.base.reference ? stage.fromRef : `${stage.fromRef} (${stage.base.reference})`;
      if (ok === false)
        findings.push(
          finding(ctx, 'ECS405', {
            service: service.name,
            file: service.dockerfile,
            line: stage.from.line,
            message: `${reference} runs Node ${major}, outside engines.node "${engines.range}" (${engines.file})${assumed.length ? `; read with the default of ${assumed.join(', ')}: a --build-arg the repo does not show would change it` : ''}`,
          }),
        );
    }
  }
  return findings;
}

function enginesOf(ctx: CheckContext, dir: string): { range: string; file: string } | null {
  const file = dir ? `${dir}/package.json` : 'package.json';
  const text = ctx.read(file);
  if (text === null) return null;
  try {
    const range = (JSON.parse(text) as { engines?: { node?: unknown } }).engines?.node;
    return typeof range === 'string' && range.trim() ? { range: range.trim(), file } : null;
  } catch {
    return null; // the model reports a package.json that is not JSON
  }
}
