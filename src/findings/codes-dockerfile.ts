/**
 * Finding codes for Dockerfiles (ECS1xx), in blocks per transform: 101-107 port, 110-120
 * HEALTHCHECK, 121-130 user, 131-136 pnpm version, 141-149 lockfile, 150-152 images shared by
 * several services or compose projects, 160-166 worker multi-stage, 175-179 nginx as non-root.
 * A code with `fixedBy` is what that transform fixes: on a change it explains what was done.
 */
import type { FindingCode } from './finding.js';

const PORT_ENV = 'dockerfile-port-env';
const HEALTHCHECK = 'dockerfile-healthcheck-env';
const NON_ROOT = 'dockerfile-non-root';
const PNPM_PIN = 'dockerfile-pnpm-pin';
const FROZEN = 'dockerfile-frozen-lockfile';
const MULTISTAGE = 'dockerfile-worker-multistage';
const NGINX_NON_ROOT = 'dockerfile-nginx-non-root';

export const DOCKERFILE_CODES: readonly FindingCode[] = [
  // dockerfile-port-env
  {
    code: 'ECS101',
    title: 'HTTP service image declares no ENV PORT',
    defaultSeverity: 'info',
    help: 'Without `ENV PORT=<port>` in the runtime stage, the app, its HEALTHCHECK and the ECS port mapping can each assume a different port. Declaring it (and EXPOSE) gives them one port; a task definition can override it where the server reads PORT (where its code does not show that, the comment beside ENV PORT says so and PORT keeps the port the evidence gives).',
    fixedBy: PORT_ENV,
  },
  {
    code: 'ECS100',
    title: 'The image EXPOSEs no port',
    defaultSeverity: 'info',
    help: 'The runtime stage does not EXPOSE the port the server listens on. EXPOSE only documents it (ECS takes the port mapping from the task definition), so adding it changes nothing at run time; no ENV PORT is added where the server does not read PORT (see ECS107/ECS108).',
    fixedBy: PORT_ENV,
  },
  {
    code: 'ECS103',
    title: 'No port found for an HTTP service',
    defaultSeverity: 'warning',
    help: 'Neither compose, EXPOSE, a HEALTHCHECK URL nor a port default in the code says which port the service listens on. Add a compose port mapping or an EXPOSE, then run ecsfix again.',
  },
  {
    code: 'ECS108',
    title: 'The server reads its port from another variable than PORT',
    defaultSeverity: 'info',
    help: 'The code listens on a port read from another env variable (e.g. `process.env.SERVICE_PORT || 4004`). `ENV PORT` would change nothing, and a task definition that sets PORT would move a PORT-following HEALTHCHECK away from the server. No `ENV PORT` is added; the HEALTHCHECK follows that variable instead. Set it (not PORT) in the task definition to change the port.',
  },
  {
    code: 'ECS102',
    title: 'The server reads its listen address from a variable',
    defaultSeverity: 'info',
    help: 'The code listens on an address read from an env variable (Go `getEnv("SERVER_ADDRESS", ":8082")`). `ENV PORT` would change nothing, so none is added, and the HEALTHCHECK probes the default port. Set that variable (`":<port>"`, not PORT) in the task definition to change the port.',
  },
  {
    code: 'ECS104',
    title: 'Cannot establish that the server reads PORT',
    defaultSeverity: 'warning',
    help: 'The code that decides the port cannot be read (a language ecsfix does not read, or a Go/Rust start call whose port it cannot follow), and the Dockerfile shows nothing that reads PORT (no `${PORT}` in CMD, HEALTHCHECK or EXPOSE). Whether `ENV PORT` would have any effect is not established, so neither ENV PORT nor EXPOSE is added and the HEALTHCHECK keeps its port: make the server listen on $PORT, or keep the ECS port mapping at the port it really uses.',
  },
  {
    code: 'ECS105',
    title: 'EXPOSE does not include the service port',
    defaultSeverity: 'warning',
    help: 'The image exposes ports other than the one the service listens on. EXPOSE is documentation, but tools (and readers) take it for the truth: check which port the app listens on and make EXPOSE say it.',
  },
  {
    code: 'ECS106',
    title: 'CMD starts the server on a fixed port',
    defaultSeverity: 'warning',
    help: 'A command such as `uvicorn --port 8000` ignores PORT. The CMD is rewritten to `${PORT:-8000}` (exec form wrapped in `sh -c "exec …"` so the server still receives SIGTERM); verify the container starts as before.',
    fixedBy: PORT_ENV,
  },
  {
    code: 'ECS107',
    title: 'The server listens on a fixed port and never reads PORT',
    defaultSeverity: 'warning',
    help: 'The CMD, the code or a gunicorn config file the command reads (`-c <file>`, or `gunicorn.conf.py` in the working directory, with `bind = "0.0.0.0:8000"`), or the uWSGI ini file it runs with (`http-socket = :8000`), hard-codes the listening port (or the server starts on a default that ignores PORT: the `serve(app)` of @hono/node-server with no `port` option on 3000, `uvicorn` with no `--port` on 8000 or UVICORN_PORT, `waitress-serve` on 8080), so a PORT set by the task definition is ignored. Make the server read PORT (with the current port as fallback), or keep the ECS port mapping at the fixed port.',
  },
  {
    code: 'ECS109',
    title: 'The health route checks a dependency: it is a readiness route',
    defaultSeverity: 'warning',
    help: 'A health-named route whose handler queries a database, Redis or a broker and answers 503 when it is down, or pings a datastore at all (a "deep" check: `redis.ping()`, `mongoose.connection.db.admin().ping()`, `prisma.$queryRaw`, `pool.query(\'SELECT 1\')`, `sequelize.authenticate()`, Terminus `db.pingCheck`; a failed ping answers 500, a hung one times the probe out), is a readiness check. A container probe (HEALTHCHECK, ECS healthCheck) on it marks every task unhealthy at once when that dependency blips, and ECS replaces all of them. dockerfile-healthcheck-env and `check --format ecs` probe a shallow liveness route the service also serves (/health/live, /livez, /live, /ping) instead; when it has none, no HEALTHCHECK, container healthCheck or target group path is generated on it: an ALB whose targets all fail keeps routing to all of them, but ECS still replaces the tasks its target group reports unhealthy, so a deep target group path churns the tasks in the same outage. Add a liveness route (GET /health/live answering 200 without touching dependencies).',
  },
  // dockerfile-healthcheck-env
  {
    code: 'ECS110',
    title: 'HEALTHCHECK hard-codes the port',
    defaultSeverity: 'info',
    help: 'A HEALTHCHECK that probes a literal port fails as soon as the task definition sets another PORT. It now probes `${PORT:-<port>}`.',
    fixedBy: HEALTHCHECK,
  },
  {
    code: 'ECS111',
    title: 'No HEALTHCHECK: no health route ecsfix can read',
    defaultSeverity: 'warning',
    help: 'ecsfix found no health route in the code it reads (Express, Koa, Fastify, NestJS, Hono, Next.js route handlers, FastAPI, Flask, Django, aiohttp, Go root routers). Probing a route that may not exist marks a healthy container unhealthy, so no HEALTHCHECK is added. If the service serves a liveness route ecsfix does not read, add the HEALTHCHECK by hand on it; otherwise add one (GET /health answering 200 without touching databases), then run ecsfix again.',
  },
  {
    code: 'ECS137',
    title: 'No health path for the nginx image: its config answers 200 on no path ecsfix can establish',
    defaultSeverity: 'warning',
    help: 'ecsfix reads the nginx config the image starts with to find a path the ALB target group and the task definition healthCheck can probe: a liveness location that answers 200 by itself (`location = /healthz { return 200; }`), else `/` served from a static root the image fills. Here there is none: `/` is proxied (it answers what the upstream answers), falls to nginx\'s default root (`html` under the prefix: /etc/nginx/html, which the official image does not have, so 404), comes from a root nothing fills, or the health location answers another status; or the config itself is not established. A probe on a path that does not answer 200 keeps every target unhealthy, so no healthCheck and no target group are generated. Add a liveness location that returns 200 and run check again, or set both by hand.',
  },
  {
    code: 'ECS138',
    title: 'No HEALTHCHECK: the health route\'s mount prefix is not established',
    defaultSeverity: 'warning',
    help: 'The health route is registered on a Flask blueprint, FastAPI router or FastAPI sub-application whose mount ecsfix cannot follow (no register_blueprint/include_router/mount call it can trace, or a prefix or mount path that is not a string literal), a NestJS controller whose version or module path is not established (an `enableVersioning` version or options that are not literals, header or media-type versioning of a versioned route, which an ALB health check cannot select, a `RouterModule.register` routes array ecsfix cannot read or a controller no `@Module` lists), a JS router whose prefix is not established (a Fastify register prefix or a `new Router({ prefix })` that is not a string literal, a `this.router` member of a class assigned more than once, outside the constructor or conditionally, a Koa `router.prefix()` called conditionally or more than once, a koa-mount path, a Hono `basePath` or `app.route()` path that is not a string literal), or in a Next.js app whose basePath is not a string literal, so its URL is unknown. Probing the bare route path would answer 404 and mark the container unhealthy, so no HEALTHCHECK, task definition healthCheck or target group path is generated. Add the probe by hand on the full path.',
  },
  {
    code: 'ECS183',
    title: 'No probe: the health route is served by another server than the one on the probed port',
    defaultSeverity: 'warning',
    help: 'The service starts a second HTTP server (a management or metrics app: `const admin = express(); admin.get(\'/health\', ...); admin.listen(9091)`, or a class that starts two), and its health route is registered on that one. A probe of the route on the service\'s port answers 404, the container is marked unhealthy and ECS replaces every task. ecsfix attributes each route to the app it is registered on (through its router mounts) and each app to its listen call: a route of a second server that listens on a literal port is probed on that port (the HEALTHCHECK, the task definition healthCheck and the target group\'s HealthCheckPort); when that server\'s port is not a literal, or which server serves the route is not established, no HEALTHCHECK, healthCheck or target group path is generated on it. Add a liveness route to the main server, or set the probe by hand on the port of the server that serves it.',
  },
  {
    code: 'ECS184',
    title: 'No probe: the health route is behind authentication',
    defaultSeverity: 'warning',
    help: 'The health route is registered after middleware that authenticates every request it covers (`app.use(passport.authenticate(\'jwt\'))`, `app.use(jwt({ secret }))` of express-jwt, `app.use(requireAuth)` / `verifyToken` / `keycloak.protect()`), in a Fastify context with an `addHook(\'onRequest\', app.authenticate)`, or under a NestJS global guard (`app.useGlobalGuards(new JwtAuthGuard())`, an APP_GUARD provider) or `@UseGuards(JwtAuthGuard)`. A HEALTHCHECK, ECS healthCheck or ALB probe sends no credentials, gets 401 and ECS replaces every task, so none is generated on it. Only what clearly authenticates counts (the passport, express-jwt, koa-jwt, @fastify/jwt and keycloak-connect packages, names with auth/jwt/token/guard); exemptions count too: a route registered before the middleware, a middleware mounted on a prefix that does not cover the route, an `.unless({ path: [...] })` or inline check naming it, a `@Public()`-style decorator on the NestJS handler or controller. Register the health route before the authentication (or exempt it), then run ecsfix again.',
  },
  {
    code: 'ECS139',
    title: 'No HEALTHCHECK: the Next.js standalone server does not listen on localhost',
    defaultSeverity: 'warning',
    help: 'The standalone server.js of Next.js listens on $HOSTNAME, which Docker and ECS set to the container\'s host name, so a probe on localhost is refused and the container would be marked unhealthy. No HEALTHCHECK or task definition healthCheck is added (the ALB probes the task\'s IP and is unaffected). Set `ENV HOSTNAME=0.0.0.0` in the image, as the Next.js Docker example does, then run ecsfix again.',
  },
  {
    code: 'ECS140',
    title: 'Server CMD run through a shell: the shell is PID 1 and does not pass SIGTERM on',
    defaultSeverity: 'warning',
    help: 'Docker runs a shell-form CMD as `/bin/sh -c "<command>"`, and an exec-form `["sh", "-c", "<command>"]` runs the same shell. Debian\'s /bin/sh (dash) does not exec the last command, so the shell stays PID 1 and the SIGTERM of an ECS stop or deploy never reaches the server: it waits for the stop timeout and is SIGKILLed, cutting in-flight requests. The CMD becomes `CMD exec <same command>` (still shell form, so `${PORT}` still expands), or `["sh", "-c", "exec <same command>"]` in exec form, which makes the server PID 1. The same shell sits between the signal and the server in two places ecsfix reports without changing them: a package.json script the start command runs through npm/pnpm/yarn on a Debian-based image, whose server is the last command of a list (`"start:prod": "prisma migrate deploy && node dist/main"`: npm passes SIGTERM to that shell, and when the shell exits npm exits and node is SIGKILLed) or its only command (`"start": "node dist/main"`: dash does not exec that either); and an ENTRYPOINT script that starts the server without `exec`. Write `exec` before the server there. Not reported for the script on alpine, whose busybox ash execs a single command and the last command of a list, on another base whose shell is not established, or behind an init that signals the process group (dumb-init, `tini -g`), which reaches node anyway. A list whose earlier command puts the server in the background (`pm2 start dist/index.js && pm2 logs`) is ECS422, not ECS140: its last command is not the server, and `exec pm2 logs` would not help.',
    fixedBy: PORT_ENV,
  },
  {
    code: 'ECS112',
    title: 'No tool in the image to probe with',
    defaultSeverity: 'warning',
    help: 'The image has no node, python, wget or curl, so no HEALTHCHECK command can run in it. Add a small probe binary or declare the health check in the ECS task definition with a command the image can run.',
  },
  {
    code: 'ECS113',
    title: 'HTTP service image has no HEALTHCHECK',
    defaultSeverity: 'info',
    help: 'Without a health check, docker and compose cannot tell a hung server from a healthy one. A HEALTHCHECK on the service\'s health route is added, with a tool the image has and the port from PORT. ECS ignores it unless the task definition declares a healthCheck.',
    fixedBy: HEALTHCHECK,
  },
  {
    code: 'ECS114',
    title: 'Django may reject the probe\'s Host header',
    defaultSeverity: 'warning',
    help: 'Django answers 400 to a Host header not in ALLOWED_HOSTS, and a SECURE_SSL_REDIRECT answers 301: either marks the container unhealthy. Check that ALLOWED_HOSTS accepts "localhost" and that no HTTPS redirect applies to the health path.',
  },
  {
    code: 'ECS115',
    title: 'HEALTHCHECK NONE kept',
    defaultSeverity: 'info',
    help: 'The image disables its health check explicitly; ecsfix keeps that decision. Declare the health check in the ECS task definition instead.',
  },
  {
    code: 'ECS116',
    title: 'HEALTHCHECK inherited from an earlier stage',
    defaultSeverity: 'warning',
    help: 'The deployed stage inherits its HEALTHCHECK from the stage it is built on. ecsfix does not edit the parent stage for a child\'s sake; review the HEALTHCHECK there.',
  },
  {
    code: 'ECS117',
    title: 'HEALTHCHECK probes a readiness path',
    defaultSeverity: 'warning',
    help: 'A readiness path (/ready) usually checks databases, so the container is killed whenever a database is slow. A liveness probe must not depend on them: probe /health (add that route if the service has none). dockerfile-healthcheck-env moves the probe to the liveness route where the code defines one.',
  },
  {
    code: 'ECS118',
    title: 'HEALTHCHECK probes another port than the service listens on',
    defaultSeverity: 'warning',
    help: 'The HEALTHCHECK URL names a port the service does not listen on (by the repo model\'s evidence). It now falls back to the service port; check which one the app listens on.',
    fixedBy: HEALTHCHECK,
  },
  {
    code: 'ECS119',
    title: 'HEALTHCHECK runs a tool the image does not ship',
    defaultSeverity: 'warning',
    help: 'A probe with curl on an image without curl always fails, so the container is always unhealthy. The probe is rewritten with a tool the image has (node, python, busybox wget).',
    fixedBy: HEALTHCHECK,
  },
  {
    code: 'ECS120',
    title: 'HEALTHCHECK in a form ecsfix cannot rewrite',
    defaultSeverity: 'warning',
    help: 'The HEALTHCHECK runs a command ecsfix does not know, or is in exec form with no shell to expand ${PORT}, or hard-codes its port in a way that cannot be rewritten safely. Make it read PORT by hand, or set the port in the ECS healthCheck.',
  },
  // dockerfile-non-root
  {
    code: 'ECS121',
    title: 'The image runs as root',
    defaultSeverity: 'info',
    help: 'A container running as root turns any code-execution bug into root in the container. The deployed stage now ends with a USER: the repo\'s own convention, the base image\'s built-in user, or a new system user created with commands that fit the base image. The directories the process writes are made and owned by that user first: those of fs and Python file calls, and the file targets of the file-writing libraries ecsfix knows (winston, pino, log4js, bunyan, multer, Python logging, loguru), and the pid, log and socket files of the servers it starts (gunicorn and uWSGI options on the command line, in GUNICORN_CMD_ARGS, gunicorn.conf.py or uwsgi.ini; pm2 and its ~/.pm2; node profile directories). A library outside that list is not seen: verify the service starts and can write what it writes (`ecsfix verify`).',
    fixedBy: NON_ROOT,
  },
  {
    code: 'ECS122',
    title: 'The repo\'s user clashes with the base image\'s built-in user',
    defaultSeverity: 'info',
    help: 'The uid of the user the repo\'s other images create is already taken by the base image\'s own user, so that user is used instead.',
  },
  {
    code: 'ECS123',
    title: 'The app writes a directory whose place in the image is unknown',
    defaultSeverity: 'warning',
    help: 'The code writes a directory at run time, but no COPY shows where it lands in the image, so ecsfix cannot hand it to the new user. Make sure the runtime user can write it (`COPY --chown`, or `mkdir -p && chown` before USER).',
  },
  {
    code: 'ECS124',
    title: 'Compose mounts writable volumes into a service that no longer runs as root',
    defaultSeverity: 'warning',
    help: 'A bind mount keeps the host directory\'s ownership and a volume created before the change keeps its root ownership, so the new user may not be able to write them. Recreate or chown the volumes, or make the host directory writable by that uid.',
  },
  {
    code: 'ECS125',
    title: 'Web server image left as root',
    defaultSeverity: 'warning',
    help: 'nginx, httpd and caddy bind port 80 and write their pid, cache and rendered config under root-owned paths. For the official nginx image, dockerfile-nginx-non-root makes that change where it can be made consistently (or says why not). Otherwise switch to an unprivileged image (nginxinc/nginx-unprivileged), listen on a port >= 1024, and use that port in compose, the task definition and the ALB target group.',
  },
  {
    code: 'ECS126',
    title: 'Service listens on a port only root can bind',
    defaultSeverity: 'warning',
    help: 'A port below 1024 needs root. Move the service to a port >= 1024 (and update compose, the task definition and the target group), then run ecsfix again.',
  },
  {
    code: 'ECS127',
    title: 'Cannot create a user on this base image',
    defaultSeverity: 'warning',
    help: 'The base image is not alpine, debian or distroless, so ecsfix does not know which commands create a user on it. Add a non-root USER by hand.',
  },
  {
    code: 'ECS128',
    title: 'A shell-less image whose app writes directories stays root',
    defaultSeverity: 'warning',
    help: 'The app writes directories that must be handed to the user, and the image (distroless) has no shell to chown them. Copy those directories in with `COPY --chown=<user>`, then add the USER.',
  },
  {
    code: 'ECS129',
    title: 'The final stage ended with USER root',
    defaultSeverity: 'info',
    help: 'An explicit `USER root` at the end of the deployed stage undoes an earlier non-root user. It now ends as the non-root user.',
    fixedBy: NON_ROOT,
  },
  {
    code: 'ECS130',
    title: 'A stage built on the switched stage starts as root',
    defaultSeverity: 'info',
    help: 'A stage built FROM the switched stage inherits its USER, so its RUN steps would no longer run as root. It starts with `USER root` so they do.',
    fixedBy: NON_ROOT,
  },
  // dockerfile-pnpm-pin
  {
    code: 'ECS131',
    title: 'pnpm installed unpinned or at latest',
    defaultSeverity: 'info',
    help: '`pnpm@latest` or an unversioned pnpm gives every build whatever pnpm is newest, which may not read the lockfile the way it was written. It is pinned to the version the repo uses (root `packageManager`, the repo\'s other Dockerfiles, the lockfile format).',
    fixedBy: PNPM_PIN,
  },
  {
    code: 'ECS132',
    title: '--pnpm-version differs from packageManager',
    defaultSeverity: 'warning',
    help: 'corepack and pnpm itself follow the root package.json `packageManager` field; a different version on the command line makes the image and local installs disagree. Update `packageManager` to match.',
  },
  {
    code: 'ECS133',
    title: 'pnpm version comes from a variable with no pinned value',
    defaultSeverity: 'warning',
    help: 'The pnpm version is an ARG or ENV that resolves to `latest` or has no default, so it depends on the build command. Give the variable an exact version.',
  },
  {
    code: 'ECS134',
    title: 'No pnpm version to pin',
    defaultSeverity: 'warning',
    help: 'The repo does not say which pnpm it uses (no `packageManager` in the root package.json, no version pinned by its other Dockerfiles, no pnpm-lock.yaml to go by). Pass `--pnpm-version`, or add `"packageManager": "pnpm@<version>"`.',
  },
  {
    code: 'ECS135',
    title: 'pnpm install ecsfix cannot pin safely',
    defaultSeverity: 'warning',
    help: 'The unpinned pnpm install is written in a form ecsfix cannot rewrite without guessing. Pin it by hand.',
  },
  {
    code: 'ECS136',
    title: 'The repo\'s Dockerfiles disagree on the pnpm version',
    defaultSeverity: 'info',
    help: 'The other Dockerfiles pin different pnpm versions with no majority, so none of them is taken as the repo\'s version.',
  },
  // dockerfile-frozen-lockfile
  {
    code: 'ECS141',
    title: 'Dependencies installed without the lockfile',
    defaultSeverity: 'info',
    help: '`npm install` / `pnpm install` without `--frozen-lockfile` resolves versions at build time, so two builds of the same commit can differ. The install now uses the lockfile exactly (`npm ci`, `pnpm install --frozen-lockfile`, `yarn install --frozen-lockfile` for yarn 1); a lockfile out of date with package.json now fails the build. Except in a yarn 1 workspace: yarn 1 enforces `--frozen-lockfile` only for the root package.json, and a dependency a workspace package adds without updating yarn.lock still installs, unpinned (yarnpkg/yarn#5840).',
    fixedBy: FROZEN,
  },
  {
    code: 'ECS142',
    title: 'yarn install does not enforce yarn.lock',
    defaultSeverity: 'warning',
    help: 'Add `--frozen-lockfile` (yarn 1) or `--immutable` (yarn 2+). ecsfix adds `--frozen-lockfile` itself for a yarn.lock written by yarn 1; for a yarn 2+ lockfile it leaves the line as is, since which yarn the image runs (the base image\'s yarn 1, or the repo\'s own through corepack or `yarnPath`) decides which flag it understands.',
  },
  {
    code: 'ECS143',
    title: 'The install opts out of the lockfile explicitly',
    defaultSeverity: 'warning',
    help: 'A flag such as `--no-frozen-lockfile` or `--no-package-lock` says the build should not use the lockfile; ecsfix keeps that decision. Builds may install versions the lockfile does not pin.',
  },
  {
    code: 'ECS144',
    title: 'Cannot tell whether the lockfile is in the image',
    defaultSeverity: 'warning',
    help: 'The COPY that would bring the lockfile uses a variable or an unknown build context, or copies a source the build context does not have (a build output such as dist/apps/x made before `docker build`), so what it brings cannot be read. Make the install use the lockfile by hand.',
  },
  {
    code: 'ECS145',
    title: 'npm install in a pnpm or yarn repo',
    defaultSeverity: 'warning',
    help: 'There is no package-lock.json, so npm resolves every version at build time and ignores pnpm-lock.yaml or yarn.lock; patching it to `npm ci` cannot work without a second, competing lockfile. Build the image with the package manager the repo locks with: pnpm (pnpm-lock.yaml, `pnpm install --frozen-lockfile`; for a worker, dockerfile-worker-multistage does this) or yarn (yarn.lock, `yarn install --frozen-lockfile` on yarn 1, `--immutable` on yarn 2+). An npm install that is only the fallback of a yarn install in the same RUN (`yarn install || npm install`) is reported as info: drop the fallback so a failed yarn install fails the build.',
  },
  {
    code: 'ECS146',
    title: 'npm install runs without any lockfile',
    defaultSeverity: 'info',
    help: 'There is no lockfile npm can read next to the package.json the image gets, so versions are resolved at build time. Commit a package-lock.json (or install with the package manager the repo locks with), then run ecsfix again.',
  },
  {
    code: 'ECS147',
    title: 'The lockfile cannot be brought into the image',
    defaultSeverity: 'warning',
    help: 'No COPY before the install brings package.json in a form ecsfix can extend, or the build context has no lockfile next to it (in npm workspaces the one package-lock.json is at the workspace root, outside a per-service build context: build from the root and install with `npm ci -w <package>`). Copy the lockfile before the install and make the install frozen by hand.',
  },
  {
    code: 'ECS148',
    title: 'package.json is edited before the install',
    defaultSeverity: 'warning',
    help: 'A RUN edits package.json after it is copied, so a frozen install would fail on it. Install from the lockfile before editing the manifest, or keep the edit out of the image.',
  },
  {
    code: 'ECS149',
    title: 'Lockfile copied with package.json',
    defaultSeverity: 'info',
    help: 'The install could not use the lockfile because the image did not have it; it is now copied with package.json.',
    fixedBy: FROZEN,
  },
  // one image, several services or compose projects
  {
    code: 'ECS150',
    title: 'Compose projects disagree about the port of an image',
    defaultSeverity: 'warning',
    help: 'Two compose projects build this Dockerfile for the same service with different ports, so ecsfix cannot tell which one is deployed. Make them agree (or remove the stale one), then run ecsfix again.',
  },
  {
    code: 'ECS151',
    title: 'One image built for several services on different ports',
    defaultSeverity: 'warning',
    help: 'Several compose services build this Dockerfile and listen on different ports: a PORT baked into the image would be wrong for some of them. Set PORT per service in each task definition.',
  },
  {
    code: 'ECS152',
    title: 'One image run with several commands: no HEALTHCHECK baked in',
    defaultSeverity: 'warning',
    help: 'Several services run this image with different commands (an API and a worker). A HEALTHCHECK in the image probes every one of them; a process that does not serve the route would be marked unhealthy and restarted. Declare the probe per service instead. A job another service waits to complete (ECS419) does not count: nothing probes it.',
  },
  {
    code: 'ECS153',
    title: 'The lockfile is not committed: no frozen install',
    defaultSeverity: 'warning',
    help: 'The Dockerfile copies (or would copy) a lockfile that a fresh clone does not have: it is git-ignored or untracked. COPY fails from a clone, so the image cannot promise the versions it pins. Commit the lockfile, then make the install frozen.',
  },
  {
    code: 'ECS154',
    title: 'The lockfile is out of sync with package.json: no frozen install',
    defaultSeverity: 'warning',
    help: '`npm ci` refuses to install when package-lock.json does not satisfy package.json, `pnpm install --frozen-lockfile` when pnpm-lock.yaml has no importer for a project or records other specifiers than its package.json, and `yarn install --immutable` (yarn 2+) or `--frozen-lockfile` (yarn 1, for the workspace root) when yarn.lock has no entry for a dependency; yarn 1 installs a workspace package\'s unlocked dependency anyway, at a version resolved at build time (yarnpkg/yarn#5840). The install is left as is: run `npm install` / `pnpm install` / `yarn install`, commit the lockfile, then run ecsfix again.',
  },
  {
    code: 'ECS155',
    title: 'The process writes where ecsfix cannot tell: the image stays root',
    defaultSeverity: 'warning',
    help: 'The code (or its start command) writes to a path ecsfix cannot resolve (built from a parameter or a call, or from `__dirname` in a TS file, whose compiled output runs from elsewhere, or in a file the image holds in no place a COPY of the build context shows), uses a file-writing library configured in a way ecsfix does not read (a log4js/bunyan/Python logging file target, or a multer upload destination, taken from a config file or a module it does not follow), or writes to a relative path while the directory the start command runs the process in is not established (`npm start -w $APP`, `cd "$DIR" && node x`, a workspace the repo does not have); the finding is then on the start command\'s line. Switching to a non-root user could make that write fail at run time, so the image is left as root. Make the directory owned by the runtime user (mkdir -p && chown before USER), then add USER.',
  },
  {
    code: 'ECS156',
    title: 'A VOLUME before the last RUN step: the image stays root',
    defaultSeverity: 'warning',
    help: 'A new volume takes its mount point\'s ownership from the image, so the mount point must be chowned before the VOLUME line; the classic builder discards changes a later RUN makes under it. Move the VOLUME line to the end of the stage, then run ecsfix again.',
  },
  {
    code: 'ECS157',
    title: 'An image that cannot build or start is left as root',
    defaultSeverity: 'warning',
    help: 'The static build check finds that the image, as it is, cannot build or start (a COPY source missing, the CMD\'s file or program not in the image, a workspace package or the service\'s dependencies missing at runtime), so a USER change now would edit an image that has to be fixed or rewritten first. Fix what the build check names (its finding is on the line given), then run ecsfix again.',
  },
  {
    code: 'ECS158',
    title: 'Packages or programs under root\'s home: the image stays root',
    defaultSeverity: 'warning',
    help: 'The deployed stage installs with `pip install --user` (or PIP_USER=1) as root, copies another stage\'s /root/.local (or a venv) under /root, or puts /root on PATH/PYTHONPATH. /root is mode 0700, so a non-root user could not run those programs or import those packages, and the start would fail. Install where every user can read (pip without --user, a venv under /opt, or `COPY --from=build /root/.local /usr/local`), then run ecsfix again.',
  },
  {
    code: 'ECS159',
    title: 'A base image with ONBUILD steps left as root',
    defaultSeverity: 'warning',
    help: 'ONBUILD steps run in every image built FROM this one, under the user it ends with; switching it to a non-root user could break them. Set the non-root USER in the images built from it.',
  },
  // dockerfile-worker-multistage
  {
    code: 'ECS160',
    title: 'Single-stage npm worker image in a pnpm monorepo',
    defaultSeverity: 'info',
    help: 'A worker built with `npm install` in one stage ignores pnpm-lock.yaml and ships its dev dependencies and sources. It is rewritten as a multi-stage pnpm build (deps -> builder -> runtime) in the shape the repo\'s HTTP services use.',
    fixedBy: MULTISTAGE,
  },
  {
    code: 'ECS161',
    title: 'Worker image not rewritten',
    defaultSeverity: 'warning',
    help: 'Something in the worker\'s Dockerfile or the repo makes a safe multi-stage rewrite impossible (the message says what). Rewrite it by hand or fix what is named and run ecsfix again.',
  },
  {
    code: 'ECS162',
    title: 'Verify the rewritten worker image',
    defaultSeverity: 'warning',
    help: 'The rewrite is behaviour-changing: build the image and run it once against a test broker; it must start the same command as the same kind of user and load its workspace packages.',
    fixedBy: MULTISTAGE,
  },
  {
    code: 'ECS163',
    title: 'Undeclared workspace packages kept in the worker image',
    defaultSeverity: 'info',
    help: 'The original image copied and built workspace packages the worker does not list in package.json (code that loads another package\'s build by relative path), so the rewrite keeps them.',
  },
  {
    code: 'ECS164',
    title: 'A step of the original worker image was dropped',
    defaultSeverity: 'info',
    help: 'The multi-stage build does what this step did another way (for example a global pnpm install replaced by corepack).',
  },
  {
    code: 'ECS165',
    title: 'Extra build steps kept in the builder stage',
    defaultSeverity: 'warning',
    help: 'Build steps the rewrite does not understand run in the builder stage. If they write files outside dist/, copy those into the runtime stage.',
  },
  {
    code: 'ECS166',
    title: 'Extra files copied on into the runtime image',
    defaultSeverity: 'info',
    help: 'Files the original image copied besides the workspace packages are copied into the builder and on into the runtime image.',
  },
  // which stage is deployed
  {
    code: 'ECS167',
    title: 'The compose file and its override build different stages',
    defaultSeverity: 'warning',
    help: 'docker-compose.yml and a docker-compose.override.yml that shows no development (no dev stage, no `NODE_ENV: development`, no dev-server command) build different stages (docker-compose.yml naming none builds the last or production-named stage) and neither is a dev stage, or docker-compose.yml builds a dev stage and the production layer merged on top of it (docker-compose.prod.yml) sets no target for the service, so which stage ECS deploys is not established; the Dockerfile is left unchanged. Set the deployed target in docker-compose.yml, or in the production layer, only (or name the override\'s stage like dev), then run ecsfix again.',
  },
  // dockerfile-nginx-non-root
  {
    code: 'ECS168',
    title: 'Which workspace package a shared image runs is not established: no change that depends on it',
    defaultSeverity: 'warning',
    help: 'One Dockerfile copies several workspace packages (`COPY apps/ apps/`, `COPY . .`) and its start command picks one at run time through a variable (`npm start --workspace=$WORKER`, `node apps/$APP/dist/main.js`, `sh -c "npm run start -w $SERVICE"`) whose value ecsfix cannot establish for the service: compose passes it from the caller\'s shell, an env file the repo does not have may set it, the projects that run the service disagree, or nothing sets it. What that package writes, reads and listens on is then not known, so the image is left as root and no port or worker change is made. A value fixed per service (an ENV default, compose `build.args` into an ARG that an ENV copies, compose `environment:`) is followed, and a change to the shared Dockerfile is made only when it is safe for every service built from it. Give the variable a value per service, or start the package by name, then run ecsfix again.',
  },
  {
    code: 'ECS175',
    title: 'nginx runs as its unprivileged nginx user on a port >= 1024',
    defaultSeverity: 'info',
    help: "The official nginx image starts as root to bind port 80. It now runs as the image's own `nginx` user: the pid file is in /tmp, the cache/temp directories (and conf.d, or NGINX_ENVSUBST_OUTPUT_DIR, where the entrypoint renders templates) are owned by nginx, and `listen` moved to 8080 together with EXPOSE, the compose port mapping, the HEALTHCHECK and the ECS task definition (`ecsfix check --format ecs`). Verify that the container starts and answers on 8080, and point the ALB target group at 8080.",
    fixedBy: NGINX_NON_ROOT,
  },
  {
    code: 'ECS176',
    title: 'nginx left as root: its configuration or start-up is not established',
    defaultSeverity: 'warning',
    help: "The config nginx starts with is not all in the repo (the image's own default.conf still loaded, a config written by a RUN, copied from another image or stage, an include of a file not in the repo, templates rendered into a directory given by a variable or not established by NGINX_ENVSUBST_OUTPUT_DIR) or the image does not start nginx through its entrypoint (a CMD/ENTRYPOINT that runs something else, scripts in /docker-entrypoint.d). Moving the port in one place only would break the server, so nothing changes. Put the config in the repo and COPY it, then run ecsfix again.",
  },
  {
    code: 'ECS177',
    title: 'nginx left as root: its listen port cannot be moved consistently',
    defaultSeverity: 'warning',
    help: 'A `listen` with a variable (`listen ${PORT}`), several server blocks on different ports, a server block without `listen`, a Unix socket or TLS (`ssl`) inside the container: ecsfix cannot move every listener to one port >= 1024 and the mappings with it. Make nginx listen on one fixed port (>= 1024 for a non-root user), then run ecsfix again.',
  },
  {
    code: 'ECS178',
    title: 'nginx left as root: compose cannot follow the port change',
    defaultSeverity: 'warning',
    help: 'The compose definition of the service overrides its command or entrypoint, maps the container port through a variable, disagrees with another compose project about it, or another service addresses it on its current port. Changing the image alone would leave compose pointing at a port nothing listens on. Settle the compose side first, then run ecsfix again.',
  },
  {
    code: 'ECS179',
    title: 'nginx left as root: its config names a user or writes where nginx cannot',
    defaultSeverity: 'warning',
    help: "The config's `user` directive names another user than the image's nginx, or a pid, temp, cache or log path lies outside /tmp, /var/cache/nginx and /var/log/nginx: a non-root nginx could not write it. Move those paths (e.g. to /tmp) or drop the user directive, then run ecsfix again.",
  },
  {
    code: 'ECS181',
    title: 'The lockfile is left out of the build context by .dockerignore',
    defaultSeverity: 'warning',
    help: 'The build\'s ignore file lists the lockfile (the Dockerfile\'s own `<Dockerfile>.dockerignore` when it has one, which BuildKit reads in place of the context\'s `.dockerignore`; else the context\'s), so `docker build` never sends it and no COPY can bring it into the image: the install resolves versions at build time although the repo locks them, and a frozen install (`npm ci`, `pnpm install --frozen-lockfile`) would fail the build. Remove the lockfile from that ignore file, then run ecsfix again to make the install frozen.',
  },
  {
    code: 'ECS180',
    title: 'No HEALTHCHECK: the server is a NestJS TCP or gRPC microservice, not HTTP',
    defaultSeverity: 'warning',
    help: 'The service\'s only server is `NestFactory.createMicroservice` on the TCP transport (Nest\'s default) or gRPC: it listens on its port but does not answer HTTP, so an HTTP HEALTHCHECK would mark it unhealthy, and an Application Load Balancer cannot route to it. No HEALTHCHECK, healthCheck or target group is generated. Reach it from the other services through ECS Service Connect (or an NLB), and check it with a TCP connect or a gRPC health check if it needs one.',
  },
  {
    code: 'ECS182',
    title: 'No HEALTHCHECK or ENV PORT: uWSGI serves the port over the uwsgi protocol, not HTTP',
    defaultSeverity: 'warning',
    help: 'The image runs uWSGI, and the port it serves is a `socket =` / `uwsgi-socket =` (ini file, `--socket`, UWSGI_SOCKET): that socket speaks the uwsgi binary protocol that nginx sends with `uwsgi_pass`, not HTTP. An HTTP request there is never answered with 200 (uWSGI logs "invalid request block size"), so an HTTP HEALTHCHECK, an ECS container healthCheck or an ALB target group on it would never pass and ECS would replace the task forever. No HEALTHCHECK, healthCheck, target group or ENV PORT is generated (uWSGI takes its sockets from its config, not PORT). Put the nginx frontend that `uwsgi_pass`es to it behind the ALB (probe nginx), or make uWSGI answer HTTP itself with `http-socket = :<port>` instead of `socket`, then run ecsfix again. When uWSGI\'s config cannot be read (a file the repo does not have, an `include`), which protocol the port speaks is not established, and the same is withheld.',
  },
  // any Dockerfile transform
  {
    code: 'ECS190',
    title: 'A change assumes a build ARG\'s default for the base image',
    defaultSeverity: 'warning',
    help: 'The base image is named through a build variable (`ARG NODE_VERSION=20-alpine`, `FROM node:${NODE_VERSION}`), and the change depends on which image that is (the commands that create a user, the tool a HEALTHCHECK probes with). ecsfix read it with the ARG\'s default (or a compose `${VAR:-default}` build arg), but a `--build-arg` a CI script passes is not in the repo: if the build passes another value (`3.12-slim` for `3.12-alpine`), the change may not fit the image it builds. Check what the build passes; if it is another variant, pass it in compose `build.args` (ecsfix reads those) or change the ARG\'s default, then run ecsfix again.',
  },
];
