/** Names and literal values of oxc ESTree nodes, shared by the fact extractor and the auth-gate reader. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Node = any;

/** The dotted name of a callee (`kafka.consumer`, `express.Router`, `createKafkaConsumer`). */
export function calleeName(node: Node): string {
  if (!node) return '';
  if (node.type === 'Identifier') return node.name;
  if (node.type === 'ThisExpression') return 'this';
  if (node.type === 'MemberExpression') return `${calleeName(node.object)}.${propName(node) ?? '?'}`;
  if (node.type === 'CallExpression') return `${calleeName(node.callee)}()`;
  if (node.type === 'ParenthesizedExpression' || node.type === 'TSNonNullExpression' || node.type === 'TSAsExpression') return calleeName(node.expression);
  if (node.type === 'AwaitExpression') return calleeName(node.argument);
  return '';
}

export function propName(member: Node): string | null {
  const p = member.property;
  if (!member.computed && p?.type === 'Identifier') return p.name;
  if (p?.type === 'Literal' && typeof p.value === 'string') return p.value;
  return null;
}

export function stringValue(node: Node): string | null {
  if (node?.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node?.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0]?.value?.cooked ?? null;
  return null;
}
