/**
 * The package.json scripts a service's start command runs (`CMD ["npm", "run", "start:prod"]`, a
 * compose `command: npm start`, npm's `pre<script>` hook), as the repo model follows them
 * (src/repo/processCwd.ts), each with the line of its key in the package.json: where a readiness
 * rule reports what the script does at start (review6 R21).
 */
import type { Service } from '../repo/model.js';
import type { StartScriptRun } from '../repo/processCwd.js';
import type { CheckContext } from './context.js';

export interface StartScriptAt extends StartScriptRun {
  line: number;
  /** How the script is reached, for a message: the "start:prod" script of package.json (run by `npm run start:prod`, Dockerfile:15). */
  said: string;
}

/** The line of `"name":` inside the package.json's `scripts` object (1 when it cannot be found). */
export function scriptKeyLine(text: string, name: string): number {
  const scripts = text.search(/"scripts"\s*:\s*\{/);
  if (scripts < 0) return 1;
  const key = new RegExp(`"${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\s*:`, 'g');
  key.lastIndex = scripts;
  const m = key.exec(text);
  return m ? text.slice(0, m.index).split('\n').length : 1;
}

export function startScriptsOf(ctx: CheckContext, service: Service): StartScriptAt[] {
  return (service.startScripts ?? []).map((run) => {
    const line = scriptKeyLine(ctx.read(run.file) ?? '', run.script);
    // A script run by another script is placed by that script's package.json, not by a line of it.
    const where = /(?:^|\/)package\.json$/.test(run.at.file) ? `a script of ${run.at.file}` : `${run.at.file}:${run.at.line}`;
    const by = run.hook ? `npm runs it before the script ${run.command} names` : `run by ${run.command}`;
    return { ...run, line, said: `the "${run.script}" script of ${run.file} (${by}, ${where})` };
  });
}
