/**
 * The HEALTHCHECK probe ecsfix writes for a probe tool: shared by the healthcheck transform and the
 * ECS task definitions `check` generates, so both probe the same way.
 */
import type { ProbeTool } from '../repo/baseImage.js';
import type { DockerStage } from '../repo/dockerfile.js';
import { execForm } from './edit.js';

/**
 * A HEALTHCHECK CMD (the part after `CMD`) for the given tool. It reads `variable` (PORT, or the
 * one the server reads its port from), with `port` as the fallback; null `variable` means the server
 * listens on a fixed port, which it then probes as written.
 */
export function generateProbe(tool: ProbeTool, stage: DockerStage, port: number, path: string, variable: string | null = 'PORT'): string | null {
  const readsEnv = variable !== null;
  const shellUrl = `"http://localhost:${readsEnv ? `\${${variable}:-${port}}` : port}${path}"`;
  switch (tool) {
    case 'node': {
      const node = stage.base.distro === 'distroless' ? '/nodejs/bin/node' : 'node';
      const url = readsEnv ? `'http://localhost:' + (process.env.${variable} || '${port}') + '${path}'` : `'http://localhost:${port}${path}'`;
      // Exit 0 on 200, 1 otherwise, as before; on an answer that is not 200 it prints one line,
      // `HTTP 404`, so `ecsfix verify` (and `docker inspect`'s health log) can tell a server that
      // answers the wrong status from one that does not answer at all (no output).
      const js = `require('http').get(${url}, (r) => { if (r.statusCode !== 200) console.log('HTTP ' + r.statusCode); process.exit(r.statusCode === 200 ? 0 : 1); }).on('error', () => process.exit(1))`;
      return execForm([node, '-e', js]);
    }
    case 'python': {
      const url = readsEnv ? `'http://localhost:' + os.environ.get('${variable}', '${port}') + '${path}'` : `'http://localhost:${port}${path}'`;
      const py = `import ${readsEnv ? 'os, ' : ''}urllib.request; urllib.request.urlopen(${url}, timeout=4)`;
      return execForm(['python3', '-c', py]);
    }
    case 'wget':
      return stage.tools.includes('sh') ? `wget -q -O /dev/null ${shellUrl} || exit 1` : null;
    case 'curl':
      return stage.tools.includes('sh') ? `curl -fsS -o /dev/null ${shellUrl} || exit 1` : null;
    default:
      return null;
  }
}
