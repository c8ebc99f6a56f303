/**
 * Reads the user and group a Dockerfile stage creates (alpine `addgroup`/`adduser`, debian
 * `groupadd`/`useradd`), so the repo's own convention (e.g. `nodejs:1001`) can be reused.
 */
import type { DockerInstruction, ParsedDockerfile } from '../repo/dockerfile.js';
import { runCommands } from './shell.js';

export interface CreatedUser {
  name: string;
  uid: number | null;
  /**
   * The group its files are handed to (`chown user:group`): the one the command names; for
   * `adduser -S/--system` without one, busybox and Debian's adduser put the user in `nogroup` and
   * create no group of its name, so `nogroup`, unless the same instructions create a group of the
   * user's name (`addgroup -S nodejs && adduser -S nodejs`, the pairing the repo means); null when
   * the tool creates a group of the user's own name (useradd, a non-system adduser).
   */
  group: string | null;
}
export interface CreatedGroup {
  name: string;
  gid: number | null;
}

const VALUE_FLAGS: Record<string, string[]> = {
  adduser: ['-u', '--uid', '-G', '--ingroup', '--gid', '-h', '--home', '-s', '--shell', '-g', '--gecos', '-k', '--skel'],
  useradd: ['-u', '--uid', '-g', '--gid', '-G', '--groups', '-d', '--home-dir', '-s', '--shell', '-c', '--comment', '-m', '-k'],
  addgroup: ['-g', '--gid'],
  groupadd: ['-g', '--gid'],
};

function parseCommand(tokens: string[], tool: string): { positional: string[]; flags: Map<string, string> } {
  const valueFlags = VALUE_FLAGS[tool] ?? [];
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] ?? '';
    if (t.startsWith('-')) {
      const [flag, inline] = t.split('=', 2) as [string, string | undefined];
      // -m is a boolean for useradd; only -k takes a value there. Keep the table honest:
      if (tool === 'useradd' && flag === '-m') continue;
      if (inline !== undefined) flags.set(flag, inline);
      else if (valueFlags.includes(flag)) flags.set(flag, tokens[++i] ?? '');
      else flags.set(flag, '');
    } else positional.push(t);
  }
  return { positional, flags };
}

const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : null);

/** A name given by a build argument (`adduser ${APP_USER}`) is not a name another image can reuse. */
const literal = (name: string | undefined): name is string => Boolean(name) && !name?.includes('$');

/** The users and groups the RUN instructions among `instructions` create. */
export function usersCreatedBy(parsed: ParsedDockerfile, instructions: DockerInstruction[]): { users: CreatedUser[]; groups: CreatedGroup[] } {
  const users: CreatedUser[] = [];
  const groups: CreatedGroup[] = [];
  for (const command of instructions.flatMap((ins) => runCommands(parsed, ins))) {
    const tokens = command.words.map((w) => w.value);
    const at = tokens.findIndex((t) => /^(adduser|useradd|addgroup|groupadd)$/.test(t));
    if (at < 0) continue;
    const tool = tokens[at] ?? '';
    const { positional, flags } = parseCommand(tokens.slice(at + 1), tool);
    if (tool === 'addgroup' && positional.length === 2 && !flags.size) {
      // busybox `addgroup USER GROUP` adds a user to a group
      continue;
    }
    if (tool === 'addgroup' || tool === 'groupadd') {
      const name = positional[positional.length - 1];
      if (literal(name)) groups.push({ name, gid: num(flags.get('-g') ?? flags.get('--gid')) });
    } else {
      const name = tool === 'adduser' ? positional[0] : positional[positional.length - 1];
      const group = tool === 'adduser' ? adduserGroup(flags, name, positional[1]) : (flags.get('-g') ?? flags.get('--gid') ?? null);
      if (literal(name)) users.push({ name, uid: num(flags.get('-u') ?? flags.get('--uid')), group });
    }
  }
  for (const u of users) if (u.group === IMPLIED_SYSTEM_GROUP && groups.some((g) => g.name === u.name)) u.group = u.name;
  return { users: users.map((u) => ({ ...u, group: u.group === IMPLIED_SYSTEM_GROUP ? 'nogroup' : u.group })), groups };
}

/** Marks a system user's group as busybox/Debian adduser's default (nogroup), not one the command names. */
const IMPLIED_SYSTEM_GROUP = '\0nogroup';

/**
 * The primary group `adduser` gives a user: `-G`/`--ingroup` (busybox, Debian), Debian's `--gid N`
 * or `--group` (a group of the user's name), else `nogroup` for a system user (busybox
 * loginutils/adduser.c: `if (opts & OPT_SYSTEM_ACCOUNT) { if (!usegroup) usegroup = "nogroup"; }`;
 * Debian's adduser does the same), else null (a group of the user's name).
 */
function adduserGroup(flags: Map<string, string>, name: string | undefined, positional: string | undefined): string | null {
  const named = flags.get('-G') ?? flags.get('--ingroup') ?? flags.get('--gid') ?? positional;
  if (named) return named;
  if (flags.has('--group')) return name ?? null;
  const system = flags.has('--system') || [...flags.keys()].some((f) => /^-[A-Za-z]*S/.test(f) && !f.startsWith('--'));
  return system ? IMPLIED_SYSTEM_GROUP : null;
}
