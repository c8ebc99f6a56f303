/**
 * The shell script a start command runs (`CMD ["./entrypoint.sh"]`, `ENTRYPOINT sh /app/docker-entrypoint.sh`),
 * as a repo path: the script's file name in the build context, when the repo has it there.
 */
import { posix } from 'node:path';

export function startScriptPath(context: string, command: string, files: readonly string[]): string | null {
  const script = /([\w./-]+\.sh)\b/.exec(command)?.[1];
  if (!script) return null;
  const path = posix.join(context, posix.basename(script));
  return files.includes(path) ? path : null;
}
