/** Finding codes for the static build check (ECS5xx): what `docker build` or the first start would trip over. */
import type { FindingCode } from './finding.js';

export const BUILD_CHECK_CODES: readonly FindingCode[] = [
  {
    code: 'ECS501',
    title: 'COPY --from names no earlier stage',
    defaultSeverity: 'blocking',
    help: '`COPY --from=<name>` must name a stage defined above it (or an image). A typo or a stage defined later makes `docker build` fail or pull an image of that name; point it at the right stage.',
  },
  {
    code: 'ECS502',
    title: 'COPY source is not in the build context or the stage it copies from',
    defaultSeverity: 'blocking',
    help: 'A COPY source that is outside the build context, matches no file in it, or that the stage it copies from never creates, makes `docker build` fail. Fix the path, the build context (compose `build.context`), or the stage that should produce it. Where the stage copied from runs a command the check cannot follow, or a build whose output directory its config does not establish (tsc reads the tsconfig\'s `outDir`, following relative `extends`; `vite build` vite.config\'s literal `build.outDir`; `next build` makes .next/standalone when next.config sets `output: \'standalone\'`), the check cannot confirm the path either way and says so as info. A COPY of a build output the repo declares a build outside the Dockerfile makes (an Nx project.json `outputPath`, a tsconfig or vite outDir) and does not commit is a warning: the image builds once that build has run, not from a clean checkout.',
  },
  {
    code: 'ECS503',
    title: 'The image command runs a file the image does not contain',
    defaultSeverity: 'blocking',
    help: 'The deployed stage\'s CMD or ENTRYPOINT names a script or entry file that no COPY or build step puts at that path, so the container exits at start. Copy the file (usually the build output) into the runtime stage, or fix the path. Where the stage runs a command the check cannot follow, it cannot confirm either way and says so as info.',
  },
  {
    code: 'ECS504',
    title: 'A workspace package the service imports is missing from the image',
    defaultSeverity: 'blocking',
    help: 'The service depends on a workspace package whose built files are not in the deployed stage, so the first `require`/`import` of it fails at start. Copy the package (and its build output) into the runtime stage. Where the stage runs a command the check cannot follow, it cannot confirm either way and says so as info.',
  },
  {
    code: 'ECS508',
    title: 'The dependency install does not cover the service\'s package.json',
    defaultSeverity: 'blocking',
    help: 'The service runs from a directory whose node_modules come only from an npm or yarn install that does not install its package.json: a workspace root\'s install whose `workspaces` globs do not include where the image put the service (copied to /app/poller while the globs say services/*), or the install of another package. yarn and npm then succeed without installing the service\'s dependencies, and the first `require` fails at start with MODULE_NOT_FOUND. Copy the service to the path its workspace glob matches (services/<name>), or install in its own directory. Blocking when the install installs nothing at all; a warning when the packages it covers declare dependencies that may pull the service\'s in; info when the stage runs a command the check cannot follow.',
  },
  {
    code: 'ECS509',
    title: 'npm ci runs where the image has no lockfile',
    defaultSeverity: 'blocking',
    help: 'A RUN runs `npm ci` in a directory where the image holds a package.json but no package-lock.json (or npm-shrinkwrap.json): npm ci exits with "can only install with an existing package-lock.json" and the build fails. Copy the lockfile in with package.json before the install; in npm workspaces the one package-lock.json is at the workspace root, so build from the root, copy the root package.json and package-lock.json, and install with `npm ci -w <package>`. Where the stage runs a command the check cannot follow, it cannot confirm either way and says so as info.',
  },
  {
    code: 'ECS505',
    title: 'The deployed stage runs as root',
    defaultSeverity: 'blocking',
    help: 'A container that runs as root turns any code-execution bug into root in the container; the audits this tool follows list it as a required fix, so `check` blocks on it. Run the final stage as an unprivileged user.',
    fixedBy: 'dockerfile-non-root',
  },
  {
    code: 'ECS510',
    title: 'The non-root user cannot write a directory the process writes',
    defaultSeverity: 'blocking',
    help: 'The deployed stage already runs as a non-root USER, but a directory the process writes (a log or upload directory its code creates, its working directory, a VOLUME) is owned by root as the image builds it: a WORKDIR or COPY made it as root, and a `COPY --chown` into it re-owns what it copies, not the directory itself. A VOLUME on a path no step creates gets a mount point Docker creates as root. The write fails with EACCES. Create the directory and chown it to the runtime user in a RUN before USER (or copy it in with `--chown`). Said only when the image model establishes that root owns it.',
  },
  {
    code: 'ECS506',
    title: 'The image command runs a package manager the image does not have',
    defaultSeverity: 'blocking',
    help: 'The deployed stage\'s CMD or ENTRYPOINT starts pnpm (or yarn), but its base image does not ship it and no RUN of that stage or the stages it is built FROM installs it: installing it in a builder stage does not carry over to a runner stage built FROM a fresh image, so the container exits at start. Add `RUN corepack enable` to the runtime stage (on node 24 and older; node 25+ images have no corepack: `RUN npm install -g pnpm`), or start the app without the package manager (`node dist/main.js`, `node_modules/.bin/next start`).',
  },
  {
    code: 'ECS515',
    title: 'The image starts a script the repo has without the exec bit',
    defaultSeverity: 'blocking',
    help: 'The deployed stage\'s ENTRYPOINT (or the CMD of an image with no entrypoint) runs a script copied from the build context, and the repo records that file as not executable (git mode 100644, common for files edited on Windows or created by an editor). COPY keeps the mode, so exec fails with "permission denied" and the container never starts. Commit the file executable (`git update-index --chmod=+x <file>`), copy it with `COPY --chmod=755`, or run it through its shell (`ENTRYPOINT ["sh", "/usr/local/bin/entrypoint.sh"]`). Nothing is reported when a chmod in the stage chain or a --chmod on the COPY may set the mode.',
  },
  {
    code: 'ECS507',
    title: 'A RUN calls corepack on a node image that has none',
    defaultSeverity: 'blocking',
    help: 'Node.js stopped distributing corepack with version 25, so the official node 25+ images do not have it and `corepack enable` / `corepack prepare` fail the build with "corepack: not found". Install pnpm with `npm install -g pnpm@<version>` (npm still ships), or `npm install -g corepack` first. A tag that names no major (`node:lts`, `node:alpine`) is reported as info: which major it pulls decides.',
  },
];
