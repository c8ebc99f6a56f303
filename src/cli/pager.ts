/**
 * Text longer than the screen goes through a pager, as git does: $PAGER, else `less -R` (with -X
 * so the diff stays on screen for the question that follows) when it is installed, else printed.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function pagerCommand(env: NodeJS.ProcessEnv = process.env): string | null {
  const configured = env.PAGER?.trim();
  if (configured) return configured === 'cat' ? null : configured;
  return onPath('less') ? 'less -R -X' : null;
}

/** Shows `text`: through the pager when it is taller than the terminal, else written out. */
export function page(text: string, output: NodeJS.WriteStream): void {
  const rows = output.isTTY ? output.rows : undefined;
  const lines = text.split('\n').length;
  const pager = rows && lines > rows - 4 ? pagerCommand() : null;
  if (pager) {
    const shown = spawnSync(pager, { input: text, stdio: ['pipe', 'inherit', 'inherit'], shell: true });
    if (shown.status === 0 && !shown.error) return;
  }
  output.write(text);
}
