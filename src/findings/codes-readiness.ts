/** Finding codes for readiness checks with no automatic fix (ECS4xx). */
import type { FindingCode } from './finding.js';

export const READINESS_CODES: readonly FindingCode[] = [];
