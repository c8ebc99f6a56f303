/** Finding codes for the static build check (ECS5xx). */
import type { FindingCode } from './finding.js';

export const BUILD_CHECK_CODES: readonly FindingCode[] = [];
