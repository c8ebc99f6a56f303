/**
 * Per-transform input/output fixture pairs, like jscodeshift's __testfixtures__:
 *
 *   fixtures/transforms/<transform-id>/<case>/before/   a small repo (Dockerfiles, compose, package.json, code)
 *   fixtures/transforms/<transform-id>/<case>/after/    only the files the transform changes, as they must end up
 *   fixtures/transforms/<transform-id>/<case>/expect.json (optional)
 *       { "findings": ["ECS131 services/api/Dockerfile:3", ...],   <- findings that must be reported: code, file, line
 *         "failures": ["ECS001 Dockerfile:2", ...],                <- files that must be left out with an error
 *         "options": { "pnpmVersion": "9.1.0" },
 *         "safety": { "Dockerfile": "behavior-changing" },          <- a change whose safety is not the transform's declared one
 *         "absent": ["ECS312 svc/index.js:3"],                      <- findings that must not be reported, by this run or the second one
 *         "sample": "kodingcaravan" }   <- instead of before/: a whole bundled sample monorepo is the input
 *
 * Every file of before/ that is not in after/ must stay byte-identical. Each case also checks that
 * a second run on the output changes nothing, that every changed Dockerfile still parses and that
 * every changed TS/JS file has zero TypeScript syntax diagnostics. The TS/JS codemods are run the
 * same way (fixtures/transforms/<codemod-id>/<case>/...).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerfileProblems } from '../src/repo/dockerfile.js';
import { isDockerfileName } from '../src/repo/dockerfileName.js';
import { TRANSFORMS } from '../transforms/index.js';
import { changeSafety } from '../src/run/plan.js';
import { applyPlan, findingKey, findingsOf, planTree, readTree } from './helpers/repo.js';
import { syntaxProblems } from './helpers/validity.js';

const ROOT = join(import.meta.dirname, '..', 'fixtures', 'transforms');

interface Expectation {
  sample?: string;
  /** Why the case exists, for the reader. */
  why?: string;
  findings?: string[];
  /** Findings (code path:line) that must not be reported: a false claim a case pins down, on the first run and on the output. */
  absent?: string[];
  failures?: string[];
  options?: { pnpmVersion?: string; requireSecrets?: boolean };
  /** Per changed file, its safety when it is not the transform's declared one. */
  safety?: Record<string, string>;
}

for (const transform of TRANSFORMS) {
  const dir = join(ROOT, transform.id);
  const cases = existsSync(dir) ? readdirSync(dir).filter((c) => existsSync(join(dir, c, 'before')) || existsSync(join(dir, c, 'expect.json'))) : [];
  describe(transform.id, () => {
    it('has fixture pairs', () => {
      expect(cases.length).toBeGreaterThan(0);
    });
    for (const name of cases) {
      it(name, () => {
        const caseDir = join(dir, name);
        const expectation: Expectation = existsSync(join(caseDir, 'expect.json')) ? JSON.parse(readFileSync(join(caseDir, 'expect.json'), 'utf8')) : {};
        // An unknown key (a typo, an old format) would be ignored silently: refuse it.
        expect(Object.keys(expectation).filter((k) => !['sample', 'findings', 'absent', 'failures', 'options', 'why', 'safety'].includes(k)), 'expect.json keys').toEqual([]);
        const before = readTree(expectation.sample ? join(ROOT, '..', expectation.sample) : join(caseDir, 'before'));
        const after = existsSync(join(caseDir, 'after')) ? readTree(join(caseDir, 'after')) : new Map<string, string>();
        const options = expectation.options ?? {};
        const { plan } = planTree(before, [transform], options);
        const result = applyPlan(before, plan);

        for (const [path, text] of before) {
          expect(result.get(path), `${path}`).toBe(after.has(path) ? after.get(path) : text);
        }
        // A file only in after/ is one the transform creates (compose-secret-defaults' .env.example).
        const created = new Set(plan.changes.filter((c) => c.created).map((c) => c.path));
        for (const path of after.keys()) expect(before.has(path) || created.has(path), `after/${path} has no before/ counterpart and is not created`).toBe(true);
        for (const path of created) expect(result.get(path), `created ${path}`).toBe(after.get(path));
        expect(plan.changes.map((c) => c.path).sort()).toEqual([...after.keys()].sort());

        const reported = findingsOf(plan).map(findingKey);
        expect(reported, 'the findings the case expects').toEqual(expect.arrayContaining(expectation.findings ?? []));
        for (const key of expectation.absent ?? []) expect(reported, 'a finding the case rules out').not.toContain(key);
        expect(plan.failures.map(findingKey), 'the files left out with an error').toEqual(expectation.failures ?? []);
        // Every change carries its own safety: the transform's declared one unless the case says otherwise.
        const safety = Object.fromEntries(plan.changes.map((c) => [c.path, changeSafety(c)]));
        const expected = Object.fromEntries(plan.changes.map((c) => [c.path, expectation.safety?.[c.path] ?? transform.safety]));
        expect(safety, 'the safety of each change').toEqual(expected);
        for (const path of Object.keys(expectation.safety ?? {})) expect(Object.keys(safety), 'expect.json safety names a changed file').toContain(path);
        for (const change of plan.changes)
          for (const part of change.safety) if (part.safety === 'behavior-changing') expect(part.verify, `${change.path}: what to verify`).toBeTruthy();

        for (const change of plan.changes)
          if (isDockerfileName(change.path)) expect(dockerfileProblems(change.after), change.path).toEqual([]);
          else if (/\.[cm]?[jt]sx?$/.test(change.path)) expect(syntaxProblems(change.path, change.after), change.path).toEqual([]);

        const second = planTree(result, [transform], options).plan;
        expect(second.changes.map((c) => c.path), 'a second run changes nothing').toEqual([]);
        for (const key of expectation.absent ?? []) expect(findingsOf(second).map(findingKey), 'a finding the case rules out, after apply').not.toContain(key);
      });
    }
  });
}
