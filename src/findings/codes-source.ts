/** Finding codes for TS/JS and Python sources (ECS3xx). */
import type { FindingCode } from './finding.js';

export const SOURCE_CODES: readonly FindingCode[] = [
  {
    code: 'ECS300',
    title: 'A source file does not parse',
    defaultSeverity: 'blocking',
    help: 'ecsfix cannot read this TypeScript/JavaScript file, so it changes nothing in it and withholds every change that depends on it. Fix the syntax error at the line named, then run ecsfix again.',
  },
  {
    code: 'ECS301',
    title: "A service URL defaults to another service's port",
    defaultSeverity: 'warning',
    help: 'The localhost fallback of a *_SERVICE_URL variable points at a port another service listens on, so local runs without the variable call the wrong service. The default now uses the port of the service the variable names.',
    fixedBy: 'service-url-defaults',
  },
  {
    code: 'ECS302',
    title: 'The port of the service a URL names is unknown',
    defaultSeverity: 'warning',
    help: 'The variable names a service of this repo, but ecsfix could not establish the port that service listens on, so the default was left as it is. Check it against the service.',
  },
  {
    code: 'ECS303',
    title: 'A URL variable names no service of this repo',
    defaultSeverity: 'info',
    help: 'The fallback URL belongs to a service ecsfix does not know (an external API, a service in another repo); its default is left alone.',
  },
  {
    code: 'ECS304',
    title: 'A localhost service URL fallback is used inside a container',
    defaultSeverity: 'warning',
    help: 'Inside a container (and on ECS, in another task) localhost is not the other service. The URL is now required at start-up when running in a container; set it in the ECS task definition (service discovery or an internal load balancer URL).',
    fixedBy: 'service-url-defaults',
  },
  {
    code: 'ECS305',
    title: 'A localhost URL fallback that nothing sets is used inside the container',
    defaultSeverity: 'warning',
    help: 'The variable names no service of this repo, and neither compose nor the image sets it for the service that reads it, so in the container (and on ECS) the localhost default applies: localhost is the container itself, not the service the URL is meant for. ecsfix cannot tell where that service runs, so it changes nothing; set the variable in the ECS task definition (the service discovery name or internal load balancer URL of that service).',
  },
  {
    code: 'ECS310',
    title: 'A worker does not stop its consumer on SIGTERM',
    defaultSeverity: 'blocking',
    help: 'ECS sends SIGTERM and kills the task 30 s later. A worker that ignores it leaves its Kafka/queue consumer in the group until the session times out, which delays rebalancing and reprocesses in-flight messages. The shutdown stops the consumer, closes the clients the file owns, and exits 0 before the stop timeout.',
    fixedBy: 'worker-graceful-shutdown',
  },
  {
    code: 'ECS311',
    title: 'A SIGTERM handler does not stop the consumer',
    defaultSeverity: 'blocking',
    help: 'The worker handles SIGTERM but leaves the consumer running (seed 001 B.1): the handler now stops it first and keeps what it did.',
    fixedBy: 'worker-graceful-shutdown',
  },
  {
    code: 'ECS312',
    title: 'The consumer cannot be stopped automatically',
    defaultSeverity: 'warning',
    help: 'ecsfix found a consumer but could not establish how to stop it (its type, the method its wrapper has, or where it lives), so it changed nothing. Add a SIGTERM handler that stops it and exits before the ECS stop timeout.',
  },
  {
    code: 'ECS313',
    title: 'NestJS shutdown hooks are not enabled',
    defaultSeverity: 'blocking',
    help: 'A provider closes the consumer in onModuleDestroy/beforeApplicationShutdown, but Nest runs those hooks on SIGTERM only after app.enableShutdownHooks().',
    fixedBy: 'worker-graceful-shutdown',
  },
  {
    code: 'ECS314',
    title: 'A Redis stream read blocks too long for a graceful stop',
    defaultSeverity: 'warning',
    help: 'The worker reads a Redis stream in a loop whose XREADGROUP/XREAD blocks until an entry arrives (BLOCK 0), longer than the stop timeout, or for a time ecsfix cannot establish. A stop flag would be seen only after the next entry, so ecsfix adds no shutdown. Use a BLOCK of a few seconds; then the loop can check a flag the SIGTERM handler sets.',
  },
  {
    code: 'ECS315',
    title: 'A connection-lost listener exits non-zero when the shutdown closes the connection',
    defaultSeverity: 'warning',
    help: 'The worker exits with a non-zero code from a close/end listener (the usual "connection lost, let the orchestrator restart me"). The graceful shutdown closes that connection on purpose, so the listener runs and the task stops with that code, not 0. Make the listener return while shutting down if the stop code matters (alarms on non-zero exits, deployment circuit breakers).',
  },
  {
    code: 'ECS320',
    title: 'The service connects to its database before it listens',
    defaultSeverity: 'blocking',
    help: 'Start-up awaits the database before the HTTP server listens and exits when it fails, so a slow or unreachable database makes the container exit before the ALB health check can pass. The server now listens first; the database connects in the background with capped retries; /ready reports not-ready until it is up while /health answers 200.',
    fixedBy: 'listen-before-mongo',
  },
  {
    code: 'ECS321',
    title: 'A datastore awaited before listen is left in place',
    defaultSeverity: 'warning',
    help: 'The start-up awaits a datastore before listening, but moving it is not safe here (its result is used before listen, or the shape is not one ecsfix rewrites). Move it after listen by hand, with retries, if the service must start while the datastore is down.',
  },
  {
    code: 'ECS322',
    title: 'The readiness route does not report the database',
    defaultSeverity: 'warning',
    help: 'The service now listens before its database is connected, and its /ready route is not shown to check that database: make it answer 503 until the connection is up, so the load balancer only routes traffic the service can serve.',
  },
  {
    code: 'ECS323',
    title: 'Localhost fallback in a module loaded on demand',
    defaultSeverity: 'warning',
    help: 'The service URL falls back to localhost in a module that is not loaded when the server starts (a Next.js route or a React component): a start-up check there would only fail the first request, so ecsfix adds none. Set the variable in the ECS task definition (and, for Next.js, check it in instrumentation.ts register(), which runs at start-up).',
  },
  {
    code: 'ECS399',
    title: 'A codemod result was dropped',
    defaultSeverity: 'warning',
    help: 'The rewrite would have produced a file with a syntax error, so ecsfix left the file as it was. Please report it with the file.',
  },
];
