/**
 * The env files beside compose files: the example file a repo lists its variables in
 * (`.env.example` and its usual other names) and the `KEY=value` lines of such a file.
 */
import { posix } from 'node:path';

const ENV_EXAMPLE_NAMES = ['.env.example', '.env.sample', 'env.example', '.env.template', '.env.dist'];

/** The example env file for a compose file: the nearest existing one, else `.env.example` beside it. */
export function envExampleFor(composePath: string, read: (p: string) => string | null): { path: string; text: string | null } {
  for (let dir = posix.dirname(composePath); ; dir = posix.dirname(dir)) {
    for (const name of ENV_EXAMPLE_NAMES) {
      const p = dir === '.' ? name : `${dir}/${name}`;
      const text = read(p);
      if (text !== null) return { path: p, text };
    }
    if (dir === '.' || dir === '') break;
  }
  const dir = posix.dirname(composePath);
  return { path: dir === '.' ? '.env.example' : `${dir}/.env.example`, text: null };
}

/**
 * The variables of a `.env` file as compose reads them: `KEY=value` (an optional `export `), a
 * quoted value unquoted, an unquoted value ending at ` #`. Comments and other lines are skipped.
 */
export function parseEnvFile(text: string): Record<string, string> {
  return Object.fromEntries([...envFileEntries(text)].map(([name, { value }]) => [name, value]));
}

/** The variables of a `.env` file ({@link parseEnvFile}), each with the line that sets it (the last one, which compose takes). */
export function envFileEntries(text: string): Map<string, { value: string; line: number }> {
  const out = new Map<string, { value: string; line: number }>();
  for (const m of text.matchAll(/^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(.*?)[ \t]*$/gm)) {
    const raw = m[2] ?? '';
    const quoted = /^(['"])(.*)\1(?:[ \t]+#.*)?$/.exec(raw); // `KEY="v"  # comment` is v
    const line = text.slice(0, m.index).split('\n').length;
    out.set(m[1] as string, { value: quoted ? (quoted[2] ?? '') : raw.replace(/[ \t]+#.*$/, ''), line });
  }
  return out;
}
