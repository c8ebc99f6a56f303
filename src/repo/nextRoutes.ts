/**
 * Next.js App Router route handlers as routes: `app/api/health/route.ts` exporting GET serves
 * `/api/health` (route groups `(name)` and parallel slots `@name` leave the URL, `_private` folders
 * are not routed), under the `basePath` of next.config. A basePath that is not a string literal
 * leaves the URL unestablished: the route is kept with the reason, never probed.
 */
import { posix } from 'node:path';
import { lineOfOffset } from '../text.js';
import { joinRoute } from '../urlPath.js';
import type { DockerInstruction } from './dockerfile.js';
import type { Evidence, HealthRoute } from './model.js';
import { blankComments } from './sourceScan.js';
import { filesUnder } from './files.js';

const ROUTE_FILE = /^(?:src\/)?app\/(?:(.*)\/)?route\.[cm]?[jt]sx?$/;
const GET_EXPORT = /\bexport\s+(?:async\s+)?function\s+GET\s*\(|\bexport\s+(?:const|let|var)\s+GET\s*[=:]|\bexport\s*\{[^}]*\b(?:\w+\s+as\s+)?GET\b[^}]*\}/;
const CONFIG_FILE = /^next\.config\.(?:js|mjs|cjs|ts|mts)$/;

/** The GET route handlers of the Next.js app in `dir` (its package.json depends on next). */
export function nextRouteHandlers(dir: string, files: readonly string[], read: (rel: string) => string | null): HealthRoute[] {
  const prefix = dir ? dir + '/' : '';
  const base = basePath(prefix, files, read);
  const routes: HealthRoute[] = [];
  for (const file of filesUnder(files, prefix)) {
    const m = ROUTE_FILE.exec(file.slice(prefix.length));
    if (!m) continue;
    const segments = (m[1] ?? '').split('/').filter(Boolean);
    if (segments.some((s) => s.startsWith('_'))) continue;
    const text = read(file);
    const code = text === null ? null : blankComments(text, 'js');
    const get = code === null ? null : GET_EXPORT.exec(code);
    if (!code || !get) continue;
    const path = joinRoute(...segments.filter((s) => !/^\(.*\)$/.test(s) && !s.startsWith('@')));
    const line = lineOfOffset(code, get.index);
    if ('unresolved' in base) routes.push({ path, file, line, unresolvedMount: base.unresolved });
    else routes.push({ path: joinRoute(base.prefix, path), file, line });
  }
  return routes;
}

/** next.config's `basePath`: '' when none is set, the literal, or why it is not established. */
function basePath(prefix: string, files: readonly string[], read: (rel: string) => string | null): { prefix: string } | { unresolved: { file: string; line: number; reason: string } } {
  const config = filesUnder(files, prefix).find((f) => CONFIG_FILE.test(f.slice(prefix.length)) && !posix.dirname(f.slice(prefix.length)).includes('/'));
  const text = config ? read(config) : null;
  if (!config || text === null) return { prefix: '' };
  const code = blankComments(text, 'js');
  const m = /\bbasePath\s*:\s*([^,\n}]+)/.exec(code);
  if (!m) return { prefix: '' };
  const literal = /^(['"`])([^'"`$]*)\1\s*$/.exec((m[1] ?? '').trim());
  const line = lineOfOffset(code, m.index);
  return literal ? { prefix: literal[2] ?? '' } : { unresolved: { file: config, line, reason: `next.config sets basePath to ${(m[1] ?? '').trim()} (${config}:${line}), which is not a string literal` } };
}

/**
 * A Next.js standalone server (`.next/standalone` copied into the image, `node server.js`) listens on
 * `$HOSTNAME`, which Docker and ECS set to the container's own host name: a probe on localhost is
 * refused unless the image sets HOSTNAME to an address localhost reaches (0.0.0.0). The COPY's line
 * when that is so, else null.
 */
export function standaloneBindsHostname(inForce: readonly DockerInstruction[]): { line: number } | null {
  const copy = inForce.find((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && /\.next\/standalone\b/.test(i.args));
  if (!copy) return null;
  const env = inForce.filter((i) => i.keyword === 'ENV' && /(?:^|\s)HOSTNAME[=\s]/.test(i.args)).pop();
  if (env && /(?:^|\s)HOSTNAME[=\s]+["']?(?:0\.0\.0\.0|::|localhost|127\.0\.0\.1)["']?(?:\s|$)/.test(env.args)) return null;
  return { line: copy.line };
}

/**
 * A Next.js app built with `output: 'standalone'` and run as the generated `node …/server.js` (a
 * COPY of .next/standalone in the deployed stage): that server reads PORT (`parseInt(process.env.PORT,
 * 10) || 3000`) and HOSTNAME, so PORT is established as its port variable, with next.config's
 * `output` line as the evidence. Undefined otherwise.
 */
export function nextStandalonePort(dir: string, files: readonly string[], read: (rel: string) => string | null, inForce: readonly DockerInstruction[]): Evidence<string> | undefined {
  const prefix = dir ? dir + '/' : '';
  const config = filesUnder(files, prefix).find((f) => CONFIG_FILE.test(f.slice(prefix.length)) && !posix.dirname(f.slice(prefix.length)).includes('/'));
  const text = config ? read(config) : null;
  if (!config || text === null) return undefined;
  const code = blankComments(text, 'js');
  const output = /\boutput\s*:\s*['"`]standalone['"`]/.exec(code);
  if (!output) return undefined;
  const copies = inForce.some((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && /\.next\/standalone\b/.test(i.args));
  const start = inForce.filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT').map((i) => i.args).join(' ');
  if (!copies || !/(?:^|[\s"'[,])node["',\s]+(?:[\w./-]*\/)?server\.js\b/.test(start)) return undefined;
  return { value: 'PORT', source: 'Next.js standalone server.js', file: config, line: lineOfOffset(code, output.index) };
}
