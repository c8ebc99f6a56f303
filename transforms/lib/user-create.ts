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

/** `addgroup ... && adduser ...` for the distro, or null where users cannot be created (distroless, scratch). */
export function userCreationCommand(distro: Distro, spec: UserSpec): string | null {
  const { user, group, uid, gid } = spec;
  if (distro === 'alpine')
    return `addgroup -S${gid !== null ? ` -g ${gid}` : ''} ${group} && adduser -S${uid !== null ? ` -u ${uid}` : ''} -G ${group} -H -D ${user}`;
  if (distro === 'debian')
    return `groupadd --system${gid !== null ? ` --gid ${gid}` : ''} ${group} && useradd --system${uid !== null ? ` --uid ${uid}` : ''} --gid ${group} --no-create-home ${user}`;
  return null;
}
