/** Finding codes for engine and file errors (ECS0xx). */
import type { FindingCode } from './finding.js';

export const ENGINE_CODES: readonly FindingCode[] = [];
