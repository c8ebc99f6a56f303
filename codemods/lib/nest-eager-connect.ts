/**
 * listen-before-mongo's NestJS shape (review6 R20): the Prisma recipe of the Nest docs,
 *
 *   class PrismaService extends PrismaClient implements OnModuleInit {
 *     async onModuleInit() { await this.$connect(); }
 *   }
 *
 * Nest awaits every provider's onModuleInit inside NestFactory.create(), before app.listen(), so
 * with the database unreachable $connect() rejects, bootstrap() rejects and the process exits
 * before it listens: ECS replaces the task, which exits the same way. Prisma connects on the first
 * query without it, so the eager connect is dropped when it is all the hook does (the hook stays,
 * with a comment in its place). When the hook does more, it is left as it is (ECS321 with the line).
 */
import type { Collection, JSCodeshift } from 'jscodeshift';
import { nodesInside, splice, typedNodes, type CodemodNote } from './codemod-api.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- babel AST nodes through jscodeshift */
type Node = any;

const isThisConnect = (n: Node) => n?.type === 'CallExpression' && n.callee?.type === 'MemberExpression' && n.callee.object?.type === 'ThisExpression' && n.callee.property?.name === '$connect';

/** The statement is `await this.$connect();` or `return this.$connect();`. */
function eagerConnect(stmt: Node): boolean {
  if (stmt?.type === 'ExpressionStatement' && stmt.expression.type === 'AwaitExpression') return isThisConnect(stmt.expression.argument) && stmt.expression.argument.arguments.length === 0;
  if (stmt?.type === 'ReturnStatement') return isThisConnect(stmt.argument) && stmt.argument.arguments.length === 0;
  return false;
}

/** The new source, or undefined when the file has no such provider (or leaves it, with a note). */
export function nestEagerConnect(j: JSCodeshift, root: Collection, source: string, note: (n: CodemodNote) => void, verify?: (text: string) => void): string | undefined {
  if (!/['"]@nestjs\/common['"]/.test(source)) return undefined;
  const edits: { start: number; end: number; text: string }[] = [];
  for (const cls of typedNodes(j, root, 'ClassDeclaration') as Node[]) {
    if (cls.superClass?.type !== 'Identifier' || cls.superClass.name !== 'PrismaClient') continue;
    const hook: Node = cls.body.body.find((m: Node) => m.type === 'ClassMethod' && m.kind === 'method' && !m.static && m.key?.name === 'onModuleInit');
    if (!hook) continue;
    const body: Node[] = hook.body?.body ?? [];
    const connects: Node[] = [];
    nodesInside(j, hook, 'CallExpression').forEach((n: Node) => {
      if (isThisConnect(n)) connects.push(n);
    });
    const at = connects[0];
    if (!at) continue;
    const name = cls.id?.name ?? 'the Prisma provider';
    if (body.length !== 1 || !eagerConnect(body[0])) {
      note({ severity: 'warning', code: 'ECS321', line: at.loc?.start.line, message: `${name}.onModuleInit connects Prisma, and Nest runs it inside NestFactory.create(), before app.listen(): with the database unreachable the service exits before it listens; ecsfix leaves it in place because the hook does more than \`await this.$connect()\`: drop the eager connect by hand (Prisma connects on the first query)` });
      continue;
    }
    const stmt = body[0];
    edits.push({ start: stmt.start, end: stmt.end, text: '// Prisma connects on the first query: an eager $connect() here ran before app.listen() and stopped start-up while the database was unreachable.' });
    note({ severity: 'warning', code: 'ECS320', line: at.loc?.start.line, message: `${name}.onModuleInit awaited this.$connect(), and Nest awaits onModuleInit inside NestFactory.create(), before app.listen(): with the database slow or unreachable the service exited before it listened; the eager connect is removed, so the service listens and Prisma connects on the first query` });
  }
  if (!edits.length) return undefined;
  verify?.('start the service with its database down: it listens and its health route answers 200; a route that queries the database fails until it is up, and works once it is (Prisma connects on the first query)');
  return splice(source, edits);
}
