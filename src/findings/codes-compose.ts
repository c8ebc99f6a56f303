/** Finding codes for docker-compose files (ECS2xx). */
import type { FindingCode } from './finding.js';

export const COMPOSE_CODES: readonly FindingCode[] = [
  {
    code: 'ECS201',
    title: 'Compose service builds from a Dockerfile that does not exist',
    defaultSeverity: 'warning',
    help: 'The service\'s `build.dockerfile` (relative to `build.context`) names no file in the repo, so `docker compose build` fails and ecsfix cannot model the service. Fix the path.',
  },
];
