/**
 * What an engine builds: the files as they are, or as ecsfix's pending changes would leave them.
 * Pending changes are never written into the repo: a changed Dockerfile goes to a temporary file
 * (`-f`), and when other changed files (sources a codemod rewrote) lie inside the build context,
 * the context is mirrored with hard links (copies across file systems) and those files replaced.
 */
import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';

export interface BuildFiles {
  /** Absolute context directory and Dockerfile the engine is given. */
  context: string;
  dockerfile: string;
  /** Removes what was made for the build. */
  cleanup(): void;
}

function mirror(from: string, to: string) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.name === '.git') continue;
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isDirectory()) mirror(src, dst);
    else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else if (entry.isFile())
      try {
        linkSync(src, dst);
      } catch {
        copyFileSync(src, dst);
      }
  }
}

const inside = (dir: string, path: string) => dir === '' || dir === '.' || path.startsWith(dir + '/');

/**
 * @param root absolute repo root
 * @param contextRel build context relative to the root
 * @param dockerfileRel Dockerfile relative to the root
 * @param changed repo-relative path -> contents after ecsfix's pending changes (empty for as-is)
 */
export function buildFiles(root: string, contextRel: string, dockerfileRel: string, changed: ReadonlyMap<string, string>): BuildFiles {
  const context = join(root, contextRel);
  const dockerfile = join(root, dockerfileRel);
  const inContext = [...changed.keys()].filter((p) => p !== dockerfileRel && inside(contextRel, p));
  const newDockerfile = changed.get(dockerfileRel);
  if (!inContext.length && newDockerfile === undefined) return { context, dockerfile, cleanup: () => {} };

  const tmp = mkdtempSync(join(tmpdir(), 'ecsfix-verify-'));
  const cleanup = () => rmSync(tmp, { recursive: true, force: true });
  try {
    let stagedContext = context;
    if (inContext.length) {
      stagedContext = join(tmp, 'context');
      mirror(context, stagedContext);
      for (const path of inContext) {
        const target = join(stagedContext, contextRel && contextRel !== '.' ? path.slice(contextRel.length + 1) : path);
        if (existsSync(target) && lstatSync(target).isFile()) rmSync(target); // a hard link: never write through it
        writeFileSync(target, changed.get(path) as string);
      }
    }
    let stagedDockerfile = dockerfile;
    if (newDockerfile !== undefined) {
      const name = posix.basename(dockerfileRel);
      stagedDockerfile = join(tmp, name);
      writeFileSync(stagedDockerfile, newDockerfile);
      // A Dockerfile-specific ignore file (`Dockerfile.dockerignore`) is found beside the Dockerfile.
      const ignore = `${dockerfile}.dockerignore`;
      if (existsSync(ignore)) copyFileSync(ignore, `${stagedDockerfile}.dockerignore`);
    }
    return { context: stagedContext, dockerfile: stagedDockerfile, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}
