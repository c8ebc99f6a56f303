/**
 * The health path of an nginx image, read from the config it starts with (review8 R6): a probe on a
 * path that does not answer 200 keeps every target unhealthy, so a path is claimed only where the
 * config answers 200 by itself (a liveness location that `return 200`s, or `/` from a static root
 * the image fills); otherwise no healthCheck and no target group, with ECS137 and a note saying why.
 * Fixture: the Python stack of review8 (nginx reverse proxy in front of FastAPI and Django).
 */
import { describe, expect, it } from 'vitest';
import { ecsOf } from './helpers/ecs.js';

const FIXTURE = 'nginx-reverse-proxy';
const CONF = 'nginx/nginx.conf';
const DOCKERFILE = 'nginx/Dockerfile';

/** The fixture with nginx.conf's server block replaced. */
const withServer = (server: string) => (tree: Map<string, string>) => tree.set(CONF, `upstream api_upstream {\n    server api:8000;\n}\n\nserver {\n${server}\n}\n`);

describe('task definition: the nginx health path', () => {
  it('a reverse proxy with `location = /healthz { return 200 }` and no `location /` nor root: /healthz, not / (404 in the official image)', () => {
    const { ecs, container, report } = ecsOf(FIXTURE, 'nginx');
    expect(ecs?.targetGroup).toMatchObject({ HealthCheckPath: '/healthz', Matcher: { HttpCode: '200' } });
    expect(report.findings.filter((f) => f.code === 'ECS137')).toEqual([]);
    expect(container?.healthCheck?.command.join(' ')).toContain('/healthz');
  });

  it('no location that answers 200 by itself: no healthCheck, no target group, a note', () => {
    for (const server of [
      // `/` falls to nginx's default root (/etc/nginx/html, missing in the official image).
      '    listen 80;\n    location /api/ { proxy_pass http://api_upstream; }',
      // `/` is proxied: it answers what the upstream answers.
      '    listen 80;\n    location / { proxy_pass http://admin:8001; }',
      // The health location answers 204, not 200.
      '    listen 80;\n    location = /healthz { return 204; }\n    location /api/ { proxy_pass http://api_upstream; }',
      // A root nothing fills.
      '    listen 80;\n    root /srv/www;\n    location /api/ { proxy_pass http://api_upstream; }',
    ]) {
      const { ecs, container, report } = ecsOf(FIXTURE, 'nginx', withServer(server));
      expect(ecs?.targetGroup, server).toBeNull();
      expect(report.findings.filter((f) => f.code === 'ECS137').map((f) => `${f.file}:${f.line}`), server).toEqual([DOCKERFILE + ':1']);
      expect(container?.healthCheck, server).toBeUndefined();
      expect(ecs?.notes.join('\n'), server).toMatch(/nginx/);
    }
  });

  it('`/` from a root the image fills, or a `return 200` location nginx picks for its own path', () => {
    const spa = (tree: Map<string, string>) => {
      withServer('    listen 80;\n    root /usr/share/nginx/html;\n    location / { try_files $uri /index.html; }\n    location /api/ { proxy_pass http://api_upstream; }')(tree);
    };
    expect(ecsOf(FIXTURE, 'nginx', spa).ecs?.targetGroup?.HealthCheckPath).toBe('/');
    const copied = (tree: Map<string, string>) => {
      withServer('    listen 80;\n    location / { root /srv/www; }')(tree);
      tree.set(DOCKERFILE, `${tree.get(DOCKERFILE)}COPY site /srv/www\n`);
      tree.set('nginx/site/index.html', '<html></html>\n');
    };
    expect(ecsOf(FIXTURE, 'nginx', copied).ecs?.targetGroup?.HealthCheckPath).toBe('/');
    // A prefix location `/health` that a regex location takes over is not the one that answers.
    const shadowed = withServer('    listen 80;\n    location /health { return 200; }\n    location ~ ^/he { proxy_pass http://api_upstream; }');
    expect(ecsOf(FIXTURE, 'nginx', shadowed).ecs?.targetGroup).toBeNull();
    // The stock default.conf kept (no config of the repo's): / from /usr/share/nginx/html.
    const stock = (tree: Map<string, string>) => tree.set(DOCKERFILE, 'FROM nginx:1.27-alpine\nCOPY nginx.conf /tmp/unused.conf\nEXPOSE 80\n');
    expect(ecsOf(FIXTURE, 'nginx', stock).ecs?.targetGroup?.HealthCheckPath).toBe('/');
  });
});
