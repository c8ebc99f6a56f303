/**
 * Finding codes for the readiness checks of `ecsfix check` (ECS4xx): what a hand-written ECS
 * readiness audit finds that no transform rewrites safely. `fixedBy` names the transform that fixes
 * a finding where one can (it is then set on the finding only while that transform has a pending
 * change for it).
 */
import type { FindingCode } from './finding.js';

export const READINESS_CODES: readonly FindingCode[] = [
  {
    code: 'ECS401',
    title: 'Exits at start when a dependency is missing',
    defaultSeverity: 'blocking',
    help:
      'The process calls process.exit with a non-zero code when its start-up fails, and start-up connects to a dependency (MongoDB, Redis, Kafka, Postgres) or requires an environment variable. On ECS a slow or briefly unreachable dependency, or a variable the task definition does not set, then crashes the task in a restart loop. Connect in the background with retry and backoff (an HTTP service should listen first so /health answers), or document the variable as required and set it in the task definition. The same holds for a Python ASGI app (FastAPI, Starlette) whose lifespan or startup handler connects to a datastore before it serves (`async with engine.begin()` to create tables): when that fails uvicorn exits, and under gunicorn the UvicornWorker fails to boot and the master exits; connect lazily or with retries, and create tables in a one-off migration task.',
    fixedBy: 'listen-before-mongo',
  },
  {
    code: 'ECS402',
    title: 'Port helper throws at module load when PORT is unset',
    defaultSeverity: 'warning',
    help:
      'A helper called at module top level throws when neither the service-specific port variable nor PORT is set, so the process exits before it listens. Set ENV PORT in the image (dockerfile-port-env does) and PORT in the task definition, or give the helper a default.',
    fixedBy: 'dockerfile-port-env',
  },
  {
    code: 'ECS403',
    title: '/ready used as the health check path',
    defaultSeverity: 'blocking',
    help:
      'A readiness route checks the databases; used as the container or ALB health check, a slow dependency marks every task unhealthy and ECS replaces them all. Probe the liveness route (/health) and keep /ready for dependency checks.',
    fixedBy: 'dockerfile-healthcheck-env',
  },
  {
    code: 'ECS404',
    title: 'Base image on :latest or untagged',
    defaultSeverity: 'warning',
    help:
      'FROM without a tag (or with :latest) builds a different image whenever upstream moves, so two deployments of the same commit can differ. Pin a version tag (node:20-alpine, python:3.12-slim), or a digest.',
  },
  {
    code: 'ECS405',
    title: 'engines.node is not satisfied by the base image',
    defaultSeverity: 'warning',
    help:
      'package.json declares a Node version range the image\'s Node does not satisfy: the code may use APIs the runtime lacks, and installs with engine-strict fail. Move the image to a Node major inside the range, or correct the range.',
  },
  {
    code: 'ECS406',
    title: 'Compose-only hostname in the environment',
    defaultSeverity: 'warning',
    help:
      'The value names another compose service (http://kafka:9092, course-service:3005), in the environment or in the compose command/entrypoint the task definition carries (`rq worker --url redis://redis:6379/0`). Compose resolves that name on its network; ECS does not. Set the variable (or the command) in the task definition to the service-discovery name, internal load balancer or managed endpoint (MSK, ElastiCache, RDS).',
  },
  {
    code: 'ECS407',
    title: 'Development server as the image command',
    defaultSeverity: 'blocking',
    help:
      'The image (or the compose command the task definition runs) starts a development server (manage.py runserver, npm run dev, vite, nodemon, uvicorn or gunicorn --reload, nx serve, turbo dev, node/tsx/nest watch modes): single-threaded or reloading, with debug behaviour, not meant for production traffic. Start the production server instead (gunicorn, uvicorn without --reload, node dist/index.js, nginx serving the build).',
  },
  {
    code: 'ECS408',
    title: 'Health check calls curl or wget in an image without it',
    defaultSeverity: 'blocking',
    help:
      'The health check runs curl or wget, which the image does not contain (slim images ship neither; alpine has busybox wget but no curl), so the check always fails and the container is marked unhealthy. Probe with the runtime the image has (node -e, python -c, busybox wget), or install the tool.',
    fixedBy: 'dockerfile-healthcheck-env',
  },
  {
    code: 'ECS416',
    title: 'Compose bind-mounts a repo file the image does not contain',
    defaultSeverity: 'warning',
    help:
      'A compose file a deployment uses mounts a file of the repo into the container (`./proxy/default.conf:/etc/nginx/conf.d/default.conf:ro`), and the image does not COPY it to that path. ECS tasks have no bind mounts from the repo, so on ECS the container runs with whatever the image has there (for nginx, the stock welcome page, which still answers the ALB). COPY the file into the image, or load it at start from S3 or SSM Parameter Store. Mounts of the local-development layer (docker-compose.override.yml with a dev stage, docker-compose.dev.yml) are not reported.',
  },
  {
    code: 'ECS415',
    title: 'Django redirects the health check to HTTPS',
    defaultSeverity: 'blocking',
    help:
      'SECURE_SSL_REDIRECT is on (True, or `not DEBUG` with DEBUG False) and SECURE_REDIRECT_EXEMPT does not match the health path. ALB health checks and the container probe are plain HTTP without X-Forwarded-Proto, so Django\'s SecurityMiddleware answers 301 and the targets never turn healthy. Add the health path to SECURE_REDIRECT_EXEMPT (a regex on the path without its leading slash).',
  },
  {
    code: 'ECS414',
    title: 'Server listens on a loopback address',
    defaultSeverity: 'blocking',
    help:
      'The server binds localhost or 127.0.0.1 (as written in its listen call, as the fallback of a HOST variable nothing sets, or by Fastify\'s default when listen names no host). In awsvpc mode the ALB and the other tasks connect to the task\'s IP, which a loopback socket refuses, while a container HEALTHCHECK on localhost still passes: the targets never turn healthy. Listen on 0.0.0.0.',
  },
  {
    code: 'ECS409',
    title: 'Service listens on another port than the one declared',
    defaultSeverity: 'blocking',
    help:
      'The code listens on a port other than the one the Dockerfile (EXPOSE, ENV PORT) or compose declares, so the task definition\'s port mapping, the ALB target group and the health check would all probe a port nothing listens on. Make the server read PORT, or declare the port it really uses.',
  },
  {
    code: 'ECS410',
    title: 'Database migrations run at every container start',
    defaultSeverity: 'warning',
    help:
      'The CMD, ENTRYPOINT or entrypoint script runs the migrations (manage.py migrate, prisma migrate deploy, alembic upgrade, flask db upgrade, knex/sequelize/typeorm, with any options between the tool and its subcommand: `flask --app wsgi db upgrade`, `alembic -c alembic.ini upgrade head`), directly or in the package.json script it runs through npm/pnpm/yarn (npm\'s `pre<script>` hook included). On ECS every task runs it: several tasks migrate at once on each deploy and scale-out, and a failing migration restarts the tasks in a loop. Run migrations once per deploy, as a one-off ECS task (or a CI step) before the service update, and start only the server in the image. A compose service another one waits to complete (ECS419) is such a one-off task already and is not reported.',
  },
  {
    code: 'ECS417',
    title: 'The start command needs the database before the server runs',
    defaultSeverity: 'blocking',
    help:
      'The CMD, ENTRYPOINT or compose command (or the package.json script it runs, or that script\'s npm `pre<script>` hook) runs the migrations and starts the server only when they succeed (`prisma migrate deploy && node server.js`). A migration exits non-zero when the database is unreachable, so while the database is down or slow the server never starts and the container exits at start: ECS replaces the task, and the new one exits the same way. A listen-first start-up in the code (listen-before-mongo) does not change that. Run migrations once per deploy as a one-off ECS task (ECS410) and start only the server in the image.',
  },
  {
    code: 'ECS418',
    title: 'A compose volume is shared by deployed services',
    defaultSeverity: 'warning',
    help: 'Two services of a compose project mount the same named volume (a Django admin collecting static files that nginx serves, an upload directory a worker reads). Each ECS service runs as its own task, and a compose volume has no Fargate counterpart but EFS: on ECS each container gets its own empty directory there, so nothing one writes reaches the other (nginx answers 404 for every static file). Bake the files into the image that serves them (a build stage that makes them), serve them from the service that makes them (whitenoise for Django), or mount one EFS file system in each task definition. Volumes only the local-development layer or a development profile uses are not reported.',
  },
  {
    code: 'ECS419',
    title: 'A compose service runs to completion: a one-off task on ECS',
    defaultSeverity: 'info',
    help: 'Another compose service waits for this one to exit successfully (`depends_on: {migrate: {condition: service_completed_successfully}}`), or its compose command is only a migration (`command: npx prisma migrate deploy`) and it publishes no port: it is a job (migrations, table creation, a seed), not a long-running service. On ECS run it once per deploy as a one-off task (`aws ecs run-task`, or a step of the deploy pipeline) before the new tasks of the services that wait for it start. Deployed as an ECS service, the scheduler would start it again every time it exits, and the order compose gave it would be lost. Such a job serves no traffic: its task definition has no port mapping, healthCheck or target group, ECS410 and the port and health-check findings of a long-running server do not apply to it, and an image it shares with an HTTP service still gets that service\'s HEALTHCHECK (nothing probes the job).',
  },
  {
    code: 'ECS420',
    title: 'A NestJS database module connects before the server listens',
    defaultSeverity: 'warning',
    help: 'TypeOrmModule, MongooseModule, SequelizeModule or MikroOrmModule (forRoot/forRootAsync) connects while NestFactory.create() initialises the modules, before app.listen(). With the database down or slow, start-up fails after the module\'s retries (TypeORM: 9 attempts 3 s apart) and the task never answers its health check, so ECS replaces it in a loop. Make the connection lazy (TypeORM: `manualInitialization: true`, then initialize the DataSource with retries after listen), or accept that the service cannot start without its database. ecsfix does not rewrite module configuration.',
  },
  {
    code: 'ECS421',
    title: 'The entrypoint script\'s interpreter is not in the image',
    defaultSeverity: 'blocking',
    help: 'The ENTRYPOINT execs a script whose first line (`#!/bin/bash`, `#!/usr/bin/env bash`) names an interpreter the deployed image does not have: Alpine images have no bash unless a RUN installs it, and distroless images have no shell at all. exec then fails with "no such file or directory" and the container never starts (on ECS the task stops with exit 255). Install the interpreter in the deployed stage (`apk add --no-cache bash`), or write the script for the shell the image has (`#!/bin/sh`). Said only for those two cases, which the base image alone establishes.',
  },
  {
    code: 'ECS422',
    title: 'The start command puts the server in the background',
    defaultSeverity: 'blocking',
    help: 'The last command the container runs starts its server as a daemon and returns: `gunicorn --daemon`, `uwsgi --daemonize`, `pm2 start` (without --no-daemon). Nothing stays in the foreground, so the container\'s main process exits right after start; ECS stops the task and starts another, over and over, and no signal ever reaches the server. Run the server in the foreground: drop --daemon/--daemonize (the server then logs to stdout/stderr, which the awslogs driver sends to CloudWatch; a --logto file is seen by nothing), use `pm2-runtime` instead of `pm2 start` (and give the app a kill_timeout: pm2 kills it 1.6 s after SIGINT by default). Read from the compose command the task definition carries, the image\'s ENTRYPOINT and CMD (through tini, dumb-init and exec) and the package.json script they run; the same options in the config the server reads (gunicorn.conf.py `daemon = True`, uwsgi.ini `daemonize`) count. A command after the detaching one (`pm2 start dist/index.js && pm2 logs`, `… && tail -f log`, also in an ENTRYPOINT script) keeps the container up but is reported too, as a warning: that command, not the server, is the container\'s foreground process, so the SIGTERM of an ECS stop reaches `pm2 logs` and never the server, which is SIGKILLed without its shutdown when the container exits. `exec pm2 logs` does not change that (this shape is ECS422, not ECS140, for that reason); run the server in the foreground instead of both commands (`pm2-runtime start dist/index.js`).',
  },
  {
    code: 'ECS411',
    title: 'nginx proxies to a compose-only hostname',
    defaultSeverity: 'blocking',
    help:
      'A proxy_pass (or an upstream server) in the configuration the nginx image loads names another compose service (http://api:3000). Compose resolves that name on its network; ECS does not, unless service discovery registers the same name, and nginx refuses to start when a proxy_pass host does not resolve. Point it at the name the service has on ECS (Cloud Map or Service Connect, an internal load balancer), or render it from a variable the task definition sets (an envsubst template).',
  },
  {
    code: 'ECS412',
    title: 'A localhost URL is built into a frontend bundle',
    defaultSeverity: 'warning',
    help:
      'A public build-time variable (VITE_*, NEXT_PUBLIC_*, REACT_APP_*, PUBLIC_* for SvelteKit/Astro), set by ARG, ENV or compose build.args, holds a localhost URL, and the image runs the framework\'s build after it: the value is inlined into the JavaScript the browsers download, so on ECS every user\'s browser calls its own machine. Build the image with the public URL the browsers reach (the ALB or the API\'s domain, passed as a build argument by CI), or have the bundle read it at run time (a config.js served by the container).',
  },
  {
    code: 'ECS413',
    title: 'Django\'s ALLOWED_HOSTS rejects the ALB health check',
    defaultSeverity: 'warning',
    help:
      'The ALB target group (and the task definition healthCheck) probe the Django service\'s health route; the ALB sends the task\'s private IP as the Host header, the container probe sends "localhost". Django answers 400 (DisallowedHost) to a Host not in ALLOWED_HOSTS, so the targets never turn healthy. Accept the task\'s IP (read it from the ECS task metadata endpoint, ECS_CONTAINER_METADATA_URI_V4, at start-up and append it to ALLOWED_HOSTS), or answer the health route in a middleware placed before CommonMiddleware so host validation does not apply to it.',
  },
];
