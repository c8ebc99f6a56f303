/**
 * What the image's own start script writes before it hands over to the app (`ENTRYPOINT
 * ["./docker-entrypoint.sh"]` ... `exec "$@"`): `mkdir`, `touch`, `>`/`>>` redirects (a heredoc
 * rendered into a config file), `tee`, `sed -i`, `cp`/`mv`/`install` destinations. These run as the
 * container's user, so they are runtime writes like the code's. A path with a variable, a `cp` whose
 * destination may be a directory, an overwrite of a file the image's COPY put there (root owns it),
 * and a `chmod`/`chown` at start are unresolved: the image stays root.
 */
import { posix } from 'node:path';
import { program, scriptLines, shellCommands, type ShellCommand } from '../dockerfile/shell.js';

/** A write of the script, in the shape of runtimeWrites.ts's RuntimeWrite (which reads these). */
export interface ScriptWrite {
  path: string;
  absolute: boolean;
  fromWorkdir?: boolean;
  flat?: boolean;
  unresolved?: boolean;
  reason: string;
  file: string;
  line: number;
}

/** A start script: its repo path and text. */
export interface StartScript {
  file: string;
  text: string;
}

/** Writable by every user (the temp directories; /dev/null, /dev/stdout). */
const SCRATCH = /^\/(?:tmp|var\/tmp|dev)(?:\/|$)/;
/** Directories of the system (root owns them; handing one to the app's user is not a fix): /run's pid files, /etc's config. */
const SYSTEM = /^\/(?:$|etc|usr(?!\/src\/|\/app(?:\/|$))|bin|sbin|lib|lib64|root|proc|sys|boot|run|var\/run|var\/lib\/dpkg)(?:\/|$)/;
const REDIRECT = /^(?:\d|&)?>>?\|?(.*)$/;

/** The lines up to the script's own `exec` (an indented one sits in a branch). */
function upToExec(lines: { text: string; line: number }[]): { text: string; line: number }[] {
  const exec = lines.findIndex((l) => /^exec\s/.test(l.text));
  return exec < 0 ? lines : lines.slice(0, exec + 1);
}

type Target = { path: string; kind: 'dir' | 'file' | 'unsure' | 'mode' };

/** The paths one command writes: what it creates or writes into. */
function commandTargets(c: ShellCommand): Target[] {
  const words = c.words.map((w) => w.value);
  const out: Target[] = [];
  const rest: string[] = [];
  for (let k = 0; k < words.length; k++) {
    const redirect = REDIRECT.exec(words[k] ?? '');
    if (redirect && !/^\d?>&/.test(words[k] ?? '')) {
      const target = redirect[1] || words[++k] || '';
      if (target && !target.startsWith('&')) out.push({ path: target, kind: 'file' });
    } else if (!/^\d?<|^<</.test(words[k] ?? '')) rest.push(words[k] ?? '');
  }
  const name = program({ words: rest.map((value) => ({ value, start: 0, end: 0, dynamic: false })), start: 0 });
  const args = rest.slice(1).filter((a) => !a.startsWith('-'));
  const flags = rest.slice(1).filter((a) => a.startsWith('-'));
  if (name === 'mkdir') out.push(...args.filter((a) => !/^\d+$/.test(a)).map((path) => ({ path, kind: 'dir' as const })));
  else if (name === 'touch' || name === 'tee') out.push(...args.map((path) => ({ path, kind: 'file' as const })));
  else if (name === 'sed' && flags.some((f) => /^-[a-zA-Z]*i|^--in-place/.test(f))) out.push(...args.slice(1).map((path) => ({ path, kind: 'file' as const })));
  else if (name === 'chmod' || name === 'chown') out.push(...args.slice(1).map((path) => ({ path, kind: 'mode' as const })));
  else if ((name === 'cp' || name === 'mv' || name === 'install' || name === 'ln') && args.length >= 2) {
    const dest = args[args.length - 1] as string;
    const toDir = /\/\.?$/.test(dest) || args.length > 2 || flags.some((f) => f === '-t' || f.startsWith('--target-directory'));
    const recursive = flags.some((f) => /^-[a-zA-Z]*[rRa]|^--recursive|^--archive/.test(f));
    out.push({ path: toDir ? dest.replace(/\/\.?$/, '') || '/' : dest, kind: toDir ? 'dir' : !recursive && /\.\w+$/.test(posix.basename(dest)) ? 'file' : 'unsure' });
  }
  return out;
}

/**
 * The writes of the start scripts. `imageFile` says which repo file the image holds at a path (a
 * file the image's COPY put there: root owns it, so overwriting it fails whatever owns its directory).
 */
export function scriptWrites(scripts: StartScript[], imageFile?: (imagePath: string) => string | null): ScriptWrite[] {
  const writes: ScriptWrite[] = [];
  for (const script of scripts) {
    let cwd: string | null = '.'; // the WORKDIR; null after a `cd` ecsfix cannot follow
    for (const { text, line } of upToExec(scriptLines(script.text))) {
      for (const c of shellCommands(text)) {
        if (program(c) === 'cd') {
          const to = c.words[1]?.value;
          cwd = !to || to.includes('$') || to.startsWith('~') || cwd === null ? null : to.startsWith('/') ? posix.normalize(to) : posix.join(cwd, to);
          continue;
        }
        for (const t of commandTargets(c)) {
          const base = { file: script.file, line, absolute: false };
          const at = `${script.file}:${line}`;
          if (t.path.includes('$') || t.path.startsWith('~') || (cwd === null && !t.path.startsWith('/'))) {
            writes.push({ ...base, path: t.path, unresolved: true, reason: `the start script writes \`${t.path}\` (${at}), a path it builds from a variable or after a \`cd\` ecsfix cannot follow` });
            continue;
          }
          const path = t.path.startsWith('/') ? posix.normalize(t.path) : posix.join(cwd as string, t.path);
          if (SCRATCH.test(path)) continue;
          if (t.kind === 'mode' || t.kind === 'unsure') {
            const why = t.kind === 'mode' ? 'changes the mode or owner of' : 'copies to';
            writes.push({ ...base, path, unresolved: true, reason: `the start script ${why} ${path} (${at})${t.kind === 'unsure' ? ', which may be a file or a directory' : ', which only its owner (root) may do'}` });
            continue;
          }
          if (t.kind === 'file' && imageFile?.(path)) {
            writes.push({ ...base, path, unresolved: true, reason: `the start script overwrites ${path} (${at}), a file the image copies in from ${imageFile(path)} (owned by root)` });
            continue;
          }
          const dir = t.kind === 'dir' ? path : posix.dirname(path);
          if (dir.startsWith('/') && SYSTEM.test(dir)) {
            writes.push({ ...base, path, unresolved: true, reason: `the start script writes ${path} (${at}), in ${dir}, a system directory root owns` });
            continue;
          }
          const reason = `the start script ${script.file} ${t.kind === 'dir' ? 'creates' : 'writes'} ${t.kind === 'dir' ? dir : path}`;
          const where = dir.startsWith('/') ? { path: dir, absolute: true } : { path: dir, absolute: false, fromWorkdir: true };
          if (!writes.some((w) => w.path === where.path && w.absolute === where.absolute)) writes.push({ ...base, ...where, flat: true, reason });
        }
      }
    }
  }
  return writes;
}
