/** Finding codes for docker-compose files (ECS2xx). */
import type { FindingCode } from './finding.js';

export const COMPOSE_CODES: readonly FindingCode[] = [];
