/**
 * ECS168 on one shared image that picks its workspace package by a variable at run time: the finding
 * names every service built from the image whose package is not established, and only those.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TRANSFORMS } from '../transforms/index.js';
import { findingsOf, planTree, readTree } from './helpers/repo.js';
import { FIXTURES } from './helpers/tmp.js';

const ECS168 = (fixture: string, transform: string) => {
  const tree = readTree(join(FIXTURES, 'transforms', transform, fixture, 'before'));
  const { repo, plan } = planTree(tree, TRANSFORMS.filter((t) => t.id === transform));
  const unknown = repo.services.filter((s) => s.startPackageUnknown).map((s) => s.name);
  const built = (file: string) => repo.services.filter((s) => s.dockerfile === file).map((s) => s.name);
  return { findings: findingsOf(plan).filter((f) => f.code === 'ECS168'), unknown, built };
};

/** The services a finding's message names, of those built from its file. */
const named = (message: string, services: string[]) => services.filter((s) => message.includes(`"${s}"`));

describe('ECS168 names each service whose package is not established', () => {
  it('two services of one image, neither established (dockerfile-non-root): one finding that names both', () => {
    const { findings, unknown, built } = ECS168('shared-image-package-not-established', 'dockerfile-non-root');
    expect(unknown.sort()).toEqual(['jobs', 'mailer']);
    expect(findings.map((f) => `${f.file}:${f.line}`)).toEqual(['docker/app.Dockerfile:14']);
    expect(named(findings[0]?.message ?? '', built('docker/app.Dockerfile')).sort()).toEqual(['jobs', 'mailer']);
  });

  it('two services of one image, one established (dockerfile-port-env): the finding names only the other', () => {
    const { findings, unknown, built } = ECS168('shared-image-package-not-established', 'dockerfile-port-env');
    expect(unknown).toEqual(['mailer']);
    expect(findings).toHaveLength(1);
    expect(named(findings[0]?.message ?? '', built('docker/workers.Dockerfile'))).toEqual(['mailer']);
    expect(findings[0]?.service).toBe('mailer');
  });
});
