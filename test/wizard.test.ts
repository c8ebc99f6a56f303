/**
 * The wizard's decisions with scripted answers (@clack/prompts mocked): quit and Ctrl-C write what
 * was accepted and nothing more; "apply all" takes the rest; the transform selection drives the plan.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { copySample, git, gitInit, tempDir } from './helpers/tmp.js';

const CANCEL = Symbol('cancel');
const answers: unknown[] = [];
const said: string[] = [];

vi.mock('@clack/prompts', () => ({
  intro: () => {},
  outro: (m: string) => said.push(m),
  cancel: (m: string) => said.push(m),
  note: () => {},
  log: { error: (m: string) => said.push(m), warn: (m: string) => said.push(m) },
  spinner: () => ({ start: () => {}, stop: () => {} }),
  isCancel: (v: unknown) => v === CANCEL,
  multiselect: async (opts: { initialValues: string[]; options: { value: string; hint: string }[] }) => {
    picked.push(opts.options);
    const next = answers.shift();
    return next === 'initial' ? opts.initialValues : next;
  },
}));
// The per-file key prompt: y/n/a/q answers scripted, Ctrl-C as its cancel symbol.
vi.mock('../src/cli/filePrompt.js', () => ({
  CANCELLED: CANCEL,
  askFile: async (message: string) => {
    asked.push(message);
    return answers.shift();
  },
}));
const asked: string[] = [];
const picked: { value: string; hint: string }[][] = [];

const { main } = await import('../src/cli/main.js');
const { wizard } = await import('../src/cli/wizard.js');

class Sink {
  text = '';
  isTTY = false;
  write(s: string) {
    this.text += s;
    return true;
  }
}
const io = () => ({ stdout: new Sink(), stderr: new Sink(), stdinIsTTY: true }) as never;
const flags = (transform: string[] = []) => ({ transform, skip: [], allowDirty: false });

async function run(dir: string, transform: string[] = []) {
  const { writeChanges } = await import('../src/run/engine.js');
  const guardDirty = () => {};
  return wizard(dir, flags(transform), io(), { guardDirty, writeChanges: (session, changes) => writeChanges(session.root, changes) }, { dirArg: dir });
}

/** The script line the wizard closed with, as argv. */
function scriptArgs(): string[] | null {
  const line = said.join('\n').match(/ecsfix (apply .*--yes)/)?.[1];
  return line ? line.split(' ') : null;
}

