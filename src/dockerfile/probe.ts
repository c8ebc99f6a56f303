/**
 * The HEALTHCHECK probe ecsfix writes for a probe tool: shared by the healthcheck transform and the
 * ECS task definitions `check` generates, so both probe the same way.
 */
import type { ProbeTool } from '../repo/baseImage.js';
import type { DockerStage } from '../repo/dockerfile.js';
import { execForm } from './edit.js';

/**
 * A HEALTHCHECK CMD (the part after `CMD`) for the given tool. It reads PORT (with `port` as the
 * fallback) unless the server listens on a fixed port, which it then probes as written.
 */
export function generateProbe(tool: ProbeTool, stage: DockerStage, port: number, path: string, readsEnv = true): string | null {
  const shellUrl = `"http://localhost:${readsEnv ? `\${PORT:-${port}}` : port}${path}"`;
  switch (tool) {
    case 'node': {
      const node = stage.base.distro === 'distroless' ? '/nodejs/bin/node' : 'node';
      const url = readsEnv ? `'http://localhost:' + (process.env.PORT || '${port}') + '${path}'` : `'http://localhost:${port}${path}'`;
      const js = `require('http').get(${url}, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))`;
      return execForm([node, '-e', js]);
    }
    case 'python': {
      const url = readsEnv ? `'http://localhost:' + os.environ.get('PORT', '${port}') + '${path}'` : `'http://localhost:${port}${path}'`;
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
