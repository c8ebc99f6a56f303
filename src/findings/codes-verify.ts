/** Finding codes for ecsfix verify, real builds and starts (ECS6xx). */
import type { FindingCode } from './finding.js';

export const VERIFY_CODES: readonly FindingCode[] = [
  {
    code: 'ECS601',
    title: 'The image does not build',
    defaultSeverity: 'blocking',
    help: 'The build of the deployed stage failed at the line named. Run the same build by hand (the engine and its arguments are in the --json result), fix the instruction, and verify again. When the failure is a base image or registry that is unreachable from this machine, it is not the Dockerfile\'s fault: build where the images are reachable.',
  },
  {
    code: 'ECS602',
    title: 'The container runs as root',
    defaultSeverity: 'blocking',
    help: 'The image\'s runtime user is root. Add a non-root USER to the deployed stage (the dockerfile-non-root transform does it, handing the paths the process writes to that user).',
    fixedBy: 'dockerfile-non-root',
  },
  {
    code: 'ECS603',
    title: 'A path the process writes is not writable by its user',
    defaultSeverity: 'blocking',
    help: 'The repo model or the image says the process writes this path at run time (a log directory, a cache, a VOLUME, static files), and the runtime user cannot write it. Create the path and hand it to the user before USER (`RUN mkdir -p <path> && chown <user>:<group> <path>`, or `COPY --chown` of the tree it lives in).',
  },
  {
    code: 'ECS604',
    title: 'The start command\'s program is not in the image',
    defaultSeverity: 'blocking',
    help: 'A program the image\'s CMD/ENTRYPOINT runs is not on the runtime user\'s PATH in the deployed stage. Install it in that stage, copy it from the stage that has it, or call it by its full path.',
  },
  {
    code: 'ECS605',
    title: 'The entry file or module is not in the image',
    defaultSeverity: 'blocking',
    help: 'The file or module the start command loads is not in the deployed stage (or the runtime user cannot read it). Copy the build output into the runtime stage at the path the CMD names, relative to the WORKDIR.',
  },
  {
    code: 'ECS606',
    title: 'The HEALTHCHECK cannot run in the image',
    defaultSeverity: 'blocking',
    help: 'The HEALTHCHECK\'s program is not in the image, its shell line does not parse, or it reads PORT while neither the image nor compose sets PORT. Probe with a program the image has (node, python, busybox wget) and set PORT in the image (the dockerfile-healthcheck-env and dockerfile-port-env transforms do both).',
    fixedBy: 'dockerfile-healthcheck-env',
  },
  {
    code: 'ECS607',
    title: 'A workspace package the service imports does not resolve',
    defaultSeverity: 'blocking',
    help: 'From the WORKDIR, as the runtime user, `require.resolve` cannot find a workspace package the service depends on: the runtime stage lacks it or its node_modules link. Copy the package (its package.json and build output) into the runtime stage and install or link it where the service resolves it.',
  },
  {
    code: 'ECS608',
    title: 'The process died of a permission error at start',
    defaultSeverity: 'blocking',
    help: 'Started as its runtime user, the process exited with EACCES/EPERM/"Permission denied" (usually a directory it creates or writes under a root-owned WORKDIR). Hand that path to the user before USER, whatever the model predicted, and tell the ecsfix maintainers what the model missed.',
  },
  {
    code: 'ECS609',
    title: 'The process died at start: a file or module is missing',
    defaultSeverity: 'blocking',
    help: 'Started as its runtime user, the process exited because a file, module or program it needs is not in the image. Copy it into the deployed stage.',
  },
  {
    code: 'ECS610',
    title: 'The process stopped for a reason outside the image',
    defaultSeverity: 'info',
    help: 'The process exited because it could not reach something outside the image (a database, broker or other service): verify starts it with no network of its own to reach them. Or it exited on a variable compose leaves empty because the variable it is taken from is unset here and has no value in the env example file either (a secret whose compose default was removed). This is not a fault of the image; a service that must survive a slow dependency should retry instead of exiting, and the variable must be set where the service runs.',
  },
  {
    code: 'ECS611',
    title: 'The process exited at start',
    defaultSeverity: 'blocking',
    help: 'The process exited with a non-zero code within the start window, and not because a host outside the image was unreachable: the service cannot run as built (a code-0 exit, a one-shot job, is only a note). Its last output line is in the message. Run the image by hand with the same environment to see why.',
  },
  {
    code: 'ECS612',
    title: 'The HEALTHCHECK failed while the process ran',
    defaultSeverity: 'warning',
    help: 'The HEALTHCHECK command ran once while the process was running and did not succeed. The process may need more time or a dependency verify does not start; check that the probe targets the port and path the server really serves.',
  },
  {
    code: 'ECS613',
    title: 'A check could not run inside the image',
    defaultSeverity: 'warning',
    help: 'Verify could not run its checks in the image (no shell, or the engine refused to run a command): the image built, but nothing was established about its user, written paths or entry file.',
  },
  {
    code: 'ECS614',
    title: 'The running process reported a permission error',
    defaultSeverity: 'warning',
    help: 'The process kept running but printed a permission error (often a logger that could not open its file). Hand the path it names to the runtime user.',
  },
  {
    code: 'ECS615',
    title: 'The image has no start command',
    defaultSeverity: 'blocking',
    help: 'The image has neither CMD nor ENTRYPOINT in its deployed stage, so the container has nothing to run. Add the CMD the service starts with.',
  },
  {
    code: 'ECS616',
    title: 'The HEALTHCHECK is answered with a client error',
    defaultSeverity: 'blocking',
    help: 'While the process ran, the server answered the HEALTHCHECK\'s request with a 4xx status (404: no such route), twice: the probe reaches the server but asks for a path or port it does not serve, so the container is never healthy, however long it runs. Point the probe (and the target group\'s health check path) at the route the server serves.',
  },
];
