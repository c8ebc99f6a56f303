/**
 * .dockerignore as docker build reads it (moby/patternmatcher): what the image model may assume a
 * COPY can bring. Each case is a rule Docker documents.
 */
import { describe, expect, it } from 'vitest';
import { parseDockerignore } from '../src/dockerfile/dockerignore.js';
import { buildFiles } from '../src/dockerfile/imageFiles.js';

const ignore = (text: string) => parseDockerignore('.dockerignore', text);
const left = (text: string, path: string) => ignore(text).ignored(path)?.line ?? null;

describe('.dockerignore', () => {
  it('leaves out a matching path and everything below a matching directory, naming the deciding line', () => {
    const text = '# deps\nnode_modules\npackage-lock.json\n/dist\n';
    expect(left(text, 'package-lock.json')).toBe(3);
    expect(left(text, 'node_modules/express/index.js')).toBe(2);
    expect(left(text, 'dist/main.js')).toBe(4);
    expect(left(text, 'src/index.js')).toBeNull();
    // A pattern is anchored at the context root: it does not match deeper (no implicit **/).
    expect(left(text, 'packages/a/package-lock.json')).toBeNull();
  });

  it('`*` stays within a segment, `**` spans any depth (none included), the last matching line decides, `!` re-includes', () => {
    const text = '*.md\n!README.md\n**/*.log\ntmp*\n';
    expect(left(text, 'CHANGELOG.md')).toBe(1);
    expect(left(text, 'README.md')).toBeNull();
    expect(left(text, 'docs/guide.md')).toBeNull();
    expect(left(text, 'app.log')).toBe(3);
    expect(left(text, 'logs/deep/app.log')).toBe(3);
    expect(left(text, 'tmpfile')).toBe(4);
  });

  it('the build view hides ignored files from lookups and from the context listing, only for that context', () => {
    const files = ['svc/package.json', 'svc/package-lock.json', 'svc/.dockerignore', 'other/package-lock.json'];
    const view = buildFiles(files, 'svc', ignore('package-lock.json\n'));
    expect(view.has('svc/package-lock.json')).toBe(false);
    expect(view.has('svc/package.json')).toBe(true);
    expect(view.has('other/package-lock.json')).toBe(true);
    expect([...view.underContext('svc').files].sort()).toEqual(['.dockerignore', 'package.json']);
  });
});
