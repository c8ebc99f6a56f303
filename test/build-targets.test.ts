/**
 * The stage the repo's own build scripts deploy (src/repo/buildTargets.ts): `docker build --target`
 * in scripts, Makefiles and package.json scripts, read with the shared shell lexer.
 */
import { describe, expect, it } from 'vitest';
import { buildTargets, scriptTarget } from '../src/repo/buildTargets.js';

const DOCKERFILES = ['apps/web/Dockerfile', 'apps/api/Dockerfile', 'Dockerfile'];

function targetsOf(scripts: Record<string, string>): Map<string, string[]> {
  const tree = new Map<string, string>(Object.entries(scripts));
  const files = [...DOCKERFILES, ...tree.keys()];
  const found = buildTargets(files, (rel) => tree.get(rel) ?? null);
  return new Map([...found].map(([file, list]) => [file, list.map((t) => `${t.target}@${t.file}:${t.line}`)]));
}

describe('buildTargets', () => {
  it('reads --target and -f from a shell script, across line continuations and quoted paths', () => {
    const script = '#!/bin/sh\nset -e\ndocker build \\\n  -t web:latest \\\n  --target runner \\\n  -f "apps/web/Dockerfile" .\n';
    expect(targetsOf({ 'scripts/build.sh': script })).toEqual(new Map([['apps/web/Dockerfile', ['runner@scripts/build.sh:3']]]));
  });

  it('a command substitution in a tag stays one word: the context after it is still found', () => {
    const make = 'build:\n\tdocker build -t api:$(shell git rev-parse --short HEAD) --target=prod apps/api\n';
    expect(targetsOf({ Makefile: make })).toEqual(new Map([['apps/api/Dockerfile', ['prod@Makefile:2']]]));
  });

  it('only the docker build command counts, not the next command of the line or a comment', () => {
    const script = 'docker build -f Dockerfile . && docker push x --target nope\ndocker build . # --target commented\n';
    expect(targetsOf({ 'ci.sh': script })).toEqual(new Map());
  });

  it('a target or path from a variable is not established', () => {
    const script = 'docker build --target "$STAGE" -f apps/web/Dockerfile .\ndocker build --target prod -f "$DOCKERFILE" .\n';
    expect(targetsOf({ 'build.sh': script })).toEqual(new Map());
  });

  it('two different targets for one Dockerfile: no single deployed target', () => {
    const script = 'docker build --target prod -f apps/web/Dockerfile .\npodman build --target dev -f apps/web/Dockerfile .\n';
    const targets = buildTargets([...DOCKERFILES, 'b.sh'], () => script);
    expect(targets.get('apps/web/Dockerfile')?.map((t) => t.target)).toEqual(['prod', 'dev']);
    expect(scriptTarget(targets, 'apps/web/Dockerfile')).toBeNull();
  });
});
