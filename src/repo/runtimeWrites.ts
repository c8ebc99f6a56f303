/**
 * Directories a service writes at runtime, so a non-root image can hand exactly those to its user.
 * Today: Django's STATIC_ROOT when the container start-up (entrypoint script or CMD) runs
 * `collectstatic`. Paths are relative to the service directory (or absolute when settings say so).
 */
import { posix } from 'node:path';
import { lineOfOffset } from '../text.js';

export interface RuntimeWrite {
  /** Relative to the service directory, or absolute (a container path) when `absolute`. */
  path: string;
  absolute: boolean;
  /** Why, e.g. `collectstatic writes STATIC_ROOT`. */
  reason: string;
  /** Where the path is defined. */
  file: string;
  line: number;
}

const COLLECTSTATIC = /^(?!\s*#).*\bcollectstatic\b/m;
const STATIC_ROOT = /^STATIC_ROOT\s*=\s*(.+)$/m;

/** The directory BASE_DIR names: `Path(__file__).resolve().parent.parent` is two levels up from settings.py. */
function baseDirOf(settingsFile: string, text: string): string | null {
  const m = /^BASE_DIR\s*=\s*(.+)$/m.exec(text);
  if (!m) return null;
  const expr = m[1] ?? '';
  const dir = posix.dirname(settingsFile);
  const parents = (expr.match(/\.parent\b/g) ?? []).length;
  const dirnames = (expr.match(/os\.path\.dirname\(/g) ?? []).length;
  const levels = parents ? parents - 1 : dirnames ? dirnames - 1 : -1;
  if (levels < 0) return null;
  let out = dir;
  for (let i = 0; i < levels; i++) out = posix.dirname(out);
  return out === '.' ? '' : out;
}

/** STATIC_ROOT as a path relative to the service directory (or absolute). */
function staticRoot(settingsFile: string, text: string, serviceDir: string): { path: string; absolute: boolean; line: number } | null {
  const m = STATIC_ROOT.exec(text);
  if (!m) return null;
  const expr = (m[1] ?? '').replace(/#.*$/, '').trim();
  const line = lineOfOffset(text, m.index);
  const literal = /^['"]([^'"]+)['"]$/.exec(expr)?.[1];
  if (literal?.startsWith('/')) return { path: literal, absolute: true, line };
  const joined =
    /^BASE_DIR\s*\/\s*['"]([^'"]+)['"]$/.exec(expr)?.[1] ??
    /^os\.path\.join\(\s*BASE_DIR\s*,\s*['"]([^'"]+)['"]\s*\)$/.exec(expr)?.[1] ??
    /^str\(\s*BASE_DIR\s*\/\s*['"]([^'"]+)['"]\s*\)$/.exec(expr)?.[1];
  if (!joined) return null;
  const base = baseDirOf(settingsFile, text);
  if (base === null) return null;
  const prefix = serviceDir ? serviceDir + '/' : '';
  const full = posix.join(base, joined);
  if (serviceDir && !(full + '/').startsWith(prefix)) return null;
  return { path: full.slice(prefix.length), absolute: false, line };
}

/**
 * Runtime writes of a service. `startup` is the text of the deployed stage's CMD/ENTRYPOINT; the
 * shell scripts in the service directory are read too (entrypoints that migrate and collect static).
 */
export function detectRuntimeWrites(serviceDir: string, files: string[], read: (rel: string) => string | null, startup: string): RuntimeWrite[] {
  const prefix = serviceDir ? serviceDir + '/' : '';
  const inService = files.filter((f) => f.startsWith(prefix));
  const scripts = inService.filter((f) => /\.sh$/.test(f) && !f.slice(prefix.length).includes('/node_modules/'));
  const collects = COLLECTSTATIC.test(startup) || scripts.some((f) => COLLECTSTATIC.test(read(f) ?? ''));
  if (!collects) return [];
  const writes: RuntimeWrite[] = [];
  for (const f of inService.filter((f) => /(?:^|\/)settings(?:\/\w+)?\.py$/.test(f))) {
    const text = read(f);
    if (!text) continue;
    const root = staticRoot(f, text, serviceDir);
    if (root && !writes.some((w) => w.path === root.path))
      writes.push({ path: root.path, absolute: root.absolute, reason: 'collectstatic writes STATIC_ROOT', file: f, line: root.line });
  }
  return writes;
}
