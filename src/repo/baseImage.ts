/**
 * What we know about a base image from its reference alone: its family, its distro (which decides
 * the user-management commands) and which probe tools it ships. Tools installed by a stage's own
 * `apk add` / `apt-get install` are added by the Dockerfile model, not here.
 */
export type ImageFamily = 'node' | 'python' | 'nginx' | 'httpd' | 'caddy' | 'os' | 'other';
export type Distro = 'alpine' | 'debian' | 'distroless' | 'scratch' | 'unknown';
export type ProbeTool = 'node' | 'python' | 'curl' | 'wget' | 'sh';

export interface BaseImage {
  /** The reference after FROM, e.g. `node:18-alpine`, its build variables expanded where their values are established (see DockerStage.fromVariables). */
  reference: string;
  /** Repository without registry and tag, e.g. `node`, `python`, `distroless/nodejs20-debian12`. */
  name: string;
  tag: string | null;
  family: ImageFamily;
  distro: Distro;
  tools: ProbeTool[];
  /** A non-root user the image ships, e.g. `node` in the official node images. */
  builtinUser: { name: string; uid: number } | null;
  /** `:latest` or no tag at all: the build is not reproducible. */
  floating: boolean;
}

export function classifyBaseImage(reference: string): BaseImage {
  const withoutDigest = reference.split('@')[0] ?? reference;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  const repoPath = colon >= 0 ? withoutDigest.slice(0, colon) : withoutDigest;
  const tag = colon >= 0 ? withoutDigest.slice(colon + 1) : null;
  const segments = repoPath.split('/');
  // Drop a registry host (has a dot or a port) and the implicit `library/`.
  if (segments.length > 1 && /[.:]/.test(segments[0] ?? '')) segments.shift();
  if (segments[0] === 'library') segments.shift();
  const name = segments.join('/');
  const last = segments[segments.length - 1] ?? '';
  const tagText = (tag ?? '').toLowerCase();
  const hasDigest = reference.includes('@');
  const floating = !hasDigest && (tag === null || tagText === 'latest');

  let family: ImageFamily = 'other';
  let distro: Distro = 'unknown';
  if (name.includes('distroless')) {
    distro = 'distroless';
    family = /nodejs/.test(last) ? 'node' : /python/.test(last) ? 'python' : 'other';
  } else if (last === 'node' || last === 'nodejs') family = 'node';
  else if (last === 'python' || last === 'pypy') family = 'python';
  else if (last === 'nginx' || last === 'nginx-unprivileged' || last === 'openresty') family = 'nginx';
  else if (last === 'httpd') family = 'httpd';
  else if (last === 'caddy') family = 'caddy';
  else if (['alpine', 'debian', 'ubuntu', 'busybox'].includes(last)) family = 'os';
  else if (last === 'scratch') distro = 'scratch';

  // A tag the build chooses (`python:${PYTHON_TAG}`): unless its literal part names the variant
  // (`node:${NODE_VERSION}-alpine`), which one it is is not established, so no Debian default
  // (review9 R40: an ARG default of 3.12-alpine taken for Debian gave `useradd` on busybox).
  const variableTag = tagText.includes('$');
  const literalTag = tagText.replace(/\$\{[^}]*\}|\$\w+/g, ' ');
  if (distro === 'unknown') {
    if (last === 'alpine' || last === 'busybox' || /alpine/.test(literalTag) || family === 'caddy') distro = 'alpine';
    else if (last === 'debian' || last === 'ubuntu' || /(slim|bookworm|bullseye|buster|trixie|jammy|focal|noble)/.test(literalTag))
      distro = 'debian';
    else if (['node', 'python', 'nginx', 'httpd'].includes(family) && !variableTag) distro = 'debian'; // official default variants
  }

  const tools = new Set<ProbeTool>();
  if (distro !== 'distroless' && distro !== 'scratch') tools.add('sh');
  if (family === 'node') tools.add('node');
  if (family === 'python') tools.add('python');
  if (distro === 'alpine') tools.add('wget'); // busybox wget
  const slim = /slim/.test(literalTag);
  // The full (buildpack-deps based) node and python images ship curl and wget; slim ones ship neither.
  if ((family === 'node' || family === 'python') && distro === 'debian' && !slim) {
    tools.add('curl');
    tools.add('wget');
  }
  if (family === 'nginx') tools.add('curl'); // both the debian and the alpine nginx images ship curl

  let builtinUser: BaseImage['builtinUser'] = null;
  if (family === 'node' && distro !== 'distroless') builtinUser = { name: 'node', uid: 1000 };
  if (distro === 'distroless') builtinUser = { name: 'nonroot', uid: 65532 };

  return { reference, name, tag, family, distro, tools: [...tools], builtinUser, floating };
}

/**
 * Whether a node image ships corepack. The official node images do from 14.19 and 16.9 to 24; Node.js
 * no longer distributes it from 25 on, so those images have none (`corepack: not found`). A tag
 * without a major (`lts`, `current`, `alpine`, none, `${NODE_VERSION}`) names whichever major is
 * current when it is pulled, which is not established: null. Not a node image: null.
 */
export function shipsCorepack(base: BaseImage): boolean | null {
  if (base.family !== 'node' || base.distro === 'distroless') return null;
  const version = /^(\d+)(?:\.(\d+))?/.exec(base.tag ?? '');
  if (!version) return null;
  const major = Number(version[1]);
  const minor = version[2] === undefined ? null : Number(version[2]);
  if (major >= 25 || major < 14) return false;
  if (major === 14 && minor !== null && minor < 19) return false;
  if (major === 16 && minor !== null && minor < 9) return false;
  if (major === 15) return false;
  return true;
}

/** A RUN that installs corepack itself (`npm i -g corepack`), which makes `corepack` work on any node image. */
export const INSTALLS_COREPACK = /\bnpm\s+(?:i|install|add)\s+(?:[^&|;]*\s)?(?:-g|--global)\s+(?:[^&|;]*\s)?corepack\b|\bnpm\s+(?:-g|--global)\s+(?:i|install)\s+(?:[^&|;]*\s)?corepack\b/;
