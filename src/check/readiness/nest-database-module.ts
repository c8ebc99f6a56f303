/**
 * ECS420 (review8 R13): a NestJS database module (`TypeOrmModule.forRoot/forRootAsync`,
 * `MongooseModule.forRoot`, `SequelizeModule.forRoot`, `MikroOrmModule.forRoot`) connects while
 * `NestFactory.create()` initialises the modules, before `app.listen()`: with the database down the
 * module retries (TypeORM: 9 attempts, 3 s apart) and start-up rejects, so the task never answers its
 * health check and ECS replaces it in a loop. Nothing to rewrite (the connection is the module's), so it
 * is reported, at the module call. A TypeORM module with `manualInitialization: true` opens nothing.
 * ECS410 for its `migrationsRun: true`: every task of a deploy or a scale-out migrates at start.
 */
import type { Finding } from '../../findings/finding.js';
import type { Service } from '../../repo/model.js';
import { finding, type CheckContext } from '../context.js';
import { dottedName, isJsFile, parseJs, walk, type JsSource, type Node } from '../js-source.js';

const MODULES = /^(?:TypeOrmModule|MongooseModule|SequelizeModule|MikroOrmModule)\.forRoot(?:Async)?$/;

/** The value of an object property named `name` anywhere in `node`'s subtree (the options, or what a factory returns). */
function propertyIn(node: Node, name: string): Node | null {
  let found: Node | null = null;
  walk(node, (n) => {
    const key = n.key as Node | undefined;
    if (!found && n.type === 'Property' && (key?.name === name || key?.value === name)) found = n;
  });
  return found;
}

const isTrue = (property: Node | null) => (property?.value as Node | undefined)?.type === 'Literal' && (property?.value as Node).value === true;

/** Whether the service starts through NestFactory.create (the modules initialise before listen). */
function nestStartup(ctx: CheckContext, service: Service): boolean {
  return service.sourceFiles.some((f) => isJsFile(f) && /\bNestFactory\.create\s*[(<]/.test(ctx.read(f) ?? ''));
}

function moduleFindings(ctx: CheckContext, service: Service, source: JsSource): Finding[] {
  const findings: Finding[] = [];
  walk(source.program, (node) => {
    if (node.type !== 'CallExpression' || !MODULES.test(dottedName(node.callee) ?? '')) return;
    const call = dottedName(node.callee) as string;
    const store = call.startsWith('TypeOrm') ? 'TypeORM' : call.startsWith('Mongoose') ? 'Mongoose' : call.startsWith('Sequelize') ? 'Sequelize' : 'MikroORM';
    const at = { service: service.name, file: source.path };
    if (!isTrue(propertyIn(node, 'manualInitialization')))
      findings.push(
        finding(ctx, 'ECS420', {
          ...at,
          line: source.line(node.start),
          message: `${call}() connects ${store} while NestFactory.create() initialises the modules, before app.listen(): with the database down start-up fails after the module's retries and the task never answers its health check, so ECS replaces it in a loop. Make the connection lazy (TypeORM: manualInitialization: true, then initialize the DataSource with retries after listen) or accept that the service cannot start without its database`,
        }),
      );
    const migrations = propertyIn(node, 'migrationsRun');
    if (migrations && isTrue(migrations))
      findings.push(
        finding(ctx, 'ECS410', {
          ...at,
          line: source.line(migrations.start),
          message: `${call}() runs the migrations at every start (migrationsRun: true): on ECS every task of a deploy or scale-out migrates, concurrently. Run them once per deploy as a one-off task (typeorm migration:run) and drop migrationsRun`,
        }),
      );
  });
  return findings;
}

export function nestDatabaseModule(ctx: CheckContext): Finding[] {
  return ctx.repo.services.flatMap((service) => {
    if (service.language !== 'node' || !nestStartup(ctx, service)) return [];
    return service.sourceFiles.filter(isJsFile).flatMap((path) => {
      const text = ctx.read(path);
      const source = text !== null && /Module\.forRoot/.test(text) ? parseJs(path, text) : null;
      return source ? moduleFindings(ctx, service, source) : [];
    });
  });
}
