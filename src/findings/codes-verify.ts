/** Finding codes for ecsfix verify, real builds and starts (ECS6xx). */
import type { FindingCode } from './finding.js';

export const VERIFY_CODES: readonly FindingCode[] = [];
