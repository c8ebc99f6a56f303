/**
 * The stage the repo's own build scripts and CI deploy: `docker build --target runner -f
 * apps/web/Dockerfile .` in a shell script, Makefile or package.json script, and the `target:` of a
 * GitHub Actions `docker/build-push-action` step. Only builds whose Dockerfile resolves to a file of
 * the repo count; a Dockerfile built with two different targets has no single deployed target.
 */
import { posix } from 'node:path';
import { parseDocument } from 'yaml';
import { lineOfOffset } from '../text.js';
import { shellCommands } from '../dockerfile/shell.js';

export interface BuildTarget {
  target: string;
  /** The script or workflow that says so, and its line. */
  file: string;
  line: number;
}

const SCRIPT = /(?:^|\/)(?:Makefile|makefile|GNUmakefile|[\w.-]+\.mk|[\w.-]+\.sh|package\.json|Justfile|justfile|Taskfile\.ya?ml|\.gitlab-ci\.ya?ml|docker-bake\.hcl)$/;
const WORKFLOW = /^\.github\/workflows\/[^/]+\.ya?ml$/;
const BUILD_COMMAND = /\b(?:docker\s+(?:buildx\s+)?build|buildah\s+(?:bud|build)|podman\s+build)\b((?:[^\n\\]|\\\n|\\.)*)/g;

/** The arguments of the build command that starts at `from` (after `build`/`bud`), read by the shared shell lexer. */
function buildArguments(text: string, from: number, to: number): string[] {
  const words = (shellCommands(text, from, to)[0]?.words ?? []).map((w) => w.value);
  const verb = words.findIndex((w) => w === 'build' || w === 'bud');
  return verb < 0 ? [] : words.slice(verb + 1);
}

/** The repo file a path written in `script` names: relative to the script's directory, else the root. */
function resolve(fileSet: Set<string>, script: string, p: string): string | null {
  if (p.includes('$')) return null;
  const candidates = [posix.normalize(posix.join(posix.dirname(script), p)), posix.normalize(p)];
  return candidates.find((c) => fileSet.has(c)) ?? null;
}

/** `docker build` invocations with `--target`, by the Dockerfile they build. */
function scriptTargets(script: string, text: string, fileSet: Set<string>, add: (dockerfile: string, t: BuildTarget) => void): void {
  for (const m of text.matchAll(BUILD_COMMAND)) {
    const args = buildArguments(text, m.index, m.index + m[0].length);
    let target: string | null = null;
    let file: string | null = null;
    const positional: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i] ?? '';
      const eq = /^(--target|-f|--file)=(.*)$/.exec(a);
      if (eq) {
        if (eq[1] === '--target') target = eq[2] ?? null;
        else file = eq[2] ?? null;
      } else if (a === '--target') target = args[++i] ?? null;
      else if (a === '-f' || a === '--file') file = args[++i] ?? null;
      else if (/^-/.test(a)) {
        // Flags with a value (-t name, --build-arg X=1): skip the value when it is a separate word.
        if (/^(?:-t|--tag|--build-arg|--platform|--label|--secret|--ssh|--cache-from|--cache-to|--output|-o|--network|--progress|--iidfile|--build-context)$/.test(a)) i++;
      } else positional.push(a);
    }
    if (!target || target.includes('$')) continue;
    const context = positional[0];
    const dockerfile = file ? resolve(fileSet, script, file) : context ? resolve(fileSet, script, posix.join(context, 'Dockerfile')) : null;
    if (dockerfile) add(dockerfile, { target, file: script, line: lineOfOffset(text, m.index) });
  }
}

/** `docker/build-push-action` steps (`with: { context, file, target }`) in a GitHub Actions workflow. */
function workflowTargets(workflow: string, text: string, fileSet: Set<string>, add: (dockerfile: string, t: BuildTarget) => void): void {
  let doc: unknown;
  try {
    doc = parseDocument(text).toJS();
  } catch {
    return;
  }
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const step = node as { uses?: unknown; with?: { context?: unknown; file?: unknown; target?: unknown } };
      if (typeof step.uses === 'string' && /docker\/build-push-action/.test(step.uses) && typeof step.with?.target === 'string') {
        const w = step.with;
        const context = typeof w.context === 'string' ? w.context : '.';
        // The action resolves `file` against the workspace root, and defaults to {context}/Dockerfile.
        const path = typeof w.file === 'string' ? w.file : posix.join(context, 'Dockerfile');
        const dockerfile = path.includes('$') ? null : posix.normalize(path.replace(/^\.\//, ''));
        const target = String(w.target);
        if (dockerfile && fileSet.has(dockerfile) && !target.includes('$')) add(dockerfile, { target, file: workflow, line: lineOfOffset(text, text.indexOf(`target: ${target}`) >= 0 ? text.indexOf(`target: ${target}`) : 0) });
      }
      Object.values(node).forEach(visit);
    }
  };
  visit(doc);
}

/** Every `--target` the repo's scripts and CI build each Dockerfile with. */
export function buildTargets(files: string[], read: (rel: string) => string | null): Map<string, BuildTarget[]> {
  const fileSet = new Set(files);
  const out = new Map<string, BuildTarget[]>();
  const add = (dockerfile: string, t: BuildTarget) => out.set(dockerfile, [...(out.get(dockerfile) ?? []), t]);
  for (const f of files) {
    if (f.includes('node_modules/')) continue;
    const isWorkflow = WORKFLOW.test(f);
    if (!isWorkflow && !SCRIPT.test(f)) continue;
    const text = read(f);
    if (!text || !/target/.test(text)) continue;
    scriptTargets(f, text, fileSet, add);
    if (isWorkflow) workflowTargets(f, text, fileSet, add);
  }
  return out;
}

/** The one target the scripts agree on for a Dockerfile, or null (none, or several different ones). */
export function scriptTarget(targets: Map<string, BuildTarget[]>, dockerfile: string | null): BuildTarget | null {
  const list = dockerfile ? (targets.get(dockerfile) ?? []) : [];
  const names = new Set(list.map((t) => t.target.toLowerCase()));
  return names.size === 1 ? (list[0] ?? null) : null;
}
