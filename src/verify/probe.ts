/**
 * The checks verify runs inside a built image, as the image's runtime user, in one POSIX `sh`
 * script (busybox ash and dash alike): who the user is, whether each path the process writes is
 * writable (a probe file in the path, or in its nearest existing parent when the process would
 * create it), whether each program of the start command and the HEALTHCHECK exists, whether each
 * entry file or module is there, whether the HEALTHCHECK's shell line parses, and whether the
 * workspace packages a Node service imports resolve as its entry file resolves them (from the
 * entry's directory: in a pnpm workspace the links are in the package's own node_modules, beside
 * the entry, not in the WORKDIR's). Each answer is one line
 * `ECSFIX <check> <index> <ok|fail> <detail>`; nothing is left behind in the image.
 */
import type { EntryRef } from './startCommand.js';

export interface ProbeRequest {
  workingDir: string;
  /** Absolute container paths. */
  writes: string[];
  programs: string[];
  entries: EntryRef[];
  /** A HEALTHCHECK CMD-SHELL line to parse with `sh -n`. */
  shellSyntax: string[];
  /** Package names to `require.resolve` from `resolveFrom`. */
  packages: string[];
  /** The directory the packages resolve from, as a module there resolves them: the Node entry file's (absolute), else the WORKDIR. */
  resolveFrom?: string;
}

export interface ProbeAnswer {
  /** null: no answer (the script stopped before it); never reported as a failure. */
  ok: boolean | null;
  /** For writes: `owner` of the path checked and `at`, the path the probe wrote in. */
  owner?: string;
  at?: string;
  detail?: string;
}

export interface ProbeResult {
  uid: number | null;
  userName: string | null;
  writes: ProbeAnswer[];
  programs: ProbeAnswer[];
  entries: ProbeAnswer[];
  shellSyntax: ProbeAnswer[];
  packages: ProbeAnswer[];
}

export const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

// argv: the directory to resolve from, then the package names.
const RESOLVE = `const [from, ...names] = process.argv.slice(1); for (const [i, n] of names.entries()) { try { require.resolve(n, { paths: [from] }); console.log('ECSFIX package ' + i + ' ok'); } catch (e) { console.log('ECSFIX package ' + i + (e.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' ? ' ok' : ' fail ' + (e.code || e.message))); } }`;
const FIND_SPEC = 'import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(sys.argv[1]) else 1)';

export function probeScript(r: ProbeRequest): string {
  const lines = [
    // The nearest existing directory of a path, a probe file written and removed there.
    `w() { d=$2; while [ ! -e "$d" ] && [ "$d" != / ]; do d=$(dirname "$d"); done; o=$(stat -c %U:%G "$d" 2>/dev/null || echo unknown); ` +
      `if [ -d "$d" ]; then t="$d/.ecsfix-write-probe.$$"; if ( : > "$t" ) 2>/dev/null; then rm -f "$t"; s=ok; else s=fail; fi; ` +
      `elif [ -w "$d" ]; then s=ok; else s=fail; fi; echo "ECSFIX write $1 $s $o $d"; }`,
    `r() { if [ "$2" = ok ]; then echo "ECSFIX $1 ok"; else echo "ECSFIX $1 fail"; fi; }`,
    `cd ${quote(r.workingDir)} 2>/dev/null || echo "ECSFIX workdir 0 fail"`,
    `echo "ECSFIX id 0 ok $(id -u) $(id -un 2>/dev/null || echo unknown)"`,
    `PY=$(command -v python3 || command -v python || echo python3)`,
  ];
  r.writes.forEach((p, i) => lines.push(`w ${i} ${quote(p)}`));
  r.programs.forEach((p, i) => lines.push(`if command -v ${quote(p)} >/dev/null 2>&1; then r 'program ${i}' ok; else r 'program ${i}' fail; fi`));
  r.entries.forEach((e, i) => {
    if (e.kind === 'file') {
      const f = quote(e.path);
      const test = e.runtime === 'node' ? `[ -r ${f} ] || [ -r ${f}.js ] || [ -r ${f}/index.js ]` : `[ -r ${f} ]`;
      lines.push(`if ${test}; then r 'entry ${i}' ok; else r 'entry ${i}' fail; fi`);
    } else lines.push(`if "$PY" -c ${quote(FIND_SPEC)} ${quote(e.name)} >/dev/null 2>&1; then r 'entry ${i}' ok; else r 'entry ${i}' fail; fi`);
  });
  r.shellSyntax.forEach((s, i) => lines.push(`if sh -n -c ${quote(s)} 2>/dev/null; then r 'syntax ${i}' ok; else r 'syntax ${i}' fail; fi`));
  if (r.packages.length)
    lines.push(`if command -v node >/dev/null 2>&1; then node -e ${quote(RESOLVE)} ${quote(r.resolveFrom ?? r.workingDir)} ${r.packages.map(quote).join(' ')}; else echo "ECSFIX nonode 0 fail"; fi`);
  return lines.join('\n') + '\n';
}

export function parseProbe(output: string, r: ProbeRequest): ProbeResult {
  const result: ProbeResult = {
    uid: null,
    userName: null,
    writes: r.writes.map(() => ({ ok: null })),
    programs: r.programs.map(() => ({ ok: null })),
    entries: r.entries.map(() => ({ ok: null })),
    shellSyntax: r.shellSyntax.map(() => ({ ok: null })),
    packages: r.packages.map(() => ({ ok: null })),
  };
  for (const line of output.split('\n')) {
    const m = /^ECSFIX (\w+) (\d+) (ok|fail)(?: (.*))?$/.exec(line.trim());
    if (!m) continue;
    const [, check, index, status, rest = ''] = m;
    const i = Number(index);
    const ok = status === 'ok';
    if (check === 'id') {
      const [uid, name] = rest.split(' ');
      result.uid = uid !== undefined && /^\d+$/.test(uid) ? Number(uid) : null;
      result.userName = name && name !== 'unknown' ? name : null;
    } else if (check === 'write') {
      const space = rest.indexOf(' ');
      result.writes[i] = { ok, owner: rest.slice(0, space), at: rest.slice(space + 1) };
    } else if (check === 'nonode') result.packages = result.packages.map(() => ({ ok: false, detail: 'no node in the image' }));
    else {
      const list = ({ program: result.programs, entry: result.entries, syntax: result.shellSyntax, package: result.packages } as Record<string, ProbeAnswer[]>)[check ?? ''];
      if (list && i < list.length) list[i] = ok ? { ok } : { ok, detail: rest || undefined };
    }
  }
  return result;
}
