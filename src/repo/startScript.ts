/**
 * The shell script a start command runs (`CMD ["./entrypoint.sh"]`, `ENTRYPOINT sh /app/docker-entrypoint.sh`),
 * as a repo path: the file the image's COPY put at that path (`COPY docker/entrypoint.sh /entrypoint.sh`)
 * when `imageFile` can tell, else the script's file name in the build context, when the repo has it there.
 */
import { posix } from 'node:path';
import { hasFile } from './files.js';

export function startScriptPath(context: string, command: string, files: readonly string[], imageFile?: (imagePath: string) => string | null): string | null {
  const script = /([\w./-]+\.sh)\b/.exec(command)?.[1];
  if (!script) return null;
  const copied = imageFile?.(script);
  if (copied && hasFile(files, copied)) return copied;
  const path = posix.join(context, posix.basename(script));
  return hasFile(files, path) ? path : null;
}
