/**
 * The shell commands that create a system user and group on a base distro (alpine busybox
 * `addgroup`/`adduser`, debian `groupadd`/`useradd`), for transforms that add a non-root user.
 */
import type { Distro } from '../../src/repo/baseImage.js';

export interface UserSpec {
  user: string;
  group: string;
  uid: number | null;
  gid: number | null;
}

/** Groups Alpine's and Debian's base images have: a system user joins `nogroup` (busybox `adduser -S`); never created again. */
const BASE_GROUPS = new Set(['nogroup', 'users']);

/** One command per step (the group is skipped when it exists); null where users cannot be created (distroless, scratch). */
export function userCreationCommands(distro: Distro, spec: UserSpec, groupExists = false): string[] | null {
  const { user, group, uid } = spec;
  const baseGroup = BASE_GROUPS.has(group);
  groupExists ||= baseGroup;
  const gid = baseGroup ? null : spec.gid;
  const uidFlag = (flag: string) => (uid !== null ? ` ${flag} ${uid}` : '');
  const gidFlag = (flag: string) => (gid !== null ? ` ${flag} ${gid}` : '');
  if (distro === 'alpine')
    return [...(groupExists ? [] : [`addgroup -S${gidFlag('-g')} ${group}`]), `adduser -S${uidFlag('-u')} -G ${group} ${user}`];
  if (distro === 'debian')
    return [
      ...(groupExists ? [] : [`groupadd --system${gidFlag('--gid')} ${group}`]),
      `useradd --system${uidFlag('--uid')} --gid ${group} --no-create-home ${user}`,
    ];
  return null;
}

/** The same commands joined with `&&` for a single RUN. */
export function userCreationCommand(distro: Distro, spec: UserSpec): string | null {
  return userCreationCommands(distro, spec)?.join(' && ') ?? null;
}
