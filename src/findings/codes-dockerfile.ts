/** Finding codes for Dockerfiles (ECS1xx). */
import type { FindingCode } from './finding.js';

export const DOCKERFILE_CODES: readonly FindingCode[] = [];
