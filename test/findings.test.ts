/**
 * The finding-code registry: every code well-formed and in its area's range, every code the
 * sources report registered (and, in the areas the engine, the Dockerfile transforms, the compose
 * transform and the build check own, every registered code reported somewhere), the README in sync.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD_CHECK_CODES } from '../src/findings/codes-build-check.js';
import { COMPOSE_CODES } from '../src/findings/codes-compose.js';
import { DOCKERFILE_CODES } from '../src/findings/codes-dockerfile.js';
import { ENGINE_CODES } from '../src/findings/codes-engine.js';
import { READINESS_CODES } from '../src/findings/codes-readiness.js';
import { SOURCE_CODES } from '../src/findings/codes-source.js';
import { VERIFY_CODES } from '../src/findings/codes-verify.js';
import { completeFinding, FINDING_CODES, findingCode } from '../src/findings/codes.js';
import type { Finding } from '../src/findings/finding.js';
import { codesSection, withCodesSection } from '../src/findings/readme.js';
import { TRANSFORMS } from '../transforms/index.js';

const ROOT = join(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ts$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => !f.includes(`${join('src', 'findings')}`));
}

/** Every `'ECS123'` literal in the code that reports findings (not the registry itself). */
function codesUsed(): Map<string, string> {
  const used = new Map<string, string>();
  for (const file of ['src', 'transforms', 'codemods'].flatMap((d) => {
    try {
      return sourceFiles(d);
    } catch {
      return [];
    }
  }))
    for (const m of readFileSync(file, 'utf8').matchAll(/['"`](ECS\d{3})['"`]/g)) used.set(m[1] as string, file);
  return used;
}

describe('finding codes', () => {
  it('are well-formed, each in its area\'s range, with a title and a help paragraph', () => {
    const areas: [string, readonly { code: string }[]][] = [
      ['0', ENGINE_CODES],
      ['1', DOCKERFILE_CODES],
      ['2', COMPOSE_CODES],
      ['3', SOURCE_CODES],
      ['4', READINESS_CODES],
      ['5', BUILD_CHECK_CODES],
      ['6', VERIFY_CODES],
    ];
    for (const [digit, codes] of areas) for (const c of codes) expect(c.code, c.code).toMatch(new RegExp(`^ECS${digit}\\d\\d$`));
    for (const c of FINDING_CODES) {
      expect(c.title.length, c.code).toBeGreaterThan(5);
      expect(c.help.length, c.code).toBeGreaterThan(40);
      expect(['blocking', 'warning', 'info'], c.code).toContain(c.defaultSeverity);
    }
  });

  it('name only transform ids as fixedBy', () => {
    // The registry's transforms, and the ids of the codemods and the compose transform being built (issues 8 and 10).
    const ids = new Set([...TRANSFORMS.map((t) => t.id), 'worker-graceful-shutdown', 'listen-before-mongo', 'service-url-defaults', 'compose-secret-defaults']);
    for (const c of FINDING_CODES) if (c.fixedBy) expect(ids.has(c.fixedBy), `${c.code} fixedBy ${c.fixedBy}`).toBe(true);
  });

  it('every code the sources report is registered', () => {
    for (const [code, file] of codesUsed()) expect(findingCode(code), `${code} in ${file}`).toBeDefined();
  });

  it('every engine, Dockerfile, compose and build-check code is reported somewhere', () => {
    const used = codesUsed();
    for (const c of [...ENGINE_CODES, ...DOCKERFILE_CODES, ...COMPOSE_CODES, ...BUILD_CHECK_CODES]) expect(used.has(c.code), `${c.code} is never reported`).toBe(true);
  });

  it('completeFinding fills fixedBy from the code and rejects an unknown code', () => {
    const pinned: Finding = { code: 'ECS131', severity: 'info', message: 'm' };
    expect(completeFinding(pinned).fixedBy).toBe('dockerfile-pnpm-pin');
    expect(completeFinding({ code: 'ECS145', severity: 'warning', message: 'm', fixedBy: 'dockerfile-worker-multistage' }).fixedBy).toBe('dockerfile-worker-multistage');
    expect(() => completeFinding({ code: 'ECS999', severity: 'info', message: 'm' })).toThrow(/ECS999/);
  });

  it('the README lists every code as the registry says (run `npm run readme:codes` after changing a code)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(withCodesSection(readme), 'README.md has the finding-codes markers').not.toBeNull();
    expect(readme).toContain(codesSection());
    for (const c of FINDING_CODES) expect(readme).toContain(`<a id="${c.code.toLowerCase()}"></a>\`${c.code}\``);
  });
});
