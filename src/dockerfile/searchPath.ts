/**
 * Where exec finds a program: a word with a `/` is a path (from the working directory), a bare name
 * (`ENTRYPOINT ["docker-entrypoint.sh"]`, the official node image's convention) is looked up in the
 * directories of PATH, in order. PATH is the stage's `ENV PATH` in force, else the default the
 * node and python images set.
 */
import { effectiveInstructions, type DockerStage, type ParsedDockerfile } from '../repo/dockerfile.js';
import { absPath } from './imageFiles.js';
import { substitute, variableAssignments } from './variables.js';

/**
 * The repo file an image holds at a path (relative to the stage's WORKDIR) when it comes from the
 * build context, and the stage's PATH, for a bare program name.
 */
export interface ImageFileAt {
  (imagePath: string): string | null;
  readonly searchPath?: readonly string[];
}

/** The PATH of the node, python and Debian/Alpine base images. */
export const DEFAULT_PATH: readonly string[] = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/**
 * The directories of PATH at the end of a stage: its (or a parent stage's) last `ENV PATH`, with
 * `$PATH` the value before it; a directory naming a variable with no known value is left out (a
 * build arg), the others keep their order.
 */
export function stageSearchPath(parsed: ParsedDockerfile, stage: DockerStage): readonly string[] {
  let path: readonly string[] = DEFAULT_PATH;
  const env = new Map<string, string>();
  for (const ins of effectiveInstructions(parsed, stage)) {
    if (ins.keyword !== 'ENV') continue;
    for (const [name, raw] of variableAssignments(ins.args, 'ENV')) {
      const lookup = (n: string) => (n === 'PATH' ? path.join(':') : (env.get(n) ?? null));
      if (name === 'PATH') path = (raw ?? '').split(':').flatMap((dir) => {
        const value = substitute(dir, lookup);
        return value === null ? [] : value.split(':').filter((d) => d.startsWith('/'));
      });
      else {
        const value = raw === null ? null : substitute(raw, lookup);
        if (value === null) env.delete(name);
        else env.set(name, value);
      }
    }
  }
  return path;
}

/** The image paths exec tries for a program word, in order: the word from `cwd` when it has a `/`, else each PATH directory. */
export function programCandidates(word: string, cwd: string, searchPath: readonly string[] = DEFAULT_PATH): string[] {
  return word.includes('/') ? [absPath(cwd, word)] : searchPath.map((dir) => `${dir.replace(/\/+$/, '')}/${word}`);
}
