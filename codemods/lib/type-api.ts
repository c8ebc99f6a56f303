/**
 * What a workspace factory or class really returns, from the TypeScript checker, for the cases the
 * declaration reader (src/source/module-api.ts) cannot follow: a re-export chain (`export { default
 * as Runner } from './runner'`, `export * from './factory'`), `export default class`, a method
 * inherited from a base class, a return type declared in another file. ts-morph runs over the
 * package's own source files in memory (no disk, no node_modules), and is loaded only when a worker
 * needs it: ecsfix passes its loader in the options; under the jscodeshift CLI it is required here.
 */
import { createHash } from 'node:crypto';
import type { FactoryApi } from '../../src/source/module-api.ts';
import type { CodemodOptions, PackageSources } from '../../src/codemod.ts';

type TsMorph = typeof import('ts-morph');
/* eslint-disable @typescript-eslint/no-explicit-any -- ts-morph nodes of several kinds */
type Node = any;

// Under the jscodeshift CLI this module runs as CommonJS (@babel/register): `require` is the module's own.
declare const require: ((id: string) => unknown) | undefined;

function loadTsMorph(options: CodemodOptions): TsMorph | null {
  if (options.tsMorph) return options.tsMorph();
  if (typeof require !== 'function') return null;
  // jscodeshift's @babel/register compiles every required .js, node_modules included, and its presets
  // reject ts-morph's class static blocks: load ts-morph (and what it requires) with Node's plain loader.
  const Module = require('node:module') as { _extensions: Record<string, (module: { _compile(code: string, file: string): void }, file: string) => void> };
  const { readFileSync } = require('node:fs') as typeof import('node:fs');
  const hooked = Module._extensions['.js'];
  Module._extensions['.js'] = (module, file) => module._compile(readFileSync(file, 'utf8'), file);
  try {
    return require('ts-morph') as TsMorph;
  } catch {
    return null;
  } finally {
    if (hooked) Module._extensions['.js'] = hooked;
  }
}

/** Decisions by package content (not object identity: each model run rebuilds the sources), then export name. */
const decided = new Map<string, FactoryApi | null>();

/**
 * The API of `exportName` (`'default'` for a default import) of a workspace package: whether its
 * result is awaited and the public methods it has, inherited ones included; null when the checker
 * cannot find the export or ts-morph is unavailable.
 */
export function typedApi(options: CodemodOptions, pkg: PackageSources, exportName: string): FactoryApi | null {
  const hash = createHash('sha1').update(JSON.stringify([pkg.entry, Object.entries(pkg.files).sort(([a], [b]) => a.localeCompare(b))])).digest('hex');
  const key = `${hash}:${exportName}`;
  if (decided.has(key)) return decided.get(key) ?? null;
  const morph = loadTsMorph(options);
  const api = morph ? resolve(morph, pkg, exportName) : null;
  if (decided.size > 1000) decided.clear();
  decided.set(key, api);
  return api;
}

function resolve(morph: TsMorph, pkg: PackageSources, exportName: string): FactoryApi | null {
  const { ts } = morph;
  const project = new morph.Project({
    useInMemoryFileSystem: true,
    compilerOptions: { allowJs: true, checkJs: false, skipLibCheck: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
  });
  const files = Object.entries(pkg.files).map(([path, text]) => project.createSourceFile(`/${path}`, text, { overwrite: true }));
  const entry = files.find((f) => f.getFilePath() === `/${pkg.entry}`);
  // The entry first (a default export is the entry's), then any file that exports the name.
  const candidates = exportName === 'default' ? (entry ? [entry] : []) : [...(entry ? [entry] : []), ...files.filter((f) => f !== entry)];
  for (const file of candidates) {
    const declaration: Node = file.getExportedDeclarations().get(exportName)?.[0];
    if (declaration) return apiOf(morph, declaration);
  }
  return null;
}

function apiOf(morph: TsMorph, declaration: Node): FactoryApi | null {
  const { Node: N } = morph;
  let type: Node;
  if (N.isClassDeclaration(declaration)) type = declaration.getType();
  else {
    const signature = declaration.getType().getCallSignatures()[0];
    if (!signature) return null;
    type = signature.getReturnType();
  }
  let async = false;
  if (type.getSymbol()?.getName() === 'Promise') {
    async = true;
    type = type.getTypeArguments()[0];
  }
  if (!type) return null;
  const methods: string[] = [];
  for (const property of type.getApparentProperties()) {
    const decl: Node = property.getDeclarations()[0];
    if (!decl || property.getName().startsWith('#')) continue;
    const callable = N.isMethodDeclaration(decl) || N.isMethodSignature(decl) || ((N.isPropertyDeclaration(decl) || N.isPropertySignature(decl) || N.isPropertyAssignment(decl)) && decl.getType().getCallSignatures().length > 0);
    const hidden = (N.isMethodDeclaration(decl) || N.isPropertyDeclaration(decl)) && decl.getScope() !== 'public';
    if (callable && !hidden) methods.push(property.getName());
  }
  return methods.length ? { async, methods, kafkaConsumer: false, kafkaProducer: false } : null;
}
