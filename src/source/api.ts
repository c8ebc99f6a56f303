/**
 * The API a module offers (see module-api.ts), read with the model's parser and cached by path and
 * text, so each workspace library file is parsed once per run.
 */
import { parseProgram } from './facts.ts';
import { apiOfProgram, type ModuleApi } from './module-api.ts';

export { packageEntry } from './module-api.ts';

export type { FactoryApi, ModuleApi, PackageSources } from './module-api.ts';

const cache = new Map<string, { text: string; api: ModuleApi }>();

/** The exported API of one module (cached by path and text); a file that does not parse exports nothing known. */
export function moduleApi(path: string, text: string): ModuleApi {
  const hit = cache.get(path);
  if (hit && hit.text === text) return hit.api;
  const api = readApi(path, text);
  cache.set(path, { text, api });
  return api;
}

function readApi(path: string, text: string): ModuleApi {
  if (!/\bexport\b|module\.exports|exports\./.test(text)) return { exports: [], factories: {} };
  const { program, error } = parseProgram(path, text);
  return error ? { exports: [], factories: {} } : apiOfProgram(program, text);
}
