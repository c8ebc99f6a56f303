/**
 * Every transform, in the fixed order the engine runs them on a file (each sees the previous
 * one's output). Ids are part of the stable command-line surface.
 */
import type { Transform } from '../src/transform.js';
import { dockerfileWorkerMultistage } from './dockerfile-worker-multistage.js';
import { dockerfilePnpmPin } from './dockerfile-pnpm-pin.js';
import { dockerfileFrozenLockfile } from './dockerfile-frozen-lockfile.js';
import { dockerfileNonRoot } from './dockerfile-non-root.js';
import { dockerfileNginxNonRoot } from './dockerfile-nginx-non-root.js';
import { dockerfilePortEnv } from './dockerfile-port-env.js';
import { dockerfileHealthcheckEnv } from './dockerfile-healthcheck-env.js';
import { composeSecretDefaults } from './compose-secret-defaults.js';
import { codemodTransform } from '../src/run/codemod.js';
import * as serviceUrlDefaults from '../codemods/service-url-defaults.js';
import * as workerGracefulShutdown from '../codemods/worker-graceful-shutdown.js';
import * as listenBeforeMongo from '../codemods/listen-before-mongo.js';

/** The TS/JS codemods: jscodeshift modules under codemods/, run with the repo model. */
export const CODEMODS: readonly Transform[] = [workerGracefulShutdown, listenBeforeMongo, serviceUrlDefaults].map((m) => codemodTransform(m.meta, m));

export const TRANSFORMS: readonly Transform[] = [dockerfileWorkerMultistage, dockerfilePnpmPin, dockerfileFrozenLockfile, dockerfileNginxNonRoot, dockerfileNonRoot, dockerfilePortEnv, dockerfileHealthcheckEnv, composeSecretDefaults, ...CODEMODS];

export function transformById(id: string): Transform | undefined {
  return TRANSFORMS.find((t) => t.id === id);
}
