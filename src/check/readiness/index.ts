/** The readiness rules of `ecsfix check`, one per file, each a pure function of the check context. */
import type { ReadinessRule } from '../context.js';
import { asgiStartupConnect } from './asgi-startup-connect.js';
import { composeBindMount } from './compose-bind-mount.js';
import { composeSharedVolume } from './compose-shared-volume.js';
import { oneOffService } from './one-off-service.js';
import { nestDatabaseModule } from './nest-database-module.js';
import { composeOnlyHostname } from './compose-only-hostname.js';
import { probeToolMissing } from './probe-tool-missing.js';
import { devServerCommand } from './dev-server-command.js';
import { detachedStart } from './detached-start.js';
import { djangoAllowedHosts } from './django-allowed-hosts.js';
import { djangoSslRedirect } from './django-ssl-redirect.js';
import { enginesNode } from './engines-node.js';
import { exitOnMissingDependency } from './exit-on-missing-dependency.js';
import { frontendLocalhostBuildVar } from './frontend-localhost-build-var.js';
import { floatingBaseImage } from './floating-base-image.js';
import { loopbackBind } from './loopback-bind.js';
import { migrateOnStart } from './migrate-on-start.js';
import { nginxComposeUpstream } from './nginx-compose-upstream.js';
import { nginxHealthPath } from './nginx-health-path.js';
import { portHelperThrows } from './port-helper-throws.js';
import { portMismatch } from './port-mismatch.js';
import { readyHealthPath } from './ready-health-path.js';
import { startSignalChain } from './start-signal-chain.js';
import { scriptInterpreter } from './script-interpreter.js';

export const READINESS_RULES: readonly ReadinessRule[] = [
  exitOnMissingDependency,
  asgiStartupConnect,
  portHelperThrows,
  readyHealthPath,
  floatingBaseImage,
  enginesNode,
  composeOnlyHostname,
  composeBindMount,
  composeSharedVolume,
  oneOffService,
  nestDatabaseModule,
  devServerCommand,
  detachedStart,
  probeToolMissing,
  portMismatch,
  loopbackBind,
  migrateOnStart,
  startSignalChain,
  scriptInterpreter,
  nginxComposeUpstream,
  nginxHealthPath,
  frontendLocalhostBuildVar,
  djangoAllowedHosts,
  djangoSslRedirect,
];
