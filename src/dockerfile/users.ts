/**
 * Reads the user and group a Dockerfile stage creates (alpine `addgroup`/`adduser`, debian
 * `groupadd`/`useradd`), so the repo's own convention (e.g. `nodejs:1001`) can be reused.
 */
import type { DockerInstruction, ParsedDockerfile } from '../repo/dockerfile.js';
import { runCommands } from './shell.js';

export interface CreatedUser {
  name: string;
  uid: number | null;
  group: string | null;
}
export interface CreatedGroup {
  name: string;
  gid: number | null;
}

const VALUE_FLAGS: Record<string, string[]> = {
  adduser: ['-u', '--uid', '-G', '--ingroup', '-h', '--home', '-s', '--shell', '-g', '--gecos', '-k'],
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
      const group = tool === 'adduser' ? (flags.get('-G') ?? flags.get('--ingroup') ?? positional[1] ?? null) : (flags.get('-g') ?? flags.get('--gid') ?? null);
      if (literal(name)) users.push({ name, uid: num(flags.get('-u') ?? flags.get('--uid')), group });
    }
  }
  return { users, groups };
}
