/**
 * The image tests' machine: buildah as root, and local stand-ins for the base images the fixtures
 * build FROM, made once per machine by scripts/standin-images.sh (cached in buildah's storage; the
 * script says what each stand-in has and lacks — notably, `*-alpine` stand-ins are Debian with
 * busybox-compatible addgroup/adduser shims and an `apk` that installs nothing).
 *
 * {@link prepareStandins} returns null when the image tests can run, or the reason they cannot,
 * which the tests print and put in their skip note: never a silent skip.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'standin-images.sh');

const onPath = (tool: string) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool]).status === 0;

export async function prepareStandins(): Promise<string | null> {
  if (process.env.ECSFIX_SKIP_IMAGE_TESTS) return `ECSFIX_SKIP_IMAGE_TESTS is set`;
  if (process.platform !== 'linux') return `buildah image tests need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'buildah image tests run as root (chroot isolation); this user is not root';
  for (const tool of ['buildah', 'debootstrap'])
    if (!onPath(tool)) return `${tool} is not installed (apt-get install -y buildah debootstrap; .ci/run does it)`;
  // The first run on a machine takes a few minutes (debootstrap, node from the registry); later runs
  // find the images. Asynchronous: a worker blocked that long misses vitest's RPC deadline
  // ("Timeout calling onTaskUpdate") and the run fails although every test passed.
  const made = await runScript(15 * 60_000);
  if (made.status !== 0) {
    const last = (made.output || made.error).trim().split('\n').pop();
    return `the stand-in base images could not be made (scripts/standin-images.sh: ${last})`;
  }
  return null;
}

function runScript(timeoutMs: number): Promise<{ status: number | null; output: string; error: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ status: null, output: '', error: String(err) });
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, output: stderr || stdout, error: signal ? `killed by ${signal} after ${timeoutMs / 60_000} minutes` : '' });
    });
  });
}

/** Prints why the image tests are skipped, where a CI log reader sees it. */
export function announceSkip(reason: string): void {
  process.stderr.write(`\n*** ecsfix image tests SKIPPED: ${reason} ***\n\n`);
}
