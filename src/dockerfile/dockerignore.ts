/**
 * A build context's `.dockerignore`: the files `docker build` leaves out of the context, so no COPY
 * can bring them into the image (a `package-lock.json` listed there is not in the image, however
 * the Dockerfile copies `package*.json`).
 *
 * Docker's rules (moby/patternmatcher): one pattern a line, `#` comments, a leading `/` and `./`
 * dropped, `*` `?` `[...]` within a segment, `**` any number of segments, `!` re-includes; the last
 * pattern that matches a path decides, and a path is excluded with its parent directory.
 */
import { posix } from 'node:path';
import { globToRegExp } from './glob.js';

export interface ContextIgnore {
  /** The ignore file, repo-relative. */
  file: string;
  /** Whether a context-relative path is left out of the context (with the line of the pattern that decides). */
  ignored(rel: string): { line: number } | null;
}

interface Rule {
  pattern: RegExp;
  negate: boolean;
  line: number;
}

/** A repo's ignore files: each directory's `.dockerignore`, and the Dockerfile-specific `<Dockerfile>.dockerignore` files. */
export interface IgnoreFiles {
  /** The `.dockerignore` of each directory that has one ('' = the repo root), by directory. */
  dockerignores?: ReadonlyMap<string, ContextIgnore>;
  /** BuildKit's per-Dockerfile ignore file (`docker/api.Dockerfile.dockerignore`), by the Dockerfile's path. */
  dockerfileIgnores?: ReadonlyMap<string, ContextIgnore>;
}

/**
 * The ignore file a build of `dockerfile` from `context` reads: BuildKit reads `<Dockerfile>.dockerignore`
 * beside the Dockerfile when it exists, in place of the context root's `.dockerignore` (not merged with
 * it); else the context's. Null when the context is unknown or has neither. Every reader of a build
 * context's files (the image model, the build check, the transforms) asks here.
 */
export function contextIgnore(repo: IgnoreFiles, context: string | null, dockerfile: string | null | undefined): ContextIgnore | null {
  if (context === null) return null;
  return (dockerfile ? repo.dockerfileIgnores?.get(dockerfile) : undefined) ?? repo.dockerignores?.get(context) ?? null;
}

export function parseDockerignore(file: string, text: string): ContextIgnore {
  const rules: Rule[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    let line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    line = posix.normalize(line.replace(/^\/+/, '')).replace(/^\.\//, '');
    if (!line || line === '.') return;
    // `**/` also matches no directory at all (`**/*.log` matches `a.log`).
    // (RegExp#source writes `/` as `\/`.)
    const body = globToRegExp(line).source.slice(1, -1).replace(/^\.\*\\\//, '(?:.*/)?').replace(/\\\/\.\*\\\//g, '/(?:.*/)?');
    rules.push({ pattern: new RegExp(`^${body}$`), negate, line: i + 1 });
  });
  const memo = new Map<string, { line: number } | null>();
  return {
    file,
    ignored(rel) {
      const known = memo.get(rel);
      if (known !== undefined) return known;
      let decided: Rule | null = null;
      // A path is excluded when it or one of its parent directories matches.
      const candidates = [rel];
      for (let d = posix.dirname(rel); d !== '.' && d !== ''; d = posix.dirname(d)) candidates.push(d);
      for (const rule of rules) if (candidates.some((c) => rule.pattern.test(c))) decided = rule;
      const result = decided && !decided.negate ? { line: decided.line } : null;
      memo.set(rel, result);
      return result;
    },
  };
}
