/**
 * Every finding code ecsfix can report, by area. Each area keeps its codes in its own module so
 * they can grow independently; this index joins them and checks that no code is used twice.
 *
 * Ranges: ECS0xx engine and file errors, ECS1xx Dockerfiles, ECS2xx compose, ECS3xx TS/JS sources,
 * ECS4xx readiness checks with no automatic fix, ECS5xx the static build check, ECS6xx `verify`.
 */
import type { Finding, FindingCode } from './finding.js';
import { ENGINE_CODES } from './codes-engine.js';
import { DOCKERFILE_CODES } from './codes-dockerfile.js';
import { COMPOSE_CODES } from './codes-compose.js';
import { SOURCE_CODES } from './codes-source.js';
import { READINESS_CODES } from './codes-readiness.js';
import { BUILD_CHECK_CODES } from './codes-build-check.js';
import { VERIFY_CODES } from './codes-verify.js';

export const FINDING_CODES: readonly FindingCode[] = [
  ...ENGINE_CODES,
  ...DOCKERFILE_CODES,
  ...COMPOSE_CODES,
  ...SOURCE_CODES,
  ...READINESS_CODES,
  ...BUILD_CHECK_CODES,
  ...VERIFY_CODES,
];

const BY_CODE = new Map(FINDING_CODES.map((c) => [c.code, c]));
if (BY_CODE.size !== FINDING_CODES.length) {
  const seen = new Set<string>();
  const twice = FINDING_CODES.filter((c) => seen.size === seen.add(c.code).size).map((c) => c.code);
  throw new Error(`finding codes defined twice: ${twice.join(', ')}`);
}

export function findingCode(code: string): FindingCode | undefined {
  return BY_CODE.get(code);
}

/**
 * A finding as every output shows it: its code known (an unknown code is a bug in ecsfix, so it
 * throws), `fixedBy` from the code where the finding does not say.
 */
export function completeFinding<F extends Finding>(finding: F): F {
  const known = BY_CODE.get(finding.code);
  if (!known) throw new Error(`unknown finding code ${finding.code} (${finding.message})`);
  return finding.fixedBy || !known.fixedBy ? finding : { ...finding, fixedBy: known.fixedBy };
}