describe('wizard', () => {
  beforeEach(() => {
    answers.length = 0;
    said.length = 0;
  });

  it('apply, skip, then quit: writes only the first file and prints the script line', async () => {
    const dir = copySample('peerprep');
    gitInit(dir);
    answers.push('initial', 'apply', 'skip', 'quit');
    expect(await run(dir, ['dockerfile-port-env'])).toBe(0);
    expect(git(dir, 'diff', '--name-only').trim().split('\n')).toEqual(['chat_service/Dockerfile']);
    expect(scriptArgs()).toEqual(['apply', dir, '-t', 'dockerfile-port-env', '--only', 'chat_service/Dockerfile', '--yes']);
  });

  it('Ctrl-C at a file keeps what was accepted before it', async () => {
    const dir = copySample('peerprep');
    gitInit(dir);
    answers.push('initial', 'apply', CANCEL);
    expect(await run(dir, ['dockerfile-port-env'])).toBe(130);
    expect(git(dir, 'diff', '--name-only').trim().split('\n')).toEqual(['chat_service/Dockerfile']);
  });

  it('every way out ends with every warning left, by file: "a" on the first file shows those of the later files', async () => {
    const dir = copySample('peerprep');
    gitInit(dir);
    const { runCli } = await import('./helpers/tmp.js');
    const planned = JSON.parse((await runCli(['diff', dir, '--json'])).stdout);
    type Reported = { code: string; severity: string; message: string; file: string; line?: number; transform?: string };
    const warnings = [...planned.changes.flatMap((c: { findings: Reported[] }) => c.findings), ...(planned.findings as Reported[])].filter((f) => f.severity !== 'info');
    expect(warnings.some((w) => w.file === 'history_service/Dockerfile')).toBe(true);
    for (const ending of ['all', 'quit', CANCEL]) {
      said.length = 0;
      answers.push('initial', ending === 'all' ? 'all' : 'apply', ...(ending === 'all' ? [] : [ending]));
      await run(copySample('peerprep'));
      const summary = said.find((m) => m.startsWith('Left for you')) ?? '';
      const accepted = ending === 'all' ? planned.changes.map((c: { path: string }) => c.path) : [planned.changes[0].path];
      for (const w of warnings.filter((w) => accepted.includes(w.file) || !planned.changes.some((c: { path: string }) => c.path === w.file)))
        expect(summary, String(ending)).toContain(`${w.file}${w.line ? `:${w.line}` : ''} ${w.code} [${w.transform}] ${w.message}`);
    }
  });

  it('the closing script line writes exactly what the wizard wrote', async () => {
    const viaWizard = copySample('kodingcaravan');
    gitInit(viaWizard);
    answers.push('initial', 'skip', 'apply', 'apply', 'skip', 'quit');
    await run(viaWizard);
    const args = scriptArgs() as string[];
    const viaScript = copySample('kodingcaravan');
    gitInit(viaScript);
    args[1] = viaScript;
    expect(await main(args, io())).toBe(0);
    expect(git(viaScript, 'diff')).toBe(git(viaWizard, 'diff'));
    expect(git(viaWizard, 'diff', '--name-only').trim().split('\n')).toHaveLength(2);
  });

  it('no script line after writing nothing', async () => {
    const dir = copySample('peerprep');
    answers.push('initial', 'skip', 'quit');
    await run(dir);
    expect(said.join('\n')).toContain('Wrote 0');
    expect(scriptArgs()).toBeNull();
  });

  it('the per-file question says when that change is behaviour-changing, whatever the transform declares', async () => {
    const ask = async (fixture: string) => {
      const dir = copySample(`transforms/dockerfile-port-env/${fixture}/before`);
      gitInit(dir);
      asked.length = 0;
      answers.length = 0;
      answers.push('initial', 'skip', 'skip', 'skip');
      await run(dir, ['dockerfile-port-env']);
      return [...asked];
    };
    const rewritten = await ask('shell-form-cmd-fixed-port');
    expect(rewritten).toHaveLength(1);
    expect(rewritten[0]).toMatch(/behaviour-changing/);
    const plain = await ask('expose-without-env-port');
    expect(plain.length).toBeGreaterThan(0);
    for (const m of plain) expect(m).not.toMatch(/behaviour-changing/);
  });

  it('the picker counts each transform\'s files in the combined run', async () => {
    const dir = copySample('kodingcaravan');
    answers.push(CANCEL);
    const { runCli } = await import('./helpers/tmp.js');
    const planned = JSON.parse((await runCli(['diff', dir, '--json'])).stdout);
    expect(await run(dir)).toBe(130);
    for (const option of picked.at(-1) ?? []) {
      const files = planned.changes.filter((c: { transforms: string[] }) => c.transforms.includes(option.value)).length;
      expect(option.hint.startsWith(files ? `${files} file` : 'nothing'), option.value).toBe(true);
    }
  });

  it('apply all remaining writes every change of the chosen transforms only', async () => {
    const dir = copySample('peerprep');
    gitInit(dir);
    answers.push(['dockerfile-port-env'], 'skip', 'all');
    await run(dir);
    const changed = git(dir, 'diff', '--name-only').trim().split('\n');
    expect(changed).not.toContain('chat_service/Dockerfile');
    expect(changed.length).toBeGreaterThan(2);
    expect(git(dir, 'diff')).not.toMatch(/^\+(USER|HEALTHCHECK)/m);
  });

  // review9 R42: y on the compose file, n on the Dockerfile and the nginx config wrote `80:8080` alone, and the
  // closing script line repeated that partial apply.
  it('a change accepted without the files it needs is not written, and the script line does not name it', async () => {
    const dir = tempDir();
    const files: Record<string, string> = {
      'frontend/Dockerfile': 'FROM nginx:1.27-alpine\nCOPY nginx.conf /etc/nginx/conf.d/default.conf\nEXPOSE 80\n',
      'frontend/nginx.conf': 'server {\n    listen 80;\n    root /usr/share/nginx/html;\n}\n',
      'deploy/compose.prod.yml': 'services:\n  frontend:\n    build: ../frontend\n    ports:\n      - "80:80"\n',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, dirname(path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    gitInit(dir);
    answers.push('initial', 'apply', 'skip', 'skip');
    await run(dir, ['dockerfile-nginx-non-root']);
    expect(asked.slice(-3).map((m) => m.split(' ')[0])).toEqual(['deploy/compose.prod.yml', 'frontend/Dockerfile', 'frontend/nginx.conf']);
    expect(git(dir, 'status', '--porcelain')).toBe('');
    expect(said.join('\n')).toContain('ECS010');
    expect(scriptArgs()).toBeNull();
  });

  it('apply in a terminal whose stdout is a pipe refuses the prompts, writing nothing', async () => {
    const dir = copySample('peerprep');
    const stderr = new Sink();
    expect(await main(['apply', dir], { stdout: new Sink(), stderr, stdinIsTTY: true } as never)).toBe(2);
    expect(stderr.text).toContain('--yes');
    expect(readFileSync(join(dir, 'chat_service/Dockerfile'), 'utf8')).not.toContain('ENV PORT');
  });

  it('the services table fits 80 columns', async () => {
    const { buildRepoModel } = await import('../src/repo/discover.js');
    const { servicesTable } = await import('../src/cli/report.js');
    const table = servicesTable(buildRepoModel(copySample('kodingcaravan')), false, 74);
    for (const line of table.split('\n')) expect(line.length).toBeLessThanOrEqual(74);
  });

  it('Ctrl-C at the transform choice writes nothing', async () => {
    const dir = copySample('peerprep');
    gitInit(dir);
    answers.push(CANCEL);
    await run(dir);
    expect(git(dir, 'diff', '--name-only').trim()).toBe('');
    expect(readFileSync(join(dir, 'chat_service/Dockerfile'), 'utf8')).not.toContain('ENV PORT');
  });

  it('the git guard refuses before any prompt', async () => {
    const dir = copySample('peerprep');
    gitInit(dir);
    const file = join(dir, 'chat_service/Dockerfile');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, readFileSync(file, 'utf8') + '# local edit\n');
    answers.push('initial'); // would be consumed by the first prompt
    const stderr = new Sink();
    const stdout = new Sink();
    stdout.isTTY = true;
    const code = await main(['wizard', dir], { stdout, stderr, stdinIsTTY: true } as never);
    expect(code).toBe(2);
    expect(stderr.text).toContain('chat_service/Dockerfile');
    expect(stderr.text).toContain('uncommitted changes');
    expect(answers).toEqual(['initial']);
  });
});
