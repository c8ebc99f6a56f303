/**
 * Safety per change (like ruff's Applicability): a change carries the safety its transform decided
 * for it. A safe transform's behaviour-changing change (dockerfile-port-env rewriting a CMD,
 * dockerfile-frozen-lockfile overriding a comment that asks for an unfrozen install) says so in
 * `diff --json` and beside the diff; its safe changes stay safe.
 */
import { describe, expect, it } from 'vitest';
import { copySample, runCli } from './helpers/tmp.js';

interface JsonChange {
  path: string;
  transforms: string[];
  safety: string;
  safetyByTransform: { transform: string; safety: string; verify: string | null }[];
}

async function changesOf(fixture: string, transform: string): Promise<JsonChange[]> {
  const dir = copySample(`transforms/${transform}/${fixture}/before`);
  const { stdout } = await runCli(['diff', '--json', '-t', transform, dir]);
  return (JSON.parse(stdout) as { changes: JsonChange[] }).changes;
}

const bySafety = (changes: JsonChange[]) => changes.map((c) => [c.path, c.safety, c.safetyByTransform.map((s) => [s.transform, s.safety, Boolean(s.verify)])]);

describe('safety per change', () => {
  it('dockerfile-port-env: a CMD rewrite (exec form into sh -c "exec …", or shell form) is behaviour-changing, with what to verify', async () => {
    for (const fixture of ['python-cmd-fixed-port', 'shell-form-cmd-fixed-port'])
      expect(bySafety(await changesOf(fixture, 'dockerfile-port-env')), fixture).toEqual([
        ['backend/catalog/Dockerfile', 'behavior-changing', [['dockerfile-port-env', 'behavior-changing', true]]],
      ]);
  });

  it('dockerfile-port-env: adding ENV PORT alone stays safe', async () => {
    const changes = await changesOf('expose-without-env-port', 'dockerfile-port-env');
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) expect([c.safety, c.safetyByTransform.map((s) => s.safety)]).toEqual(['safe', ['safe']]);
  });

  it('dockerfile-frozen-lockfile: overriding a comment that asks for an unfrozen install is behaviour-changing; a plain npm ci is safe', async () => {
    expect(bySafety(await changesOf('comment-asks-unfrozen', 'dockerfile-frozen-lockfile'))).toEqual([
      ['services/notifications/Dockerfile', 'behavior-changing', [['dockerfile-frozen-lockfile', 'behavior-changing', true]]],
    ]);
    const plain = await changesOf('npm-ci-keeps-flags', 'dockerfile-frozen-lockfile');
    expect(plain.length).toBeGreaterThan(0);
    for (const c of plain) expect(c.safety).toBe('safe');
  });

  it('a change is behaviour-changing when any transform\'s part of it is', async () => {
    const dir = copySample('transforms/dockerfile-port-env/expose-without-env-port/before');
    const { stdout } = await runCli(['diff', '--json', dir]);
    const changes = (JSON.parse(stdout) as { changes: JsonChange[] }).changes;
    for (const c of changes) expect(c.safety, c.path).toBe(c.safetyByTransform.some((s) => s.safety === 'behavior-changing') ? 'behavior-changing' : 'safe');
    expect(changes.some((c) => c.transforms.includes('dockerfile-non-root') && c.safety === 'behavior-changing')).toBe(true);
  });

  it('diff names each behaviour-changing change beside the patch (stderr), and only those', async () => {
    const dir = copySample('transforms/dockerfile-port-env/shell-form-cmd-fixed-port/before');
    const bc = await runCli(['diff', '-t', 'dockerfile-port-env', dir]);
    expect(bc.stderr).toMatch(/^\S*behaviour-changing backend\/catalog\/Dockerfile \[dockerfile-port-env\] verify: /m);
    const safe = await runCli(['diff', '-t', 'dockerfile-port-env', copySample('transforms/dockerfile-port-env/expose-without-env-port/before')]);
    expect(safe.stderr).not.toMatch(/behaviour-changing/);
  });

  it('list --json says which safe transforms make behaviour-changing changes', async () => {
    const list = JSON.parse((await runCli(['list', '--json'])).stdout) as { id: string; safety: string; behaviorChangingWhen: string | null }[];
    const when = Object.fromEntries(list.filter((t) => t.behaviorChangingWhen).map((t) => [t.id, t.safety]));
    expect(when).toEqual({ 'dockerfile-port-env': 'safe', 'dockerfile-frozen-lockfile': 'safe' });
  });
});
