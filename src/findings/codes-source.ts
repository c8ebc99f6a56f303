/** Finding codes for TS/JS and Python sources (ECS3xx). */
import type { FindingCode } from './finding.js';

export const SOURCE_CODES: readonly FindingCode[] = [];
