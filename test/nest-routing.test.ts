/**
 * NestJS route paths as Nest serves them (review8 R9): global prefix, URI version, RouterModule
 * module path, controller and method paths; what is not established is never probed. Each case was
 * checked against @nestjs/core 10.4.4 (GET on the listed path: 200, on the unversioned one: 404).
 */
import { describe, expect, it } from 'vitest';
import { healthRoutes } from '../src/repo/routes.js';
import { scanSource } from '../src/repo/sourceScan.js';

function routes(files: Record<string, string>) {
  const facts = new Map(Object.entries(files).map(([path, text]) => [path, scanSource(text, 'js', path)]));
  const all = healthRoutes(facts, 'src/');
  return { served: all.filter((r) => !r.unresolvedMount).map((r) => r.path), unresolved: all.filter((r) => r.unresolvedMount).map((r) => r.path) };
}

const controller = (head = "@Controller('health')", method = "@Get('live')") => `import { Controller, Get, Version, VERSION_NEUTRAL } from '@nestjs/common';
${head}
export class HealthController {
  ${method}
  live() { return { status: 'ok' }; }
}
`;
const main = (setup: string) => `import { NestFactory } from '@nestjs/core';
import { VersioningType } from '@nestjs/common';
import { AppModule } from './app.module';
async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  ${setup}
  await app.listen(process.env.PORT ?? 3000);
}
bootstrap();
`;
const module = (name: string, extra = '') => `import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
@Module({ imports: [${extra}], controllers: [HealthController] })
export class ${name} {}
`;

describe('NestJS route paths', () => {
  it('URI versioning puts the version after the global prefix; the prefix option and `prefix: false` are read', () => {
    expect(routes({ 'src/main.ts': main("app.setGlobalPrefix('api'); app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });"), 'src/health.controller.ts': controller() }).served).toEqual(['/api/v1/health/live']);
    expect(routes({ 'src/main.ts': main("app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1', prefix: false });"), 'src/health.controller.ts': controller() }).served).toEqual(['/1/health/live']);
    expect(routes({ 'src/main.ts': main("app.enableVersioning({ type: VersioningType.URI, defaultVersion: '3', prefix: 'version-' });"), 'src/health.controller.ts': controller() }).served).toEqual(['/version-3/health/live']);
    // No defaultVersion and no version on the route: the path is unversioned.
    expect(routes({ 'src/main.ts': main("app.setGlobalPrefix('api'); app.enableVersioning({ type: VersioningType.URI });"), 'src/health.controller.ts': controller() }).served).toEqual(['/api/health/live']);
  });

  it('the route version wins over the controller version, which wins over defaultVersion; VERSION_NEUTRAL adds none', () => {
    const uri = main("app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });");
    expect(routes({ 'src/main.ts': uri, 'src/health.controller.ts': controller("@Controller({ path: 'health', version: '2' })") }).served).toEqual(['/v2/health/live']);
    expect(routes({ 'src/main.ts': uri, 'src/health.controller.ts': controller("@Controller({ path: 'health', version: '2' })", "@Version('3')\n  @Get('live')") }).served).toEqual(['/v3/health/live']);
    expect(routes({ 'src/main.ts': uri, 'src/health.controller.ts': controller("@Controller('health')", "@Version(VERSION_NEUTRAL)\n  @Get('live')") }).served).toEqual(['/health/live']);
    // Without enableVersioning a controller version is ignored.
    expect(routes({ 'src/main.ts': main(''), 'src/health.controller.ts': controller("@Controller({ path: 'health', version: '2' })") }).served).toEqual(['/health/live']);
  });

  it('an excluded route keeps its version but not the global prefix', () => {
    const r = routes({ 'src/main.ts': main("app.setGlobalPrefix('api', { exclude: ['health/live'] }); app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });"), 'src/health.controller.ts': controller() });
    expect(r.served).toEqual(['/v1/health/live']);
  });

  it('a version or versioning ecsfix cannot read, or header versioning of a versioned route: not probed', () => {
    for (const setup of [
      'app.enableVersioning({ type: VersioningType.URI, defaultVersion: API_VERSION });',
      'app.enableVersioning(versioningOptions);',
      "app.enableVersioning({ type: VersioningType.HEADER, header: 'X-Version', defaultVersion: '1' });",
      "app.enableVersioning({ type: VersioningType.MEDIA_TYPE, key: 'v=', defaultVersion: '1' });",
    ])
      expect(routes({ 'src/main.ts': main(setup), 'src/health.controller.ts': controller() }), setup).toEqual({ served: [], unresolved: ['/health/live'] });
    // Header versioning without any version on the route: the route answers every request.
    expect(routes({ 'src/main.ts': main("app.enableVersioning({ type: VersioningType.HEADER, header: 'X-Version' });"), 'src/health.controller.ts': controller() }).served).toEqual(['/health/live']);
  });

  it('RouterModule.register: the module path of the module listing the controller, children under their parent, after the version', () => {
    const app = (routesArg: string) => `import { Module } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { HealthModule } from './health.module';
import { OpsModule } from './ops.module';
@Module({ imports: [OpsModule, HealthModule, RouterModule.register(${routesArg})] })
export class AppModule {}
`;
    const files = (routesArg: string, setup = "app.setGlobalPrefix('api');") => ({
      'src/main.ts': main(setup),
      'src/app.module.ts': app(routesArg),
      'src/health.module.ts': module('HealthModule'),
      'src/health.controller.ts': controller(),
    });
    expect(routes(files("[{ path: 'ops', module: OpsModule, children: [{ path: 'probes', module: HealthModule }] }]")).served).toEqual(['/api/ops/probes/health/live']);
    expect(routes(files("[{ path: 'ops', module: OpsModule, children: [HealthModule] }]")).served).toEqual(['/api/ops/health/live']);
    expect(routes(files("[{ path: 'ops', module: OpsModule }]")).served).toEqual(['/api/health/live']);
    expect(routes(files("[{ path: 'v1', module: HealthModule }]", "app.setGlobalPrefix('api'); app.enableVersioning({ type: VersioningType.URI, defaultVersion: '2' });")).served).toEqual(['/api/v2/v1/health/live']);
    // A routes array ecsfix cannot read, a path that is not a literal: not probed.
    expect(routes(files('routes')).unresolved).toEqual(['/health/live']);
    expect(routes(files('[{ path: HEALTH_PATH, module: HealthModule }]')).unresolved).toEqual(['/health/live']);
    // A controller listed by no module while RouterModule prefixes modules: its path is not established.
    const orphan = files("[{ path: 'v1', module: HealthModule }]");
    orphan['src/health.module.ts'] = module('HealthModule').replace('controllers: [HealthController]', 'controllers: []');
    expect(routes(orphan).unresolved).toEqual(['/health/live']);
  });
});
