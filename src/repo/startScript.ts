/**
 * The shell script a start command runs (`CMD ["./entrypoint.sh"]`, `ENTRYPOINT sh /app/docker-entrypoint.sh`),
 * as a repo path: the file the image's COPY put at that path (`COPY docker/entrypoint.sh /entrypoint.sh`)
 * when `imageFile` can tell, else the script's file name in the build context, when the repo has it there.
 * A bare name the command execs (`COPY docker/docker-entrypoint.sh /usr/local/bin/` + `ENTRYPOINT
 * ["docker-entrypoint.sh"]`, the official node image's convention) is looked up on the stage's PATH.
 */
import { posix } from 'node:path';
import { programCandidates, type ImageFileAt } from '../dockerfile/searchPath.js';
import { hasFile } from './files.js';

/** Wrappers an ENTRYPOINT runs the program through (tini, dumb-init and their flags). */
const INIT_WORD = /^(?:\/(?:usr\/)?s?bin\/)?(?:tini|tini-static|dumb-init|--|-\w+)$/;

export function startScriptPath(context: string, command: string, files: readonly string[], imageFile?: ImageFileAt): string | null {
  const script = /([\w./-]+\.sh)\b/.exec(command)?.[1];
  if (!script) return null;
  const program = command.replace(/[[\]",]/g, ' ').split(/\s+/).find((w) => w && !INIT_WORD.test(w));
  // exec looks a bare program name up on PATH; `sh x.sh` reads the script from the working directory.
  const paths = program === script && !script.includes('/') ? [...programCandidates(script, '/', imageFile?.searchPath), script] : [script];
  for (const path of paths) {
    const copied = imageFile?.(path);
    if (copied && hasFile(files, copied)) return copied;
  }
  const path = posix.join(context, posix.basename(script));
  return hasFile(files, path) ? path : null;
}
