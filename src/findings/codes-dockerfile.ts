/** Finding codes for Dockerfiles (ECS1xx). */
import type { FindingCode } from './finding.js';

export const DOCKERFILE_CODES: readonly FindingCode[] = [
  {
    code: 'ECS150',
    title: 'Compose projects disagree about the port of an image',
    defaultSeverity: 'warning',
    help: 'Two compose projects build this Dockerfile for the same service with different ports, so ecsfix cannot tell which one is deployed. Make them agree (or remove the stale one), then run ecsfix again.',
  },
  {
    code: 'ECS151',
    title: 'One image built for several services on different ports',
    defaultSeverity: 'warning',
    help: 'Several compose services build this Dockerfile and listen on different ports: a PORT baked into the image would be wrong for some of them. Set PORT per service in each task definition.',
  },
  {
    code: 'ECS152',
    title: 'One image run with several commands: no HEALTHCHECK baked in',
    defaultSeverity: 'warning',
    help: 'Several services run this image with different commands (an API and a worker). A HEALTHCHECK in the image probes every one of them; a process that does not serve the route would be marked unhealthy and restarted. Declare the probe per service instead.',
  },
  {
    code: 'ECS153',
    title: 'The lockfile is not committed: no frozen install',
    defaultSeverity: 'warning',
    help: 'The Dockerfile copies (or would copy) a lockfile that a fresh clone does not have: it is git-ignored or untracked. COPY fails from a clone, so the image cannot promise the versions it pins. Commit the lockfile, then make the install frozen.',
  },
  {
    code: 'ECS154',
    title: 'package-lock.json is out of sync with package.json: no npm ci',
    defaultSeverity: 'warning',
    help: '`npm ci` refuses to install when package-lock.json does not satisfy package.json. Run `npm install`, commit the lockfile, then switch the install to `npm ci`.',
  },
];
